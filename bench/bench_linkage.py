"""Linkage quality against the generator's ground truth, after the exports were imported.

    DATABASE_URL=... .venv/bin/python bench/bench_linkage.py --truth bench/out/gr-7-100000/ground_truth.csv
Targets: precision >= 0.99, recall >= 0.95.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

import _django  # noqa: F401

from pronoia.demo.quality import linkage_quality_measure


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--truth", type=Path, required=True)
    args = parser.parse_args()
    print(json.dumps(linkage_quality_measure(truth_path=args.truth), indent=2, default=str))


if __name__ == "__main__":
    main()
