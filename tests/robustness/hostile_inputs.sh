#!/usr/bin/env bash
# Hostile input (docs/reliability.md): tiny files that once cost gigabytes,
# files missing tracks, special files, outputs that are inputs, numeric flags
# that are NaN or out of range, checkpoints and corpora that pass their
# checksums but contradict themselves. Each case asserts the exit status,
# that the one error line names the file or flag, and that nothing is left.
# Usage: hostile_inputs.sh BIN_DIR WORK_DIR (ctest passes them).
set -uo pipefail
bin=$1
work=$2
rm -rf "$work" && mkdir -p "$work/hostile"
source "$(dirname "$0")/common.sh"
h="$work/hostile"
"$bin/make-hostile-inputs" midi "$h" || fail "could not write the hostile MIDI files"
make_corpus "$work/midi" 3

# 1. A few KB of MIDI must not cost gigabytes: at most 64 quiet bars per stretch.
( ulimit -v 1500000; timeout 20 "$music" prepare "$h/long-gaps.mid" -o "$work/gaps.corpus" ) > "$work/gaps.txt" 2>&1 ||
  fail "prepare of a 2.4 KB file with 200 gaps of 2^28 ticks: $(tail -2 "$work/gaps.txt")"
tokens=$(sed -n 's/^tokens: *\([0-9]*\).*/\1/p' "$work/gaps.txt")
[ "$tokens" -le 20000 ] || fail "200 long gaps gave $tokens tokens, expected at most 200 * 65 + 200"
pass "long silences: $tokens tokens within 1.5 GB and 20 s"
( ulimit -v 1500000; timeout 20 "$music" prepare "$h/endless-note.mid" "$work/midi" -o "$work/endless.corpus" ) \
  > "$work/endless.txt" 2>&1 || fail "a note of 2^28 ticks: $(tail -2 "$work/endless.txt")"
pass "a note sounding for 2^28 ticks"
"$music" prepare "$work/midi" "$h/ten-gaps.mid" -o "$work/mixed.corpus" --parts all > "$work/mixed.txt" 2>&1 ||
  fail "prepare with one broken file: $(tail -2 "$work/mixed.txt")"
grep -q "^warning .*ten-gaps.mid: makes [0-9]*% of the corpus's tokens" "$work/mixed.txt" ||
  fail "no warning for a song that makes most of the corpus: $(cat "$work/mixed.txt")"
pass "one song dominating the corpus is named"
# Notes held across many barlines: the score's budget (16 elements per note)
# refuses the file with one line, the others are read.
( ulimit -v 1500000; timeout 20 "$music" prepare "$work/midi" "$h/held-notes.mid" -o "$work/held.corpus" --parts all ) \
  > "$work/held.txt" 2>&1 || fail "prepare with a file of held notes: $(tail -2 "$work/held.txt")"
grep -q "^skipped .*held-notes.mid: track 0, bar [0-9]*: the score would hold more than 48000 elements (16 for each of the file's 3000 notes and meta events, at least 16384), from notes held across too many barlines; the file is not tokenized$" "$work/held.txt" ||
  fail "the file of held notes is not refused in one line: $(cat "$work/held.txt")"
grep -q "^files: *3 read, 1 skipped" "$work/held.txt" || fail "the other files should be read: $(cat "$work/held.txt")"
pass "3,000 notes held across many barlines: refused in one line"
# 1,000 tracks under 1,000 conductor tempo changes 64 bars apart: each track
# has 64,000 bars; with rests they are rests, without rests empty bars.
for rests in "" --no-rests; do
  ( ulimit -v 1500000; timeout 20 "$music" prepare "$work/midi" "$h/conductor-metas.mid" -o "$work/cond.corpus" --parts all $rests ) \
    > "$work/cond.txt" 2>&1 || fail "prepare with conductor-metas.mid $rests: $(tail -2 "$work/cond.txt")"
  grep -q "^skipped .*conductor-metas.mid: track 1, bar [0-9]*: the score would hold more than 48000 elements (16 for each of the file's 3000 notes and meta events, at least 16384), from too many \(rests in empty bars and voices\|empty bars\); the file is not tokenized$" "$work/cond.txt" ||
    fail "conductor-metas.mid $rests is not refused in one line: $(cat "$work/cond.txt")"
