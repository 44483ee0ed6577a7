#!/usr/bin/env bash
# Trains and evaluates named configurations of the music models, the runs
# behind docs/results.md's tables. Never called by the tests or CI.
#
#   tools/music_experiments.sh CORPUS OUT_DIR NAME SEED [train options...]
#
# Trains `cadenza-music train CORPUS -o OUT_DIR/NAME-sSEED --seed SEED
# [options]` (skipped when the run already finished), then writes
# OUT_DIR/NAME-sSEED/evaluate.txt and evaluate.json: `cadenza-music evaluate`
# of its best checkpoint on the test songs, 10 sampled pieces. The song split
# is --split-seed 1 for every seed (the default), so all runs are judged on
# the same songs. Environment: BUILD_DIR (build), THREADS (1: two runs side by
# side on a 2-core machine).
set -euo pipefail
[ $# -ge 4 ] || { sed -n '2,14p' "$0"; exit 2; }
corpus=$1 out=$2 name=$3 seed=$4
shift 4
music=${BUILD_DIR:-build}/bin/cadenza-music
run="$out/$name-s$seed"
mkdir -p "$out"
if [ -f "$run/last.ckpt" ]; then
  "$music" train --resume "$run" --threads "${THREADS:-1}" > "$run/train.log.resume" 2>&1 || true
else
  "$music" train "$corpus" -o "$run" --seed "$seed" --threads "${THREADS:-1}" "$@" > "$out/$name-s$seed.train.log" 2>&1
  mv "$out/$name-s$seed.train.log" "$run/train.log"
fi
"$music" evaluate "$run/best.ckpt" "$corpus" --threads "${THREADS:-1}" > "$run/evaluate.txt"
"$music" evaluate "$run/best.ckpt" "$corpus" --threads "${THREADS:-1}" --json > "$run/evaluate.json"
echo "$run: $(grep -m1 'model (epoch' "$run/evaluate.txt")"
