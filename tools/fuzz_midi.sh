#!/usr/bin/env bash
# Fuzzes the MIDI reader (tests/fuzz/fuzz_midi.cpp) with libFuzzer, ASan and
# UBSan for N seconds (default 60). Exits non-zero when the fuzzer finds a
# crash, a sanitizer report, a leak, a timeout or an out-of-memory input.
#
#   tools/fuzz_midi.sh [SECONDS]
#
# Work files go to ${FUZZ_WORK:-build/fuzz_midi}: the binary, the corpus (kept
# between runs so coverage accumulates) and any crash-* reproducer.
set -euo pipefail

seconds="${1:-60}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
work="${FUZZ_WORK:-$root/build/fuzz_midi}"
cxx="${CXX_FUZZ:-clang++}"
mkdir -p "$work/corpus" "$work/seeds" "$work/artifacts"

"$cxx" -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -I"$root/include" "$root/tests/fuzz/fuzz_midi.cpp" -o "$work/fuzz_midi"

# Seeds: small generated files covering the reader's features (the same
# shapes as the unit tests' fixtures in tests/midi/test_midi_reader.cpp).
python3 - "$work/seeds" <<'PY'
import struct, sys, os
out = sys.argv[1]
def vlq(v):
    b = [v & 0x7F]
    while v > 0x7F:
        v >>= 7
        b.append(0x80 | (v & 0x7F))
    return bytes(reversed(b))
def chunk(name, body): return name + struct.pack('>I', len(body)) + body
def mthd(fmt, ntrks, division): return chunk(b'MThd', struct.pack('>HHH', fmt, ntrks, division))
def ev(delta, data): return vlq(delta) + bytes(data)
EOT = ev(0, [0xFF, 0x2F, 0])
def trk(*events): return chunk(b'MTrk', b''.join(events) + EOT)
note = [ev(0, [0x90, 60, 100]), ev(480, [0x80, 60, 0])]
seeds = {
  'note0': mthd(0, 1, 480) + trk(*note),
  'running': mthd(0, 1, 480) + trk(ev(0, [0x91, 60, 90]), ev(0, [62, 80]), ev(10, [0xFF, 1, 2, 104, 105]),
                                   ev(0, [60, 0]), ev(5, [62, 0])),
  'tempo1': mthd(1, 2, 480) + trk(ev(0, [0xFF, 0x51, 3, 7, 0xA1, 0x20]), ev(960, [0xFF, 0x51, 3, 0x0F, 0x42, 0x40]))
            + trk(*note),
  'format2': mthd(2, 2, 96) + trk(ev(0, [0xFF, 0x51, 3, 0x0F, 0x42, 0x40]), *note) + trk(*note),
  'smpte': mthd(0, 1, 0xE728) + trk(*note),
  'sysex': mthd(0, 1, 480) + trk(ev(0, [0x90, 60, 100]), ev(0, [0xF0, 3, 0x43, 0x12, 0xF7]),
                                 ev(0, [0xF7, 3, 0x90, 0x3C, 0x40]), ev(0, [0xF8]), ev(0, [0xF2, 1, 2]),
                                 ev(10, [0x80, 60, 0])),
  'metas': mthd(1, 1, 480) + trk(ev(0, [0xFF, 3, 4, 80, 105, 97, 110]), ev(0, [0xFF, 0x58, 4, 6, 3, 24, 8]),
                                 ev(0, [0xFF, 0x59, 2, 0xFD, 1]), ev(0, [0xFF, 0x7F, 1, 0])),
  'channels': mthd(0, 1, 480) + trk(ev(0, [0xA0, 60, 10]), ev(0, [0xB0, 7, 100]), ev(0, [0xC0, 41]),
                                    ev(0, [0xD0, 33]), ev(0, [0xE0, 0, 64]), *note),
  'unknown': mthd(1, 2, 480) + chunk(b'XFIH', b'abc') + trk(*note) + trk(ev(0, [0x90, 61, 1])),
}
smf = seeds['note0']
data = b'data' + struct.pack('<I', len(smf)) + smf
seeds['rmid'] = b'RIFF' + struct.pack('<I', 4 + len(data)) + b'RMID' + data
for name, content in seeds.items():
    with open(os.path.join(out, name + '.mid'), 'wb') as f:
        f.write(content)
PY

# Real files too, where the data set is at hand.
dataset="$root/../shared/datasets/final-fantasy-piano"
if [ -d "$dataset" ]; then
    find "$dataset" -maxdepth 1 -name '*.mid' -size -64k -exec cp -n {} "$work/seeds/" \;
fi

echo "fuzzing the MIDI reader for ${seconds}s (work folder: $work)"
status=0
# libFuzzer's progress lines go to a log; a failure prints its end.
"$work/fuzz_midi" "$work/corpus" "$work/seeds" \
    -max_total_time="$seconds" -rss_limit_mb=2048 -max_len=65536 -timeout=10 \
    -artifact_prefix="$work/artifacts/" -print_final_stats=1 > "$work/fuzz.log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
    tail -n 60 "$work/fuzz.log" >&2
    echo "fuzz_midi.sh: the fuzzer failed (exit $status); reproducers in $work/artifacts/, log in $work/fuzz.log" >&2
    exit "$status"
fi
grep -E "^stat::(number_of_executed_units|peak_rss_mb)" "$work/fuzz.log" || true
echo "fuzz_midi.sh: no crash in ${seconds}s"