done
pass "1,000 tracks under 1,000 conductor changes 64 bars apart: refused, with and without rests"

# 7. Reader warnings reach prepare's output; a format 0 file announcing 2 tracks reads both.
"$music" prepare "$h/missing-track.mid" "$h/format0-two.mid" -o "$work/warn.corpus" --parts all \
  > "$work/warn.txt" 2>&1 || fail "prepare of files with header flaws: $(cat "$work/warn.txt")"
grep -q "^warning .*missing-track.mid: the header announces 3 tracks but only 2" "$work/warn.txt" ||
  fail "the missing track is not reported: $(cat "$work/warn.txt")"
grep -q "^warning .*format0-two.mid: the header announces format 0 with 2 tracks" "$work/warn.txt" ||
  fail "the format 0 file with 2 tracks is not reported"
grep -q "^files: *2 read, 0 skipped" "$work/warn.txt" || fail "both files should be read: $(cat "$work/warn.txt")"
pass "reader warnings per file"

# 8. Special files: refused before reading, never a hang.
mkfifo "$work/fifo.mid"
refuses 1 "/dev/zero: byte 0: is not a regular file" "midi-dump /dev/zero" timeout 10 "$dump" /dev/zero
refuses 1 "fifo.mid: byte 0: is not a regular file" "midi-dump on a FIFO" timeout 10 "$dump" "$work/fifo.mid"
refuses 1 "/dev/urandom: byte 0: is not a regular file" "midi-dump /dev/urandom" timeout 10 "$dump" /dev/urandom
refuses 1 "/dev/zero: is not a regular file" "summary /dev/zero" timeout 10 "$music" summary /dev/zero
refuses 1 "/dev/zero: is not a regular file" "generate /dev/zero" timeout 10 "$music" generate /dev/zero -o "$work/z.mid"
refuses 1 "$work/midi: is a folder, not a file" "a folder as corpus" timeout 10 "$music" train "$work/midi" -o "$work/r0"
[ ! -e "$work/z.mid" ] && [ ! -e "$work/r0" ] || fail "a refused command left output"
# Link loops, dangling links and FIFOs inside an input folder are listed, not fatal.
mkdir -p "$work/tree/sub" && cp "$work/midi/song0.mid" "$work/midi/song1.mid" "$work/tree/sub/"
ln -s .. "$work/tree/sub/up" && ln -s loop.mid "$work/tree/loop.mid" && ln -s nowhere.mid "$work/tree/dangling.mid"
mkfifo "$work/tree/pipe.mid"
timeout 20 "$music" prepare "$work/tree" -o "$work/tree.corpus" --parts all > "$work/tree.txt" 2>&1 ||
  fail "prepare of a folder with links and a FIFO: $(cat "$work/tree.txt")"
for what in "loop.mid: a symbolic link loop" "dangling.mid: a dangling symbolic link" \
            "pipe.mid: not a regular file" "up: a folder already searched"; do
  grep -q "^skipped .*$what" "$work/tree.txt" || fail "not listed: $what in $(cat "$work/tree.txt")"
done
grep -q "^files: *2 read" "$work/tree.txt" || fail "the two real files should be read: $(cat "$work/tree.txt")"
pass "links in circles, dangling links and FIFOs are skipped and listed"

# Standard output that cannot be written.
refuses 1 "cannot write to standard output" "summary > /dev/full" sh -c "'$music' summary --vocab 20 > /dev/full"
refuses 1 "cannot write to standard output" "midi-dump > /dev/full" sh -c "'$dump' '$work/midi/song0.mid' > /dev/full"

