#!/usr/bin/env bash
# The sums alone (allreduce-check: both all-reduce algorithms and the
# send/receive exchange against the tree on one rank), then the
# data-parallel trainer under mpirun: the same final parameters and
# histories, bit for bit, on 1, 2, 3 and 4 ranks (3: the send/receive
# exchange, not the all-reduce); one clear error and a non-zero exit when the
# ranks' data differ; no rank left waiting. Exits 77 (skipped) where mpirun is missing.
#   tests/dist/run_dist.sh DIST_TRAIN ALLREDUCE_CHECK WORK_DIR
set -uo pipefail
bin=$1 check=$2 work=$3
command -v mpirun >/dev/null || { echo "skipped: no mpirun (tools/setup-debian.sh installs OpenMPI)"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
# Containers: root, more ranks than cores, shared memory without cross-memory attach.
export OMPI_MCA_btl_vader_single_copy_mechanism=none OMPI_MCA_rmaps_base_oversubscribe=1
# OpenMPI refuses to start without a remote shell even for local ranks; none is used here.
command -v ssh >/dev/null || command -v rsh >/dev/null || export OMPI_MCA_plm_rsh_agent=false
run() { timeout 60 mpirun --allow-run-as-root --oversubscribe --bind-to none --mca btl self,vader "$@"; }
fail() { echo "FAILED: $*"; exit 1; }

# The sums alone: both all-reduce algorithms and the exchange against the tree.
for np in 1 2 3 4; do
  run -np $np "$check" || fail "the sums on $np ranks"
done

for model in paper stream; do
  for np in 1 2 3 4; do
    run -np $np "$bin" --model $model --out "$work/$model-$np.bin" > "$work/$model-$np.log" 2>&1 \
      || { cat "$work/$model-$np.log"; fail "$model on $np ranks"; }
    cat "$work/$model-$np.log"
  done
  for np in 2 3 4; do
    cmp -s "$work/$model-1.bin" "$work/$model-$np.bin" \
      || fail "$model: final parameters or history on $np ranks differ from 1 rank"
  done
  echo "ok: $model: 1, 2, 3 and 4 ranks give bit-identical parameters and histories"
done

# Ranks with different data: one sentence on rank 0, non-zero exit, no hang.
start=$SECONDS
run -np 2 "$bin" --model paper --mismatch > "$work/mismatch.log" 2>&1
rc=$?
cat "$work/mismatch.log"
[ $rc -ne 0 ] && [ $rc -ne 124 ] || fail "mismatched data: exit $rc (0: accepted; 124: hung)"
grep -q "rank 0: the ranks' training data differ" "$work/mismatch.log" || fail "mismatched data: no clear error"
echo "ok: mismatched data stopped every rank in $((SECONDS - start)) s with one error"

echo "distributed: all passed"
