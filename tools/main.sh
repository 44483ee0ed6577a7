#!/usr/bin/env bash
# Cadenza's main job on a fresh Debian 12 machine: install what is needed
# (Debian packages, including the openttd-openmsx MIDI set, the default corpus),
# build, train a model for a few minutes, and compose a piece.
#   tools/main.sh [MIDI_FOLDER...]      (default: the OpenMSX set)
# Environment: BUILD_DIR (build), RUN_DIR (runs/main), MODEL (stream: the
# model that generalises best per minute, docs/results.md; or paper: the
# paper's Fig. 7), EPOCHS (at most 12 for stream, which stops early on its
# validation songs; 3 for paper), RANKS (train on this many processes under
# mpirun, sharing the cores: the stream model trains 1.4x faster on 2 ranks
# of a 2-core machine, in micro-batches of batch/RANKS, so with other bits;
# docs/distributed.md).
set -euo pipefail
cd "$(dirname "$0")/.."
tools/setup-debian.sh
build=${BUILD_DIR:-build}
run=${RUN_DIR:-runs/main}
corpus_in=("$@")
[ ${#corpus_in[@]} -gt 0 ] || corpus_in=(/usr/share/games/openttd/baseset/openmsx)
cmake -S . -B "$build" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build" -j "$(nproc)" --target cadenza_music_app cadenza_midi_dump
music="$build/bin/cadenza-music"
mkdir -p "$run"
echo "== prepare: ${corpus_in[*]}"
"$music" prepare "${corpus_in[@]}" -o "$run/corpus" --parts all
rm -rf "$run/model"
train=("$music" train)
if [ "${RANKS:-1}" -gt 1 ]; then
  train=(mpirun -np "$RANKS" --bind-to none)
  [ "$(id -u)" = 0 ] && train+=(--allow-run-as-root)
  # Containers often forbid the kernel's cross-memory attach; plain shared memory works everywhere.
  export OMPI_MCA_btl_vader_single_copy_mechanism=${OMPI_MCA_btl_vader_single_copy_mechanism:-none}
  train+=("$music" train)
fi
if [ "${MODEL:-stream}" = paper ]; then
  echo "== train: the paper's model, ${EPOCHS:-3} epochs"
  "${train[@]}" "$run/corpus" -o "$run/model" --model paper --epochs "${EPOCHS:-3}"
else
  echo "== train: the stream model (keys normalised, +-2 semitones of augmentation), at most ${EPOCHS:-12} epochs"
  "${train[@]}" "$run/corpus" -o "$run/model" --model stream --key-normalize --transpose 2 --epochs "${EPOCHS:-12}"
fi
echo "== generate: 500 tokens"
"$music" generate "$run/model/best.ckpt" -o "$run/composed.mid" --length 500 --temperature 0.9 --top-p 0.95 --seed 1
echo
echo "Your piece: $(realpath "$run/composed.mid")"
