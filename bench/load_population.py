"""Load a generated population (registries + every legacy export) into the database, timed.

    DATABASE_URL=... .venv/bin/python bench/load_population.py --dir bench/out/gr-7-100000 --country gr
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import _django  # noqa: F401

from pronoia.demo.loader import demo_load

SKIP = {"persons.csv", "employers.csv", "ground_truth.csv", "careers_totals.csv"}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--country", default="gr")
    args = parser.parse_args()
    sources = sorted(p.stem for p in args.dir.glob("*.csv") if p.name not in SKIP)
    started = time.perf_counter()
    summary = demo_load(out_dir=args.dir, country=args.country, sources=sources, show_progress=False)
    elapsed = time.perf_counter() - started
    rows = sum(b.rows_read for b in summary.batches.values())
    print(json.dumps({"persons_created": summary.persons_created, "legacy_rows": rows, "seconds": round(elapsed, 1),
                      "rows_per_s": round(rows / elapsed)}, indent=2))


if __name__ == "__main__":
    main()
