#!/usr/bin/env bash
# `prepare` on 500 generated MIDI files (and one broken one) with 1 and with 2
# threads: the corpus files must be byte-identical, and so must the reports.
#   tests/e2e/prepare_threads.sh BIN_DIR WORK_DIR
set -euo pipefail
bin=$1 work=$2
rm -rf "$work" && mkdir -p "$work/midi"
"$bin/make-midi-corpus" "$work/midi" 500 > /dev/null
printf 'MThd\0\0\0\6\0\1' > "$work/midi/broken.mid"   # cut short: skipped, in its place
"$bin/cadenza-music" prepare "$work/midi" -o "$work/one.corpus" --parts all --threads 1 > "$work/one.log"
"$bin/cadenza-music" prepare "$work/midi" -o "$work/two.corpus" --parts all --threads 2 > "$work/two.log"
cmp "$work/one.corpus" "$work/two.corpus" || { echo "FAILED: the corpora of 1 and 2 threads differ"; exit 1; }
# (but for the line naming the output file)
cmp <(grep -v "^corpus written:" "$work/one.log") <(grep -v "^corpus written:" "$work/two.log") \
  || { echo "FAILED: the reports of 1 and 2 threads differ"; exit 1; }
grep -q "files:            500 read, 1 skipped" "$work/one.log" || { cat "$work/one.log"; echo "FAILED: counts"; exit 1; }
echo "ok: 500 files, 1 and 2 threads: the same corpus and report, byte for byte"
