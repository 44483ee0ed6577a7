#!/usr/bin/env bash
# cadenza-music train: one process with all cores against mpirun -np RANKS
# (one thread per rank), alternating, ROUNDS rounds, for the stream model (3
# epochs) and the paper's (1 epoch); prints each run's seconds per epoch and
# checks that the ranks' run equals one process with the same micro-batch.
# Never run by the tests or CI.
#   benchmarks/dist/app_ranks.sh [BUILD_DIR] [CORPUS] [ROUNDS] [RANKS]
set -euo pipefail
build=${1:-build} corpus=${2:-runs/main/corpus} rounds=${3:-2} ranks=${4:-2}
music="$build/bin/cadenza-music"
work=$(mktemp -d /tmp/cadenza-ranks.XXXXXX)
trap 'rm -rf "$work"' EXIT
export OMPI_MCA_btl_vader_single_copy_mechanism=none
mpi=(mpirun --allow-run-as-root --oversubscribe --bind-to none --mca btl self,vader -np "$ranks")
cores=$(nproc)
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $cores cores; $corpus; $(date -u +%F)"
epochs() { grep '^epoch ' "$1" | sed -E 's/.* ([0-9.]+)s.*/\1/' | paste -sd, -; }
declare -A args=([stream]="--model stream --key-normalize --transpose 2 --epochs 3 --patience 0"
                 [paper]="--model paper --epochs 1")
for model in stream paper; do
  for round in $(seq "$rounds"); do
    # shellcheck disable=SC2086
    "$music" train "$corpus" -o "$work/$model-1-$round" ${args[$model]} --threads "$cores" > "$work/a.txt" 2>&1
    # shellcheck disable=SC2086
    "${mpi[@]}" "$music" train "$corpus" -o "$work/$model-$ranks-$round" ${args[$model]} > "$work/b.txt" 2>&1
    echo "$model round $round: 1 process x $cores threads: $(epochs "$work/a.txt") s/epoch;" \
         "$ranks ranks x $((cores / ranks > 0 ? cores / ranks : 1)) thread(s): $(epochs "$work/b.txt") s/epoch"
  done
  micro=$(grep -a -m1 '^micro_batch ' "$work/$model-$ranks-1/last.ckpt" | cut -d' ' -f2)
  # shellcheck disable=SC2086
  "$music" train "$corpus" -o "$work/$model-same" ${args[$model]} --threads "$cores" --micro-batch "$micro" > /dev/null 2>&1
  if "$build/bin/checkpoint-diff" "$work/$model-same/last.ckpt" "$work/$model-$ranks-1/last.ckpt" | grep -q "parameters *same"; then
    echo "$model: $ranks ranks end with the weights of one process with --micro-batch $micro, bit for bit"
  else
    echo "$model: $ranks ranks DIFFER from one process with --micro-batch $micro"
  fi
done
