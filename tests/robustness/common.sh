# tests/robustness/common.sh: what the robustness scripts share. Sourced
# with $bin (the programs) and $work (a scratch folder) set.
music="$bin/cadenza-music"
dump="$bin/cadenza-midi-dump"
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

# refuses CODE PATTERN WHAT command...: the command exits with CODE, its
# standard error is one line holding PATTERN (the file or flag it names).
refuses() {
  local code=$1 pattern=$2 what=$3
  shift 3
  "$@" > "$work/out.txt" 2> "$work/err.txt"
  local rc=$?
  [ "$rc" -eq "$code" ] || fail "$what: exit status $rc, expected $code; stderr: $(head -c 400 "$work/err.txt")"
  grep -qF -- "$pattern" "$work/err.txt" || fail "$what: expected '$pattern' in: $(head -c 400 "$work/err.txt")"
  [ "$(wc -l < "$work/err.txt")" -le 2 ] || fail "$what: more than one error line: $(head -c 600 "$work/err.txt")"
  pass "$what -> $(head -1 "$work/err.txt" | cut -c1-150)"
}

# no_temporaries DIR: no temporary or partial file is left in DIR.
no_temporaries() {
  local left
  left=$(find "$1" -name '*.tmp*' -o -name '*.part' -o -name '.work' 2>/dev/null | head -3)
  [ -z "$left" ] || fail "temporary files left: $left"
}

# A small MIDI corpus and a tiny trained run of each model, made once per script.
make_corpus() {  # make_corpus FOLDER FILES
  mkdir -p "$1" && "$bin/make-midi-corpus" "$1" "$2" || fail "could not write a test corpus"
}
# prepare_corpus: four generated songs prepared into $work/c.corpus.
prepare_corpus() {
  make_corpus "$work/midi" 4
  "$music" prepare "$work/midi" -o "$work/c.corpus" --parts all > /dev/null || fail "prepare"
}
tiny=(--seq-len 12 --units 8 --batch 8 --threads 1)
