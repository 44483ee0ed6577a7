#!/usr/bin/env python3
"""Two builds of cadenza-bench, A and B, alternating, on the cases they share.

    python3 benchmarks/ab_bench.py OLD_BUILD NEW_BUILD [--repeats 3] [--filter REGEX] [--min-time 0.5]

Each repeat runs A then B (B then A on odd repeats), each over every case
(Google Benchmark, real time). Prints, per case, A's and B's median [min, max]
in ms and the ratio B / A per repeat (median [min, max]): above 1 means B is
slower. The machine line (CPU, SIMD flags, FMA peak) comes from B's context.
Never run by the tests or CI.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile


def run(build, regex, min_time):
    with tempfile.NamedTemporaryFile(suffix=".json") as out:
        cmd = [os.path.join(build, "bin", "cadenza-bench"), f"--benchmark_filter={regex}",
               f"--benchmark_min_time={min_time}", "--benchmark_format=json", f"--benchmark_out={out.name}"]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        data = json.load(open(out.name))
    times = {}
    for b in data["benchmarks"]:
        if b.get("run_type", "iteration") != "iteration":
            continue
        unit = {"ns": 1e-6, "us": 1e-3, "ms": 1.0, "s": 1e3}[b.get("time_unit", "ns")]
        times[b["name"].replace("/real_time", "")] = b["real_time"] * unit
    return times, data.get("context", {})


def fmt(v):
    return f"{statistics.median(v):.3f} [{min(v):.3f}, {max(v):.3f}]"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("old")
    ap.add_argument("new")
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--filter", default=".")
    ap.add_argument("--min-time", default="0.5")
    a = ap.parse_args()
    res = {"A": [], "B": []}
    context = {}
    for rep in range(a.repeats):
        order = [("A", a.old), ("B", a.new)] if rep % 2 == 0 else [("B", a.new), ("A", a.old)]
        for side, build in order:
            t, ctx = run(build, a.filter, a.min_time)
            res[side].append(t)
            if side == "B":
                context = ctx
        print(f"repeat {rep + 1}/{a.repeats} done", file=sys.stderr)
    cases = [c for c in res["A"][0] if all(c in r for r in res["A"] + res["B"])]
    print(f"# ab_bench.py: A = {a.old}, B = {a.new}, {a.repeats} repeats, alternating")
    for key in ("cpu", "simd_flags", "compiled_for", "fma_peak", "num_cpus"):
        if key in context:
            print(f"# {key}: {context[key]}")
    print("\n| case | A ms | B ms | B / A per repeat |")
    print("| --- | ---: | ---: | ---: |")
    worst = 0.0
    for c in cases:
        A = [r[c] for r in res["A"]]
        B = [r[c] for r in res["B"]]
        ratio = [b / x for b, x in zip(B, A)]
        worst = max(worst, statistics.median(ratio))
        print(f"| {c} | {fmt(A)} | {fmt(B)} | {statistics.median(ratio):.3f} [{min(ratio):.3f}, {max(ratio):.3f}] |")
    print(f"\nlargest median ratio B / A: {worst:.3f}")


if __name__ == "__main__":
    main()
