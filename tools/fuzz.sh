#!/usr/bin/env bash
# Fuzzes Cadenza's readers with libFuzzer, ASan and UBSan: the MIDI reader and
# the tokenizers (tests/fuzz/fuzz_midi.cpp), the checkpoint reader and the
# corpus reader behind their checksums (fuzz_checkpoint.cpp, fuzz_corpus.cpp).
# SECONDS (default 90) is shared: each target gets a third. Every input may
# allocate at most 512 MB (-malloc_limit_mb): memory out of proportion to a
# few bytes of input is a failure, as a crash, a sanitizer report, a leak or
# a hang (10 s) is. Exits non-zero on any; reproducers go to the work folder.
#
#   tools/fuzz.sh [SECONDS] [BUILD_DIR]
#
# Mutations follow ${FUZZ_SEED:-1} (libFuzzer's -seed), so that a run on a
# fresh clone (CI) tries the inputs a run here tried in the same time, and a
# failure it finds comes again with the same seed. FUZZ_SEED=0 draws a new
# seed each run: use it for long searches (the seed is in each target's log).
# Work files go to ${FUZZ_WORK:-build/fuzz}: the binaries, one corpus per
# target (kept between runs so coverage accumulates) and any crash-* file.
# Seeds: tests/fuzz/seeds/ (committed reproducers), the reader-feature and
# generated files of make-fuzz-seeds, the data set's files where present,
# and a checkpoint and corpus trained here with BUILD_DIR's cadenza-music.
set -euo pipefail
seconds="${1:-90}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="$(cd "${2:-$root/build}" && pwd)"
work="${FUZZ_WORK:-$root/build/fuzz}"
cxx="${CXX_FUZZ:-clang++}"
mkdir -p "$work/artifacts"
flags=(-std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined
       -I"$root/include" -I"$root/examples/cadenza-music/lib" -I"$root/tests/fuzz")
omp=(-fopenmp -I/usr/include/eigen3 -L/usr/lib/llvm-14/lib -Wl,-rpath,/usr/lib/llvm-14/lib)
app="$root/examples/cadenza-music/lib"

echo "fuzz: building the targets"
# The checkpoint target (Eigen inside) takes longest: beside the other two.
"$cxx" "${flags[@]}" "${omp[@]}" -w "$root/tests/fuzz/fuzz_checkpoint.cpp" "$app/checkpoint.cpp" "$app/corpus.cpp" \
    "$app/settings.cpp" -o "$work/fuzz_checkpoint" &
"$cxx" "${flags[@]}" "$root/tests/fuzz/fuzz_midi.cpp" -o "$work/fuzz_midi"
"$cxx" "${flags[@]}" "${omp[@]}" -w "$root/tests/fuzz/fuzz_corpus.cpp" "$app/corpus.cpp" -o "$work/fuzz_corpus"
wait $! || { echo "fuzz.sh: the checkpoint fuzzer did not build" >&2; exit 1; }
g++ -std=c++17 -O1 -I"$root/include" "$root/tests/fuzz/make_fuzz_seeds.cpp" -o "$work/make-fuzz-seeds"

# Seeds.
for target in midi checkpoint corpus; do mkdir -p "$work/corpus-$target" "$work/seeds-$target"; done
cp "$root"/tests/fuzz/seeds/*.mid "$work/seeds-midi/"
"$work/make-fuzz-seeds" midi "$work/seeds-midi"
dataset="$root/../shared/datasets/final-fantasy-piano"
if [ -d "$dataset" ]; then
  find "$dataset" -maxdepth 1 -name '*.mid' -size -64k -exec cp -n {} "$work/seeds-midi/" \;
fi
music="$build/bin/cadenza-music"
if [ -x "$music" ] && [ -x "$build/bin/make-midi-corpus" ]; then
  rm -rf "$work/run" && mkdir -p "$work/run/midi"
  "$build/bin/make-midi-corpus" "$work/run/midi" 3 > /dev/null
  "$music" prepare "$work/run/midi" -o "$work/run/c.corpus" --parts all > /dev/null
  "$music" train "$work/run/c.corpus" -o "$work/run/model" --seq-len 8 --units 4 --batch 16 --epochs 1 \
      --threads 1 > /dev/null
  "$work/make-fuzz-seeds" sections "$work/run/c.corpus" "$work/seeds-corpus/corpus.sections"
  "$work/make-fuzz-seeds" sections "$work/run/model/last.ckpt" "$work/seeds-checkpoint/checkpoint.sections"
else
  echo "fuzz: $music not built; the container fuzzers start from nothing"
fi

# Each target a third of the time.
share=$(( seconds / 3 > 1 ? seconds / 3 : 1 ))
status=0
for target in midi checkpoint corpus; do
  echo "fuzz: $target for ${share}s"
  max_len=65536
  [ "$target" = midi ] || max_len=1048576
  if ! "$work/fuzz_$target" "$work/corpus-$target" "$work/seeds-$target" -max_total_time="$share" -seed="${FUZZ_SEED:-1}" \
      -malloc_limit_mb=512 -rss_limit_mb=2048 -max_len="$max_len" -timeout=10 \
      -artifact_prefix="$work/artifacts/$target-" -print_final_stats=1 > "$work/$target.log" 2>&1; then
    tail -n 60 "$work/$target.log" >&2
    echo "fuzz.sh: the $target fuzzer failed; reproducers in $work/artifacts/, log in $work/$target.log" >&2
    status=1
  else
    grep -E "^stat::(number_of_executed_units|peak_rss_mb)" "$work/$target.log" | sed "s/^/  $target /" || true
  fi
done
[ $status -eq 0 ] && echo "fuzz.sh: no failure in ${seconds}s over 3 targets"
exit $status