# A corpus and a trained run to point the remaining commands at.
"$music" prepare "$work/midi" -o "$work/c.corpus" --parts all > /dev/null || fail "prepare"
"$music" train "$work/c.corpus" -o "$work/run" "${tiny[@]}" --epochs 1 > /dev/null 2>&1 || fail "train"
ckpt="$work/run/last.ckpt"

# 5. An output that is an input, or another output, is refused before anything is written.
cp "$work/midi/song0.mid" "$work/x.mid" && before=$(md5sum < "$work/x.mid")
refuses 2 "-o $work/x.mid: that is the input INPUT" "prepare x.mid -o x.mid" "$music" prepare "$work/x.mid" -o "$work/x.mid"
[ "$(md5sum < "$work/x.mid")" = "$before" ] || fail "prepare destroyed its input"
cp "$ckpt" "$work/m.ckpt" && before=$(md5sum < "$work/m.ckpt")
refuses 2 "that is the input CHECKPOINT" "generate m.ckpt -o m.ckpt" "$music" generate "$work/m.ckpt" -o "$work/m.ckpt"
(cd "$work" && refuses 2 "that is the input CHECKPOINT" "the same file by another path" "$music" generate ./run/../m.ckpt -o m.ckpt)
[ "$(md5sum < "$work/m.ckpt")" = "$before" ] || fail "generate destroyed the checkpoint"
refuses 2 "--plot $work/o.mid: -o names the same file" "-o out.mid --plot out.mid" \
  "$music" generate "$ckpt" -o "$work/o.mid" --plot "$work/o.mid"
refuses 2 "--plot $work/nodir/x.svg: the folder" "--plot into a missing folder" \
  "$music" generate "$ckpt" -o "$work/o.mid" --plot "$work/nodir/x.svg"
[ ! -e "$work/o.mid" ] || fail "generate wrote out.mid before finding its --plot folder missing"
refuses 2 "that is the input RUN_DIR" "report -o RUN_DIR" "$music" report "$work/run" -o "$work/run"

# 6. Numeric flags: NaN, infinities, out of range and wrapped seeds give exit 2 naming the flag.
for case in "train --clip-norm nan" "train --lr nan" "train --lr inf" "train --val-fraction -0.5" \
            "train --epochs 0" "train --batch 1e3" "train --seq-len 100001" "train --seed -1" \
            "train --seed 18446744073709551616" "generate --temperature nan" "generate --top-p nan" \
            "generate --tempo nan" "generate --tempo 1e999" "generate --top-k -3" "generate --seed -1" \
            "report --pieces nan" "report --seed 2x" "prepare --min-count 0" "baselines --val-fraction nan"; do
  set -- $case
  sub=$1 flag=$2 value=$3
  case $sub in
    train) args=("$work/c.corpus" -o "$work/never") ;;
    generate) args=("$ckpt" -o "$work/never.mid") ;;
    report) args=("$work/run" -o "$work/never") ;;
    prepare) args=("$work/midi" -o "$work/never.corpus") ;;
    baselines) args=("$work/c.corpus") ;;
  esac
  refuses 2 "$flag" "$sub $flag $value" "$music" "$sub" "${args[@]}" "$flag" "$value"
done
[ ! -e "$work/never" ] && [ ! -e "$work/never.mid" ] && [ ! -e "$work/never.corpus" ] || fail "a refused flag left output"

