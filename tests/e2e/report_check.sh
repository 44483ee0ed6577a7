#!/usr/bin/env bash
# `cadenza-music report` end to end: a tiny run, its report folder and page,
# missing optional tools and a missing corpus (notices, exit 0), bad input
# (one sentence, non-zero), and, where Debian's chromium is installed, the page
# rendered headless with every image decoded and no script error.
# Usage: report_check.sh BIN_DIR WORK_DIR (ctest passes them).
set -uo pipefail
bin=$1
work=$2
music="$bin/cadenza-music"
rm -rf "$work" && mkdir -p "$work/midi"
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok: $*"; }

"$bin/make-midi-corpus" "$work/midi" 4 || fail "could not write the test corpus"
"$music" prepare "$work/midi" -o "$work/corpus" --parts all > /dev/null || fail "prepare failed"
"$music" train "$work/corpus" -o "$work/run" --epochs 2 --seq-len 12 --units 8 --batch 16 --threads 1 --seed 3 \
    > "$work/train.txt" 2>&1 || fail "train: $(tail -3 "$work/train.txt")"

# The report with whatever tools this machine has.
"$music" report "$work/run" --pieces 2 --length 120 --threads 1 > "$work/report.txt" 2>&1 ||
    fail "report: $(tail -3 "$work/report.txt")"
r="$work/run/report"
figures=(accuracy loss roll-training roll-generated pitch-histogram top-tokens pitch-compare pitch-class-compare
         generated-tokens unique-pitches)
for f in index.html metrics.json piece-1.mid piece-2.mid piece-1.musicxml; do
    [ -s "$r/$f" ] || fail "the report lacks $f"
done
for f in "${figures[@]}"; do
    [ -s "$r/$f.svg" ] || fail "the report lacks $f.svg"
    head -c 200 "$r/$f.svg" | grep -q '^<svg xmlns="http://www.w3.org/2000/svg"' || fail "$f.svg is not an SVG document"
    tail -c 10 "$r/$f.svg" | grep -q '</svg>' || fail "$f.svg is cut short"
    grep -q "<img alt=\"$f\" src=\"data:image/svg+xml;base64," "$r/index.html" || fail "index.html does not inline $f"
