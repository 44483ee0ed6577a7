#!/usr/bin/env bash
# Exact resume, as README promises it: a run interrupted after 1 or after 2
# epochs and resumed to 3 ends with last.ckpt's weights and optimizer state
# equal to an uninterrupted run's, bit for bit. The matrix: both models, with
# dropout, batches that do not divide the data, 1 and 2 threads, and every
# training option (weight decay, schedule, chunk offsets, transposition, key
# normalisation). (The losses in history.csv are rounded to 6 digits: they would
# miss a difference in the last bits; the weights do not.)
# Usage: exact_resume.sh BIN_DIR WORK_DIR (ctest passes them).
set -uo pipefail
bin=$1
work=$2
rm -rf "$work" && mkdir -p "$work"
source "$(dirname "$0")/common.sh"
prepare_corpus

# resume_matches NAME ARGS...: uninterrupted 3 epochs against 1 + 2 and 2 + 1.
resume_matches() {
  local name=$1
  shift
  local full="$work/$name-full"
  "$music" train "$work/c.corpus" -o "$full" "$@" --epochs 3 > "$full.txt" 2>&1 || fail "$name: $(tail -2 "$full.txt")"
  for first in 1 2; do
    local run="$work/$name-after-$first"
    "$music" train "$work/c.corpus" -o "$run" "$@" --epochs "$first" > "$run.txt" 2>&1 || fail "$name: first $first"
    "$music" train --resume "$run" --epochs 3 >> "$run.txt" 2>&1 || fail "$name: resume after $first: $(tail -2 "$run.txt")"
    "$bin/checkpoint-diff" "$full/last.ckpt" "$run/last.ckpt" > "$run.diff" ||
      fail "$name: resumed after epoch $first, the weights differ from the uninterrupted run's: $(tr '\n' ' ' < "$run.diff")"
    cmp -s <(cut -d, -f1-7 "$full/history.csv") <(cut -d, -f1-7 "$run/history.csv") ||
      fail "$name: resumed after epoch $first, history.csv differs"
  done
  pass "$name: resumed after 1 and after 2 epochs, bit for bit"
}

# interrupted_matches NAME ARGS...: the same, but each run is stopped for real
# after its first or second last.ckpt (CADENZA_TEST_EXIT_AT) and resumed, its
# --epochs never changed: for a schedule whose rates depend on the planned
# epochs (--schedule cosine), which a run extended by --epochs rightly changes.
interrupted_matches() {
  local name=$1
  shift
  local full="$work/$name-full"
  "$music" train "$work/c.corpus" -o "$full" "$@" --epochs 3 > "$full.txt" 2>&1 || fail "$name: $(tail -2 "$full.txt")"
  for first in 1 2; do
    local run="$work/$name-stopped-$first" status=0
    CADENZA_TEST_EXIT_AT=renamed:last.ckpt:$first "$music" train "$work/c.corpus" -o "$run" "$@" --epochs 3 \
      > "$run.txt" 2>&1 || status=$?
    [ "$status" = 86 ] || fail "$name: the run meant to stop after epoch $first ended with status $status"
    "$music" train --resume "$run" >> "$run.txt" 2>&1 || fail "$name: resume after $first: $(tail -2 "$run.txt")"
    "$bin/checkpoint-diff" "$full/last.ckpt" "$run/last.ckpt" > "$run.diff" ||
      fail "$name: stopped after epoch $first and resumed, the weights differ: $(tr '\n' ' ' < "$run.diff")"
    cmp -s <(cut -d, -f1-7 "$full/history.csv") <(cut -d, -f1-7 "$run/history.csv") ||
      fail "$name: stopped after epoch $first and resumed, history.csv differs"
  done
  pass "$name: stopped after 1 and after 2 epochs and resumed, bit for bit"
}

# The paper's model: dropout 0.3 twice, batch 7 (the data is not a multiple of 7), shuffled.
resume_matches paper-1-thread --model paper --seq-len 12 --units 8 --batch 7 --threads 1 --seed 11
resume_matches paper-2-threads --model paper --seq-len 12 --units 8 --batch 7 --threads 2 --seed 11
resume_matches paper-windows-split --model paper --seq-len 10 --units 8 --batch 5 --threads 2 --seed 3 --split windows
# The stream model: stateful lanes, 3 of them.
resume_matches stream-1-thread --model stream --seq-len 9 --units 8 --batch 3 --threads 1 --seed 11
resume_matches stream-2-threads --model stream --seq-len 9 --units 8 --batch 3 --threads 2 --seed 11
# Every training option of the music issue: dropout on the embedding and
# between the layers, AdamW's decay, the cosine schedule (its rate depends on
# the epoch), new chunk offsets every epoch (drawn from the seed and the
# epoch), transposed copies (a vocabulary the run extends), key normalisation.
resume_matches stream-regularised --model stream --seq-len 9 --units 8 --batch 3 --threads 2 --seed 5 \
  --dropout 0.3 --embedding-dropout 0.1 --weight-decay 0.05 --random-offsets
interrupted_matches stream-regularised-cosine --model stream --seq-len 9 --units 8 --batch 3 --threads 2 --seed 5 \
  --dropout 0.3 --embedding-dropout 0.1 --weight-decay 0.05 --schedule cosine --random-offsets
resume_matches stream-transposed --model stream --seq-len 9 --units 8 --batch 3 --threads 1 --seed 6 \
  --transpose 2 --patience 0
interrupted_matches stream-key-normalised --model stream --seq-len 9 --units 8 --batch 3 --threads 2 --seed 7 \
  --key-normalize --schedule cosine
interrupted_matches paper-transposed-adamw --model paper --seq-len 12 --units 8 --batch 7 --threads 1 --seed 8 \
  --transpose 1 --weight-decay 0.01 --schedule cosine
# The stream model with GRU layers (--cell gru): resumed and interrupted, 1 and 2 threads.
resume_matches stream-gru-1-thread --model stream --cell gru --seq-len 9 --units 8 --batch 3 --threads 1 --seed 12
interrupted_matches stream-gru-2-threads --model stream --cell gru --seq-len 9 --units 8 --batch 3 --threads 2 \
  --seed 12 --dropout 0.3 --weight-decay 0.05
no_temporaries "$work"
echo "exact resume: all passed"
