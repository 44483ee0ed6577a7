#!/usr/bin/env bash
# Runs stopped at the worst moments and run folders used twice at once
# (docs/reliability.md). A test-only environment variable,
# CADENZA_TEST_EXIT_AT=written:FILE[:N] or renamed:FILE[:N], ends the process
# (status 86, no clean-up, as a kill would) when FILE's temporary copy is
# complete but not renamed, or right after the rename: the same place every time.
# Usage: interrupted_runs.sh BIN_DIR WORK_DIR (ctest passes them).
set -uo pipefail
bin=$1
work=$2
rm -rf "$work" && mkdir -p "$work"
source "$(dirname "$0")/common.sh"
prepare_corpus
args=("${tiny[@]}" --seed 5 --val-fraction 0.3)
"$music" train "$work/c.corpus" -o "$work/full" "${args[@]}" --epochs 3 > /dev/null 2>&1 || fail "the uninterrupted run"

# stop_at SPEC RUN: a run stopped at SPEC (exit 86), then resumed to 3 epochs;
# its weights must be the uninterrupted run's, bit for bit.
stop_at() {
  local spec=$1 run="$work/$2"
  CADENZA_TEST_EXIT_AT=$spec "$music" train "$work/c.corpus" -o "$run" "${args[@]}" --epochs 3 > "$run.txt" 2>&1
  local rc=$?
  [ $rc -eq 86 ] || fail "$spec: the run was not stopped there (exit $rc): $(tail -2 "$run.txt")"
  # Whatever is on disk now loads.
  for f in "$run"/*.ckpt; do
    [ -e "$f" ] || continue
    "$music" summary "$f" > /dev/null 2>&1 || fail "$spec: $f does not load after the stop"
  done
}

# Stopped with last.ckpt's temporary copy written but not renamed (epoch 2):
# the temporary is removed on resume and the run continues from epoch 1.
stop_at written:last.ckpt:2 tmp
ls "$work/tmp"/last.ckpt.tmp.* > /dev/null 2>&1 || fail "the stop left no temporary file to clean"
[ -e "$work/tmp/best.ckpt" ] || fail "best.ckpt is missing after a stop while writing last.ckpt"
"$music" train --resume "$work/tmp" > "$work/tmp-resume.txt" 2>&1 || fail "resume: $(tail -2 "$work/tmp-resume.txt")"
grep -q "removed .*last.ckpt.tmp.*a temporary file left by a run that was stopped" "$work/tmp-resume.txt" ||
  fail "the stale temporary was not reported: $(cat "$work/tmp-resume.txt")"
grep -q "resuming .* after epoch 1 of 3" "$work/tmp-resume.txt" || fail "did not resume after epoch 1"
no_temporaries "$work/tmp"
"$bin/checkpoint-diff" "$work/full/last.ckpt" "$work/tmp/last.ckpt" > "$work/diff.txt" ||
  fail "stopped while writing last.ckpt, then resumed: weights differ: $(cat "$work/diff.txt")"
pass "stop between writing and renaming last.ckpt: temporary removed, resumed exactly"

# Stopped right after best.ckpt of epoch 1, before last.ckpt: best is on disk
# (it is written first); nothing to resume yet, and a new run in the folder starts over.
stop_at renamed:best.ckpt:1 best
[ -e "$work/best/best.ckpt" ] && [ ! -e "$work/best/last.ckpt" ] || fail "expected best.ckpt and no last.ckpt"
refuses 1 "nothing to resume" "resume with no last.ckpt" "$music" train --resume "$work/best"
"$music" train "$work/c.corpus" -o "$work/best" "${args[@]}" --epochs 3 > "$work/best2.txt" 2>&1 ||
  fail "a new run in the folder: $(tail -2 "$work/best2.txt")"
"$bin/checkpoint-diff" "$work/full/best.ckpt" "$work/best/best.ckpt" > /dev/null || fail "best.ckpt differs"
pass "stop between best.ckpt and last.ckpt: best is on disk, never named when absent"

# Stopped after a whole epoch: resume is exact; the summary names only files that exist.
stop_at renamed:history.csv:2 epoch
"$music" train --resume "$work/epoch" > "$work/epoch-resume.txt" 2>&1 || fail "resume after epoch 2"
"$bin/checkpoint-diff" "$work/full/last.ckpt" "$work/epoch/last.ckpt" > /dev/null || fail "resumed after epoch 2: weights differ"
for f in $(sed -n 's/^done: //p' "$work/epoch-resume.txt" | grep -oE '[^ ,]+\.(ckpt|csv|svg)'); do
  case $f in *.svg) f="$work/epoch/$f" ;; esac
  [ -e "$f" ] || fail "the summary names $f, which does not exist"
done
pass "stop after epoch 2: resumed exactly; the summary names only files on disk"

# A best.ckpt deleted by hand is written again from last.ckpt when last was the best.
rm -rf "$work/gone" && cp -r "$work/full" "$work/gone" && rm "$work/gone/best.ckpt"
"$music" train --resume "$work/gone" --epochs 3 > "$work/gone.txt" 2>&1 || fail "resume without best.ckpt"
if grep -q "best.ckpt was missing; written again" "$work/gone.txt"; then
  [ -e "$work/gone/best.ckpt" ] || fail "best.ckpt announced but not written"
else
  grep -q "notice: best.ckpt (epoch [0-9]*) is missing" "$work/gone.txt" || fail "a missing best.ckpt was not reported"
  grep -q "best.ckpt" <(sed -n 's/^done: //p' "$work/gone.txt") && fail "the summary names a best.ckpt that is not there"
fi
pass "a missing best.ckpt is rewritten or reported, never named"

# Two processes, one run folder: the second refuses, for a new run and for
# --resume; the test holds the lock itself, so the timing cannot vary.
mkdir -p "$work/busy" && cp -r "$work/full" "$work/busy-run"
# One process (the sleep the subshell becomes) holds both locks.
( exec 8> "$work/busy/.lock" 9> "$work/busy-run/.lock"; flock 8; flock 9; exec sleep 60 ) &
holder=$!
for _ in $(seq 100); do flock -n "$work/busy-run/.lock" true 2>/dev/null || break; sleep 0.05; done
refuses 1 "another process is training in this run folder" "train -o a folder in use" \
  "$music" train "$work/c.corpus" -o "$work/busy" "${args[@]}" --epochs 1
refuses 1 "another process is training in this run folder" "train --resume a folder in use" \
  "$music" train --resume "$work/busy-run" --epochs 4
kill $holder 2>/dev/null
wait $holder 2>/dev/null
[ ! -e "$work/busy/last.ckpt" ] || fail "the refused run wrote a checkpoint"
"$bin/checkpoint-diff" "$work/full/last.ckpt" "$work/busy-run/last.ckpt" > /dev/null || fail "the refused resume changed the run"
"$music" train --resume "$work/busy-run" --epochs 4 > /dev/null 2>&1 || fail "resume once the folder is free"
pass "a run folder in use is refused, and usable again once free"
no_temporaries "$work"
echo "interrupted runs: all passed"
