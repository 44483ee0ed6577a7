#!/usr/bin/env bash
# `cadenza-music train` under mpirun, as docs/distributed.md promises it:
# - a run on 2 ranks ends with last.ckpt's weights, optimizer state and
#   history equal, bit for bit, to one process's run with the same
#   --micro-batch; so does a run begun on 3 ranks (the send/receive exchange)
#   and resumed on 2, then on 1 without mpirun; for the paper's model
#   (dropout, shuffled, a batch of 7 that does not divide the data) and the
#   stream model (stateful lanes, dropout, a new cut every epoch);
# - without --micro-batch, N ranks choose batch/N and the checkpoint keeps it;
# - only rank 0 prints and writes;
# - a rank that dies ends the job with a non-zero exit, and the run resumes;
# - ranks with different corpora, a rank that fails alone, a run folder rank 0
#   refuses, another command under mpirun, and a resume every rank refuses:
#   one clear error (said once), a non-zero exit, no rank left waiting.
# Usage: app_dist.sh BIN_DIR WORK_DIR. Exits 77 (skipped) where mpirun is missing.
set -uo pipefail
bin=$1 work=$2
command -v mpirun >/dev/null || { echo "skipped: no mpirun (tools/setup-debian.sh installs OpenMPI)"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
source "$(dirname "$0")/../robustness/common.sh"
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1
command -v ssh >/dev/null || command -v rsh >/dev/null || export OMPI_MCA_plm_rsh_agent=false
mpi=(timeout 90 mpirun --allow-run-as-root --oversubscribe --bind-to none --mca btl self,vader)

prepare_corpus
make_corpus "$work/midi-other" 5
"$music" prepare "$work/midi-other" -o "$work/other.corpus" --parts all > /dev/null || fail "prepare other"

# same A B WHAT: the two runs' last.ckpt and history.csv agree bit for bit.
same() {
  "$bin/checkpoint-diff" "$1/last.ckpt" "$2/last.ckpt" > "$work/diff.txt" ||
    fail "$3: the weights differ: $(tr '\n' ' ' < "$work/diff.txt")"
  cmp -s <(cut -d, -f1-7 "$1/history.csv") <(cut -d, -f1-7 "$2/history.csv") || fail "$3: history.csv differs"
}

# ranks_agree NAME ARGS...: one process, 2 ranks, and 3 ranks -> 2 ranks -> 1 process.
ranks_agree() {
  local name=$1
  shift
  local ref="$work/$name-1" two="$work/$name-2" mixed="$work/$name-3-2-1"
  "$music" train "$work/c.corpus" -o "$ref" "$@" --epochs 3 > "$ref.txt" 2>&1 || fail "$name: $(tail -2 "$ref.txt")"
  "${mpi[@]}" -np 2 "$music" train "$work/c.corpus" -o "$two" "$@" --epochs 3 > "$two.txt" 2>&1 ||
    fail "$name on 2 ranks: $(tail -3 "$two.txt")"
  same "$ref" "$two" "$name: 2 ranks against one process"
  [ "$(grep -c '^epoch ' "$two.txt")" = 3 ] || fail "$name: the epochs were reported $(grep -c '^epoch ' "$two.txt") times, not 3"
  grep -q "data parallel: 2 ranks" "$two.txt" || fail "$name: no data-parallel line"
  "${mpi[@]}" -np 3 "$music" train "$work/c.corpus" -o "$mixed" "$@" --epochs 1 > "$mixed.txt" 2>&1 ||
    fail "$name on 3 ranks: $(tail -3 "$mixed.txt")"
  "${mpi[@]}" -np 2 "$music" train --resume "$mixed" --epochs 2 >> "$mixed.txt" 2>&1 ||
    fail "$name resumed on 2 ranks: $(tail -3 "$mixed.txt")"
  "$music" train --resume "$mixed" --epochs 3 >> "$mixed.txt" 2>&1 || fail "$name resumed alone: $(tail -3 "$mixed.txt")"
  same "$ref" "$mixed" "$name: 3 ranks, resumed on 2, then alone"
  pass "$name: one process, 2 ranks, and 3 -> 2 -> 1 ranks: the same weights, optimizer state and history"
}

# Paper: batch 7 in micro-batches of 2 (2 + 2 + 2 + 1; 3 ranks hold 1, 1 and 2).
ranks_agree paper --model paper --seq-len 12 --units 8 --batch 7 --micro-batch 2 --threads 1 --seed 11
# A rank that dies: rank 0 ends (status 86, as a kill would) right after
# epoch 1's last.ckpt; mpirun ends rank 1 and exits non-zero; the run resumes
# on 2 ranks to the one-process run's bits.
paper_args=(--model paper --seq-len 12 --units 8 --batch 7 --micro-batch 2 --threads 1 --seed 11)
start=$SECONDS
"${mpi[@]}" -np 1 env CADENZA_TEST_EXIT_AT=renamed:last.ckpt:1 "$music" train "$work/c.corpus" -o "$work/killed" \
  "${paper_args[@]}" --epochs 3 : -np 1 "$music" train "$work/c.corpus" -o "$work/killed" "${paper_args[@]}" --epochs 3 \
  > "$work/killed.txt" 2>&1
rc=$?
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "a rank that died: exit status $rc (0: not noticed; 124: a rank hung)"
"${mpi[@]}" -np 2 "$music" train --resume "$work/killed" > "$work/killed-resumed.txt" 2>&1 || fail "resume after a rank died"
grep -q "resuming .* after epoch 1 of 3" "$work/killed-resumed.txt" || fail "a rank that died: expected it to die after epoch 1"
same "$work/paper-1" "$work/killed" "a run whose rank 0 died after epoch 1, resumed on 2 ranks"
pass "rank 0 died after epoch 1: exit $rc in $((SECONDS - start)) s, no rank left waiting; resumed on 2 ranks to the same bits"

# Stream: 4 lanes, one per micro-batch, dropout, a new cut of the lanes every epoch.
ranks_agree stream --model stream --seq-len 8 --units 8 --batch 4 --micro-batch 1 --threads 1 --seed 5 \
  --dropout 0.3 --embedding-dropout 0.2 --random-offsets --patience 0

# No --micro-batch on 2 ranks: batch 7 -> micro-batches of 4, kept by the checkpoint.
"${mpi[@]}" -np 2 "$music" train "$work/c.corpus" -o "$work/default-2" --model paper --seq-len 12 --units 8 \
  --batch 7 --threads 1 --epochs 1 > "$work/default-2.txt" 2>&1 || fail "default micro-batch: $(tail -3 "$work/default-2.txt")"
"$music" train --resume "$work/default-2" --epochs 2 > /dev/null 2>&1 || fail "default micro-batch: resume alone"
"$music" train "$work/c.corpus" -o "$work/default-1" --model paper --seq-len 12 --units 8 --batch 7 --threads 1 \
  --micro-batch 4 --epochs 2 > /dev/null 2>&1 || fail "micro-batch 4 alone"
same "$work/default-1" "$work/default-2" "2 ranks' default micro-batch, resumed alone"
pass "2 ranks choose micro-batches of 4 for a batch of 7; the run resumes alone to the same bits"
refuses 1 "micro-batches of 4" "resuming with another --micro-batch" \
  "$music" train --resume "$work/default-2" --epochs 3 --micro-batch 2

# mpi_refuses PATTERN WHAT mpirun-arguments...: a non-zero exit within
# the time limit (124: a rank hung) and PATTERN in the output.
mpi_refuses() {
  local pattern=$1 what=$2
  shift 2
  local start=$SECONDS
  "${mpi[@]}" "$@" > "$work/refused.txt" 2>&1
  local rc=$?
  [ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "$what: exit status $rc (0: accepted; 124: a rank hung)"
  grep -q -- "$pattern" "$work/refused.txt" || fail "$what: expected '$pattern' in: $(head -c 600 "$work/refused.txt")"
  pass "$what -> exit $rc in $((SECONDS - start)) s: $(grep -m1 -- "$pattern" "$work/refused.txt" | cut -c1-160)"
}
paper=(--model paper --seq-len 12 --units 8 --batch 7 --threads 1 --epochs 1)
mpi_refuses "rank 0: the ranks' .* differ" "ranks with different corpora" \
  -np 1 "$music" train "$work/c.corpus" -o "$work/mixed-corpora" "${paper[@]}" : \
  -np 1 "$music" train "$work/other.corpus" -o "$work/mixed-corpora" "${paper[@]}"
mpi_refuses "rank 1 of 2: .*missing.corpus" "a corpus only rank 1 lacks" \
  -np 1 "$music" train "$work/c.corpus" -o "$work/rank-1-fails" "${paper[@]}" : \
  -np 1 "$music" train "$work/missing.corpus" -o "$work/rank-1-fails" "${paper[@]}"
mpi_refuses "rank 0 of 2: .*already holds a run" "a run folder rank 0 refuses" \
  -np 2 "$music" train "$work/c.corpus" -o "$work/paper-1" "${paper[@]}"
mpi_refuses "start it without mpirun" "summary under mpirun" -np 2 "$music" summary "$work/paper-1/last.ckpt"
# An error every rank meets is said once (by rank 0), not once per rank.
mpi_refuses "rank 0 of 2: .*micro-batches of 4" "a refused resume under mpirun" \
  -np 2 "$music" train --resume "$work/default-2" --epochs 3 --micro-batch 2
[ "$(grep -c "micro-batches of 4" "$work/refused.txt")" = 1 ] || fail "the refusal was said more than once"
echo "distributed_app: all passed"
