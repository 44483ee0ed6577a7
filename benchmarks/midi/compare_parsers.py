#!/usr/bin/env python3
"""Compares MIDI parsing throughput: cadenza (C++), symusic and mido.

Each parser reads every MIDI file of one folder from memory into paired notes;
the time per pass over the folder is the median of several repeats. Prints
MB/s, files/s, the note counts (a cross-check that all read the same notes)
and cadenza's speed-up over the others.

    python3 benchmarks/midi/compare_parsers.py [FOLDER] [--ours PATH] [--repeats N]

FOLDER defaults to ../shared/datasets/final-fantasy-piano relative to the
repository root. --ours is the cadenza_midi_parse_bench binary; when not given
it is looked for in build*/benchmarks/midi/ and build*/bin/, otherwise compiled with c++.
symusic comes from PyPI (python3 -m pip install symusic). mido comes from
Debian's python3-mido, which imports only under /usr/bin/python3, so mido's
part runs in a subprocess there.
"""

import argparse
import glob
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
MIDI_EXTENSIONS = (".mid", ".midi", ".rmi")

# Runs under /usr/bin/python3: reads every file with mido and pairs notes
# first-in-first-out per (track, channel, pitch), like cadenza does.
MIDO_SCRIPT = r"""
import io, json, os, statistics, sys, time
import mido
folder, repeats = sys.argv[1], int(sys.argv[2])
names = sorted(f for f in os.listdir(folder) if f.lower().endswith((".mid", ".midi", ".rmi")))
data = [open(os.path.join(folder, f), "rb").read() for f in names]

def notes_of(raw):
    midi = mido.MidiFile(file=io.BytesIO(raw))
    notes = 0
    for track in midi.tracks:
        tick = 0
        sounding = {}
        for message in track:
            tick += message.time
            if message.type == "note_on" and message.velocity > 0:
                sounding.setdefault((message.channel, message.note), []).append(tick)
            elif message.type in ("note_on", "note_off"):
                starts = sounding.get((message.channel, message.note))
                if starts:
                    starts.pop(0)
                    notes += 1
    return notes

times = []
for _ in range(repeats):
    start = time.perf_counter()
    count = sum(notes_of(raw) for raw in data)
    times.append(time.perf_counter() - start)
print(json.dumps({"parser": "mido " + mido.__version__, "files": len(data), "bytes": sum(map(len, data)),
                  "notes": count, "seconds_per_pass": statistics.median(times)}))
"""


def midi_files(folder):
    names = sorted(f for f in os.listdir(folder) if f.lower().endswith(MIDI_EXTENSIONS))
    return [os.path.join(folder, f) for f in names]


def find_or_build_ours(explicit):
    if explicit:
        return explicit
    candidates = sorted(glob.glob(os.path.join(ROOT, "build*", "benchmarks", "midi", "cadenza_midi_parse_bench")) +
                        glob.glob(os.path.join(ROOT, "build*", "bin", "cadenza_midi_parse_bench")))
    if candidates:
        return candidates[0]
    compiler = os.environ.get("CXX") or shutil.which("c++") or shutil.which("g++") or shutil.which("clang++")
    if not compiler:
        sys.exit("compare_parsers.py: no cadenza_midi_parse_bench found and no C++ compiler to build it")
    out_dir = tempfile.mkdtemp(prefix="cadenza_bench_")
    binary = os.path.join(out_dir, "cadenza_midi_parse_bench")
    command = [compiler, "-std=c++17", "-O2", "-march=native", "-I" + os.path.join(ROOT, "include"),
               os.path.join(ROOT, "benchmarks", "midi", "cadenza_midi_parse_bench.cpp"), "-o", binary]
    print("building:", " ".join(command), file=sys.stderr)
    subprocess.run(command, check=True)
    return binary


def run_ours(binary, folder, repeats):
    output = subprocess.run([binary, folder, "--repeats", str(repeats), "--json"], check=True,
                            capture_output=True, text=True).stdout
    result = json.loads(output)
    result["parser"] = "cadenza"
    return result


def run_symusic(folder, repeats, ttype):
    import symusic
    data = [open(path, "rb").read() for path in midi_files(folder)]
    for raw in data:  # warm-up pass: first-call costs are not parsing
        symusic.Score.from_midi(raw, ttype=ttype)
    times = []
    count = 0
    for _ in range(repeats):
        start = time.perf_counter()
        count = 0
        for raw in data:
            score = symusic.Score.from_midi(raw, ttype=ttype)
            count += sum(len(track.notes) for track in score.tracks)
        times.append(time.perf_counter() - start)
    return {"parser": "symusic %s (%s)" % (symusic.__version__, ttype), "files": len(data),
            "bytes": sum(map(len, data)), "notes": count, "seconds_per_pass": statistics.median(times)}


def run_mido(folder, repeats):
    python = "/usr/bin/python3"
    output = subprocess.run([python, "-c", MIDO_SCRIPT, folder, str(repeats)], check=True,
                            capture_output=True, text=True).stdout
    return json.loads(output)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folder", nargs="?",
                        default=os.path.join(ROOT, "..", "shared", "datasets", "final-fantasy-piano"))
    parser.add_argument("--ours", help="path of cadenza_midi_parse_bench")
    parser.add_argument("--repeats", type=int, default=9, help="repeats for cadenza and symusic (median)")
    parser.add_argument("--mido-repeats", type=int, default=3, help="repeats for mido, which is slow")
    args = parser.parse_args()
    folder = os.path.abspath(args.folder)
    if not os.path.isdir(folder) or not midi_files(folder):
        sys.exit("compare_parsers.py: no MIDI files in %s" % folder)

    results = [run_ours(find_or_build_ours(args.ours), folder, args.repeats)]
    for ttype in ("tick", "second"):
        try:
            results.append(run_symusic(folder, args.repeats, ttype))
        except ImportError:
            print("symusic is not installed (python3 -m pip install symusic); skipped", file=sys.stderr)
            break
    try:
        results.append(run_mido(folder, args.mido_repeats))
    except (OSError, subprocess.CalledProcessError) as error:
        print("mido could not run under /usr/bin/python3 (%s); skipped" % error, file=sys.stderr)

    ours = results[0]["seconds_per_pass"]
    print("folder: %s (%d files, %.3f MB)" % (folder, results[0]["files"], results[0]["bytes"] / 1e6))
    print("%-26s %10s %10s %10s %9s %14s" % ("parser", "ms/pass", "MB/s", "files/s", "notes", "cadenza is"))
    for result in results:
        seconds = result["seconds_per_pass"]
        speedup = "" if result is results[0] else "%.1fx faster" % (seconds / ours)
        print("%-26s %10.3f %10.1f %10.0f %9d %14s" % (result["parser"], seconds * 1e3,
                                                        result["bytes"] / 1e6 / seconds,
                                                        result["files"] / seconds, result["notes"], speedup))


if __name__ == "__main__":
    main()
