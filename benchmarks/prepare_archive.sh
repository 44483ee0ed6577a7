#!/usr/bin/env bash
# `cadenza-music prepare` at archive scale: a synthetic folder of FILES MIDI
# files (tests/e2e/make_midi_corpus.cpp: melodies, chords, rests, drums, formats
# 0 and 1), prepared with 1 and with 2 threads, REPEATS times alternating;
# prints seconds, files/s and peak memory (GNU time) per run, and checks that
# both corpora are byte-identical. Never run by the tests or CI.
#   benchmarks/prepare_archive.sh [BUILD_DIR] [FILES] [REPEATS]
set -euo pipefail
build=${1:-build} files=${2:-50000} repeats=${3:-2}
work=$(mktemp -d /tmp/cadenza-archive.XXXXXX)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/midi"
"$build/bin/make-midi-corpus" "$work/midi" "$files" > /dev/null
echo "# $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores; $files files, $(du -sh "$work/midi" | cut -f1)"
for rep in $(seq "$repeats"); do
  for t in 1 2; do
    /usr/bin/time -f "%e %M" -o "$work/time" "$build/bin/cadenza-music" prepare "$work/midi" --parts all \
      --threads $t -o "$work/t$t.corpus" > "$work/log"
    read -r sec kb < "$work/time"
    echo "threads $t: $sec s, $(echo "$files / $sec" | bc) files/s, peak memory $((kb / 1024)) MB ($(grep '^tokens:' "$work/log" | tr -s ' '))"
  done
  cmp "$work/t1.corpus" "$work/t2.corpus" && echo "repeat $rep: the corpora of 1 and 2 threads are byte-identical"
done
