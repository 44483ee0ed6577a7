#!/usr/bin/env python3
"""Print a run's history.csv (from `cadenza-music train`) as a Markdown table.

    python3 tools/history_table.py RUN_DIR/history.csv [--every N]

Rows: every N-th epoch (default 1) plus the best validation loss and the last.
"""
import argparse
import csv
import math


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("csv")
    ap.add_argument("--every", type=int, default=1)
    a = ap.parse_args()
    rows = list(csv.DictReader(open(a.csv)))
    if not rows:
        raise SystemExit(f"{a.csv}: no epochs yet")
    def val(r, k):
        v = float(r[k])
        return None if math.isnan(v) else v
    best = min(rows, key=lambda r: val(r, "val_loss") if val(r, "val_loss") is not None else float(r["loss"]))
    keep = [r for i, r in enumerate(rows) if (i + 1) % a.every == 0 or r is best or i == 0 or i == len(rows) - 1]
    def number(r, k):
        v = val(r, k)
        return "n/a" if v is None else f"{v:.4f}"
    def percent(r, k):
        v = val(r, k)
        return "n/a" if v is None else f"{v * 100:.2f}%"
    print("| epoch | train loss | train acc | val loss | val acc | val top-5 | seconds |")
    print("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in keep:
        mark = " (best val loss)" if r is best else ""
        print(f"| {r['epoch']}{mark} | {number(r, 'loss')} | {percent(r, 'accuracy')} | {number(r, 'val_loss')} | "
              f"{percent(r, 'val_accuracy')} | {percent(r, 'val_top5_accuracy')} | {float(r['seconds']):.1f} |")
    secs = sorted(float(r["seconds"]) for r in rows)
    print(f"\n{len(rows)} epochs; median epoch time {secs[len(secs) // 2]:.1f} s")


if __name__ == "__main__":
    main()
