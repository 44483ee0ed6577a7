#!/usr/bin/env bash
# End to end: prepare -> train 2 epochs -> checkpoint -> resume -> generate, and
# bad inputs. Usage: music_e2e.sh BIN_DIR WORK_DIR (ctest passes them).
set -uo pipefail
bin=$1
work=$2
music="$bin/cadenza-music"
dump="$bin/cadenza-midi-dump"
rm -rf "$work" && mkdir -p "$work/midi"
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

"$bin/make-midi-corpus" "$work/midi" 6 || fail "could not write the test corpus"

# prepare
"$music" prepare "$work/midi" -o "$work/corpus" --parts all > "$work/prepare.txt" || fail "prepare failed"
grep -q "files: *6 read, 0 skipped" "$work/prepare.txt" || fail "prepare summary: $(cat "$work/prepare.txt")"
grep -q "drum notes dropped" "$work/prepare.txt" || fail "prepare does not report drums"
pass "prepare"

# train 2 epochs uninterrupted, and 1 + resume 1: the same losses
args=(--seq-len 16 --units 24 --batch 32 --seed 7 --threads 2)
"$music" train "$work/corpus" -o "$work/full" "${args[@]}" --epochs 2 > "$work/full.txt" 2>&1 || fail "train: $(tail -3 "$work/full.txt")"
"$music" train "$work/corpus" -o "$work/split" "${args[@]}" --epochs 1 > /dev/null 2>&1 || fail "train 1 epoch"
"$music" train --resume "$work/split" --epochs 2 > "$work/resume.txt" 2>&1 || fail "resume: $(tail -3 "$work/resume.txt")"
cut -d, -f1-7 "$work/full/history.csv" > "$work/a.csv"
cut -d, -f1-7 "$work/split/history.csv" > "$work/b.csv"
[ "$(wc -l < "$work/a.csv")" -eq 3 ] || fail "history should have a header and 2 epochs"
cmp -s "$work/a.csv" "$work/b.csv" || fail "a resumed run differs from an uninterrupted one: $(diff "$work/a.csv" "$work/b.csv")"
# (checkpoints hold wall times, so compare what the weights compose instead)
"$music" generate "$work/full/last.ckpt" -o "$work/full.mid" --length 50 > /dev/null || fail "generate (full)"
"$music" generate "$work/split/last.ckpt" -o "$work/split.mid" --length 50 > /dev/null || fail "generate (resumed)"
cmp -s "$work/full.mid" "$work/split.mid" || fail "the resumed run's weights differ from the uninterrupted run's"
pass "resume equals an uninterrupted run (losses, and the piece its weights compose)"

# the stream model trains and resumes too
"$music" train "$work/corpus" -o "$work/stream" --model stream --epochs 1 --seq-len 16 --units 16 --batch 8 > /dev/null 2>&1 || fail "stream model training"
pass "stream model"
# the stream model's defaults are the settings chosen on held-out songs (docs/results.md)
"$music" train "$work/corpus" -o "$work/stream-defaults" --model stream --epochs 1 --units 8 > "$work/stream-defaults.txt" 2>&1 ||
  fail "stream model with its defaults"
grep -q "batch 16," "$work/stream-defaults.txt" &&
  grep -q "settings: 32 steps per window, lr 0.002, dropout 0.6, embedding dropout 0.3, weight decay 0.1, patience 5" \
    "$work/stream-defaults.txt" || fail "stream defaults: $(grep -E 'batch|settings' "$work/stream-defaults.txt")"
pass "stream model defaults"

