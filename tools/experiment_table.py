#!/usr/bin/env python3
"""Median [min, max] over seeds of `cadenza-music evaluate --json` results.

    python3 tools/experiment_table.py RUN_DIR [RUN_DIR ...]

Each RUN_DIR holds evaluate.json (tools/music_experiments.sh writes it). The
runs are the seeds of one configuration; prints one Markdown table of the
model and the baselines on the test songs, then the sampled pieces' checks.
Reference tooling only: nothing in the build or the tests needs it.
"""
import json
import statistics
import sys
from pathlib import Path


def spread(values, fmt):
    values = [v for v in values if v is not None]
    if not values:
        return "-"
    med = statistics.median(values)
    if len(values) == 1:
        return fmt.format(med)
    return f"{fmt.format(med)} [{fmt.format(min(values))}, {fmt.format(max(values))}]"


def main(dirs):
    runs = [json.loads((Path(d) / "evaluate.json").read_text()) for d in dirs]
    first = runs[0]
    print(f"{len(runs)} run(s); {first['part']} songs: {first['songs']}, "
          f"{first['positions']} positions; Kneser-Ney order(s) chosen: "
          f"{sorted({r['kn_order'] for r in runs})}")
    print()
    print("| predictor | NLL (nats) | perplexity | top-1 | top-5 |")
    print("| --- | ---: | ---: | ---: | ---: |")
    for i, row in enumerate(first["rows"]):
        name = row["name"].split(" (epoch")[0] if i == 0 else row["name"]
        if i == 0:
            epochs = sorted(int(r["rows"][0]["name"].split("(epoch ")[1].rstrip(")")) for r in runs)
            name += f" (best epochs {', '.join(map(str, epochs))})"
        cells = [spread([r["rows"][i][k] for r in runs], f) for k, f in
                 (("nll", "{:.3f}"), ("perplexity", "{:.1f}"))]
        cells += [spread([None if r["rows"][i][k] is None else 100 * r["rows"][i][k] for r in runs], "{:.1f}%")
                  for k in ("top1", "top5")]
        print(f"| {name} | " + " | ".join(cells) + " |")
    pieces = [p for r in runs for p in r.get("pieces", [])]
    if pieces:
        print()
        copies = [p["longest_copy"] for p in pieces]
        rep = [p["longest_run"] for p in pieces]
        print(f"pieces: {len(pieces)} ({len(runs)} x {len(runs[0]['pieces'])}); longest copy from a training song: "
              f"max {max(copies)}, median {statistics.median(copies)}; pieces over 12: "
              f"{sum(c > 12 for c in copies)}; longest repeated run: max {max(rep)}; pieces over 8: "
              f"{sum(x > 8 for x in rep)}")
        for feature in runs[0].get("overlaps", {}):
            print(f"  overlap {feature}: " + spread([r["overlaps"][feature]["overlapped_area"] for r in runs], "{:.2f}"))


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