done
images=$(grep -o '<img ' "$r/index.html" | wc -l)
expected=${#figures[@]}
[ -s "$r/sheet.png" ] && expected=$((expected + 1))
[ "$images" -eq "$expected" ] || fail "index.html holds $images images, expected $expected"
grep -q 'src="file:\|src="/' "$r/index.html" && fail "index.html refers to outside files for images"
grep -c '"feature"' "$r/metrics.json" | grep -q '^6$' || fail "metrics.json should compare 6 features: $(cat "$r/metrics.json")"
grep -q '"longest_copied_passage"' "$r/metrics.json" || fail "metrics.json lacks the copy detection"
grep -q "report written: $r/index.html" "$work/report.txt" || fail "report summary: $(cat "$work/report.txt")"
ls "$r" | grep -q '\.tmp\|\.part\|^\.work' && fail "temporary files left in the report folder: $(ls -a "$r")"
pass "report folder: ${#figures[@]} plots, MIDI, MusicXML, metrics, page with $images inlined images"

# Optional products exactly when their tools exist.
if command -v musicxml2ly > /dev/null && command -v lilypond > /dev/null; then
    [ -s "$r/sheet.pdf" ] && [ -s "$r/sheet.png" ] || fail "lilypond installed but no sheet.pdf/sheet.png: $(cat "$work/report.txt")"
    grep -q '<img alt="sheet" src="data:image/png;base64,' "$r/index.html" || fail "the sheet music is not on the page"
    pass "sheet music engraved"
fi
if command -v fluidsynth > /dev/null && [ -f /usr/share/sounds/sf2/FluidR3_GM.sf2 ]; then
    [ -s "$r/piece-1.wav" ] && [ -s "$r/piece-2.wav" ] || fail "fluidsynth installed but no WAV files"
    grep -q '<audio controls preload="none" src="piece-1.wav">' "$r/index.html" || fail "no audio player on the page"
    pass "audio rendered"
fi

# A chosen checkpoint, the paper's argmax decoding, and a relative output
# folder (LilyPond runs from inside the scratch folder: a relative path broke it).
cp "$work/run/last.ckpt" "$work/kept.ckpt"
(cd "$work" && "$music" report run --checkpoint kept.ckpt --argmax -o rel-report --pieces 1 --length 60 \
    --threads 1 > rel.txt 2>&1) || fail "report --checkpoint --argmax: $(tail -3 "$work/rel.txt")"
grep -q "from kept.ckpt (seeds 1..1, argmax, the paper's decoding)" "$work/rel.txt" ||
    fail "report did not say which checkpoint and decoding it used: $(cat "$work/rel.txt")"
grep -q '"temperature": 0,' "$work/rel-report/metrics.json" && grep -q '"top_p": 1.0,' "$work/rel-report/metrics.json" ||
    fail "metrics.json does not record argmax: $(cat "$work/rel-report/metrics.json")"
if command -v musicxml2ly > /dev/null && command -v lilypond > /dev/null; then
    [ -s "$work/rel-report/sheet.pdf" ] || fail "no sheet music with a relative report folder: $(cat "$work/rel.txt")"
fi
"$music" report "$work/run" --checkpoint "$work/missing.ckpt" > "$work/bad.txt" 2>&1 && fail "a missing --checkpoint was accepted"
grep -q "missing.ckpt: no such checkpoint file" "$work/bad.txt" || fail "missing checkpoint message: $(cat "$work/bad.txt")"
pass "report --checkpoint --argmax into a relative folder"

# No optional tool at all: one notice each, success all the same.
env PATH=/nonexistent "$music" report "$work/run" -o "$work/bare" --pieces 1 --length 40 > "$work/bare.txt" 2>&1 ||
    fail "report without tools failed: $(cat "$work/bare.txt")"
grep -q '^notice: lilypond not installed; no sheet music$' "$work/bare.txt" || fail "no lilypond notice: $(cat "$work/bare.txt")"
grep -q '^notice: fluidsynth not installed; no audio$' "$work/bare.txt" || fail "no fluidsynth notice"
grep -q '^notice: neither rsvg-convert nor chromium' "$work/bare.txt" || fail "no PNG converter notice"
[ -s "$work/bare/index.html" ] && [ -s "$work/bare/piece-1.musicxml" ] || fail "report without tools is incomplete"
pass "missing tools give notices, not failures"

# The corpus moved away: a notice, the generated side of the report still made.
mv "$work/corpus" "$work/corpus.away"
"$music" report "$work/run" -o "$work/nocorpus" --pieces 1 --length 40 > "$work/nocorpus.txt" 2>&1
status=$?
mv "$work/corpus.away" "$work/corpus"
[ $status -eq 0 ] || fail "report without its corpus failed: $(cat "$work/nocorpus.txt")"
grep -q "^notice: the run's corpus .* is missing" "$work/nocorpus.txt" || fail "no missing-corpus notice"
[ -s "$work/nocorpus/roll-generated.svg" ] && [ ! -e "$work/nocorpus/roll-training.svg" ] || fail "missing corpus: wrong plots"
pass "missing corpus: notice, generated plots only"

# Bad input: one sentence, non-zero.
"$music" report "$work/nowhere" > "$work/bad.txt" 2>&1 && fail "a missing run folder was accepted"
[ "$(wc -l < "$work/bad.txt")" -eq 1 ] && grep -q "nowhere: no such run folder" "$work/bad.txt" || fail "bad run folder message: $(cat "$work/bad.txt")"
mkdir -p "$work/empty"
"$music" report "$work/empty" > "$work/bad.txt" 2>&1 && fail "a folder without checkpoints was accepted"
grep -q "holds neither best.ckpt nor last.ckpt" "$work/bad.txt" || fail "empty run folder message: $(cat "$work/bad.txt")"
pass "bad run folders are refused in one sentence"

# Rendered by a browser: every <img> decoded (naturalWidth > 0), no script error.
if command -v chromium > /dev/null; then
    timeout 120 chromium --headless --disable-gpu --no-sandbox --virtual-time-budget=10000 --dump-dom \
        "file://$(cd "$r" && pwd)/index.html" > "$work/dom.html" 2> "$work/chromium.txt" ||
        fail "chromium could not load the page: $(tail -3 "$work/chromium.txt")"
    grep -q 'data-render="ok"' "$work/dom.html" ||
        fail "the page did not render cleanly: $(grep -o 'data-render="[^"]*"' "$work/dom.html" || echo 'no render mark')"
    grep -q "data-images=\"$expected\"" "$work/dom.html" || fail "chromium saw another number of images than $expected"
    pass "headless chromium renders the page with all $expected images"
else
    echo "note: chromium not installed (Debian package chromium); the browser render check did not run"
fi
echo "report check passed"