# generate: valid MIDI, same seed same bytes, both models, sampling options
"$music" generate "$work/full/best.ckpt" -o "$work/a.mid" --length 60 --seed 3 --temperature 1.0 --top-k 10 --plot "$work/a.svg" > "$work/gen.txt" || fail "generate"
grep -q "<svg" "$work/a.svg" || fail "generate --plot wrote no SVG"
grep -q "<svg" "$work/full/loss.svg" && grep -q "<svg" "$work/full/accuracy.svg" || fail "train drew no curves"
grep -q "tokens/s" "$work/gen.txt" || fail "generate does not report tokens per second"
"$music" generate "$work/full/best.ckpt" -o "$work/b.mid" --length 60 --seed 3 --temperature 1.0 --top-k 10 > /dev/null || fail "generate again"
cmp -s "$work/a.mid" "$work/b.mid" || fail "the same seed gave different files"
"$dump" "$work/a.mid" > "$work/a.json" || fail "the generated file is not valid MIDI"
grep -q '"notes"' "$work/a.json" || fail "dump has no notes"
"$music" generate "$work/stream/last.ckpt" -o "$work/s.mid" --length 200 --top-p 0.9 --temperature 0.8 --program 40 --tempo 90 > /dev/null || fail "stream generate"
"$dump" "$work/s.mid" > "$work/s.json" || fail "stream piece is not valid MIDI"
grep -q "\"program\": 40" "$work/s.json" || fail "the --program did not reach the file"
"$music" generate "$work/full/last.ckpt" -o "$work/p.mid" --primer "$work/midi/song1.mid" --length 20 > /dev/null || fail "generate with a primer"
"$bin/compose-check" "$work/full/last.ckpt" || fail "generation (paper model) differs from the model's own predictions"
"$bin/compose-check" "$work/stream/last.ckpt" || fail "generation (stream model) differs from the model's own predictions"
"$music" summary "$work/full/last.ckpt" > "$work/sum1.txt" && grep -q "Total params" "$work/sum1.txt" || fail "summary of a checkpoint"
"$music" summary --vocab 373 > "$work/sum2.txt" && grep -q "Total params: 3,571,061" "$work/sum2.txt" || fail "summary --vocab 373"
pass "generate and summary"

# bad inputs: one clear sentence, non-zero exit, nothing half-written
expect_error() {  # expect_error "what" "pattern" command...
  local what=$1 pattern=$2; shift 2
  "$@" > "$work/out.txt" 2> "$work/err.txt"
  local rc=$?
  [ $rc -ne 0 ] || fail "$what: exit status 0"
  grep -q -- "$pattern" "$work/err.txt" || fail "$what: expected '$pattern' in: $(cat "$work/err.txt")"
  [ "$(wc -l < "$work/err.txt")" -le 2 ] || fail "$what: more than one error line: $(cat "$work/err.txt")"
  pass "$what -> $(head -1 "$work/err.txt")"
}
expect_error "missing folder" "no such file or folder" "$music" prepare "$work/nowhere" -o "$work/x.corpus"
mkdir -p "$work/empty"
expect_error "empty folder" "holds no MIDI files" "$music" prepare "$work/empty" -o "$work/x.corpus"
mkdir -p "$work/junk" && echo "not a midi file" > "$work/junk/fake.mid"
expect_error "non-MIDI file" "could be read" "$music" prepare "$work/junk" -o "$work/x.corpus"
[ ! -e "$work/x.corpus" ] || fail "a failed prepare left a corpus behind"
head -c 3000 "$work/full/last.ckpt" > "$work/truncated.ckpt"
expect_error "truncated checkpoint" "truncated" "$music" generate "$work/truncated.ckpt" -o "$work/t.mid"
[ ! -e "$work/t.mid" ] || fail "a failed generate left a MIDI file behind"
"$bin/make-midi-corpus" "$work/midi2" 2 2>/dev/null || { mkdir -p "$work/midi2" && "$bin/make-midi-corpus" "$work/midi2" 2; }
"$music" prepare "$work/midi2" -o "$work/other.corpus" --encoding rich > /dev/null || fail "prepare rich"
expect_error "vocabulary mismatch" "is not the one the run" "$music" train --resume "$work/full" "$work/other.corpus" --epochs 3
expect_error "bad flag" "temperature" "$music" generate "$work/full/last.ckpt" -o "$work/z.mid" --temperature -1
expect_error "not a checkpoint" "not a Cadenza file" "$music" generate "$work/midi/song0.mid" -o "$work/z.mid"
ls "$work"/full/*.tmp > /dev/null 2>&1 && fail "temporary files left in the run folder"
echo "music end-to-end: all passed"
