"""Generator benchmark: persons/s of the synthetic population generator (files only, no database).

    .venv/bin/python bench/bench_generator.py --persons 100000 --seed 7 --out bench/out/gr-7-100000
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import _django  # noqa: F401

from pronoia.demo.synthetic import population_generate


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--persons", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--country", default="gr")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()
    started = time.perf_counter()
    population_generate(persons=args.persons, seed=args.seed, country=args.country, out_dir=args.out)
    elapsed = time.perf_counter() - started
    rows = sum(sum(1 for _ in p.open("rb")) - 1 for p in args.out.glob("*.csv")
               if p.name not in {"persons.csv", "employers.csv", "ground_truth.csv", "careers_totals.csv"})
    print(json.dumps({"persons": args.persons, "country": args.country, "seconds": round(elapsed, 1),
                      "persons_per_s": round(args.persons / elapsed), "legacy_rows_written": rows}, indent=2))


if __name__ == "__main__":
    main()