# 9. Checkpoints and corpora whose checksums pass but whose content contradicts itself.
mkdir -p "$work/bad"
"$bin/make-hostile-inputs" checkpoint "$ckpt" "$work/bad" || fail "could not write the hostile checkpoints"
"$bin/make-hostile-inputs" corpus "$work/c.corpus" "$work/bad" || fail "could not write the hostile corpora"
check() { refuses 1 "$work/bad/$1" "$1" timeout 20 "$music" "${@:2}"; }
check epoch-negative.ckpt generate "$work/bad/epoch-negative.ckpt" -o "$work/never.mid"
check epoch-huge.ckpt generate "$work/bad/epoch-huge.ckpt" -o "$work/never.mid"
check best-after-last.ckpt summary "$work/bad/best-after-last.ckpt"
check history-short.ckpt summary "$work/bad/history-short.ckpt"
check seq-len-huge.ckpt generate "$work/bad/seq-len-huge.ckpt" -o "$work/never.mid"
check encoding-rich.ckpt generate "$work/bad/encoding-rich.ckpt" -o "$work/never.mid"
check nan-weight.ckpt generate "$work/bad/nan-weight.ckpt" -o "$work/never.mid"
check inf-weight.ckpt summary "$work/bad/inf-weight.ckpt"
check parameters-short.ckpt summary "$work/bad/parameters-short.ckpt"
check layer-overflow.ckpt summary "$work/bad/layer-overflow.ckpt"
check input-huge.ckpt summary "$work/bad/input-huge.ckpt"
check songs-99.corpus train "$work/bad/songs-99.corpus" -o "$work/never"
check encoding-rich.corpus train "$work/bad/encoding-rich.corpus" -o "$work/never"
check song-length-huge.corpus train "$work/bad/song-length-huge.corpus" -o "$work/never"
check id-outside.corpus baselines "$work/bad/id-outside.corpus"
[ ! -e "$work/never" ] && [ ! -e "$work/never.mid" ] || fail "a refused checkpoint or corpus left output"

# Should-fix items: an absurd thread count, a primer the vocabulary does not know, a damaged history.
"$music" generate "$ckpt" -o "$work/t.mid" --threads 4096 --length 8 > "$work/threads.txt" 2>&1 ||
  fail "--threads 4096: $(cat "$work/threads.txt")"
grep -q "notice: --threads 4096 on" "$work/threads.txt" || fail "no notice for 4096 threads"
pass "--threads 4096 is capped with a notice"
"$music" prepare "$work/midi" -o "$work/rich.corpus" --encoding rich > /dev/null || fail "prepare rich"
"$music" train "$work/rich.corpus" -o "$work/richrun" "${tiny[@]}" --epochs 1 > /dev/null 2>&1 || fail "train rich"
"$music" generate "$work/richrun/last.ckpt" -o "$work/p.mid" --primer "$h/format0-two.mid" --length 8 \
  > "$work/primer.txt" 2>&1
status=$?
if [ $status -eq 0 ]; then
  grep -q "notice: primer .* tokens are not in the model's vocabulary" "$work/primer.txt" ||
    fail "a primer with unknown tokens gave no notice: $(cat "$work/primer.txt")"
else
  grep -q "none of its .* tokens are in the model's vocabulary" "$work/primer.txt" ||
    fail "a primer with only unknown tokens: $(cat "$work/primer.txt")"
fi
pass "a primer the vocabulary does not know is named"
printf 'epoch,loss\n1,nan\n3,1e308\n' > "$work/run/history.csv"
"$music" report "$work/run" --pieces 1 --length 20 --threads 1 > "$work/report.txt" 2>&1 ||
  fail "report with a damaged history.csv: $(tail -2 "$work/report.txt")"
grep -q "notice: .*history.csv is damaged" "$work/report.txt" || fail "no notice for a damaged history.csv"
grep -q 'nan' "$work/run/report/loss.svg" && fail "loss.svg holds nan"
pass "a damaged history.csv is replaced by the checkpoint's own"
rm -rf "$work/run/report"
refuses 1 "nowhere.ckpt: no such checkpoint file" "report --checkpoint of a missing file" \
  "$music" report "$work/run" --checkpoint "$work/nowhere.ckpt"
"$music" report "$work/run" --checkpoint "$work/bad/nan-weight.ckpt" > /dev/null 2>&1 && fail "a damaged checkpoint was reported"
[ ! -e "$work/run/report/.work" ] || fail "a failed report left its scratch folder"
pass "a failed report leaves no scratch folder"

no_temporaries "$work"
echo "hostile inputs: all passed"
