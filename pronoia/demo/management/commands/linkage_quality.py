"""`pronoia linkage_quality`: precision and recall of record linkage against a demo ground truth."""
from __future__ import annotations

import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandParser

from pronoia.demo.quality import linkage_quality_measure


class Command(BaseCommand):
    help = "Compare the database's linkage of imported records with a generated ground_truth.csv."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--truth", type=Path, required=True, help="ground_truth.csv written by demo_generate")
        parser.add_argument("--json", action="store_true", help="print the measurement as JSON")

    def handle(self, *args, **opts) -> None:
        result = linkage_quality_measure(truth_path=opts["truth"])
        if opts["json"]:
            self.stdout.write(json.dumps(result, indent=2, sort_keys=True))
            return
        self.stdout.write(f"precision {result['precision']:.6f}  recall {result['recall']:.6f}")
        for key in ("truth_rows", "imported", "not_imported", "links", "correct", "wrong", "unlinked", "in_review"):
            self.stdout.write(f"  {key:<13} {result[key]}")
        for problem, outcome in result["by_problem"].items():
            self.stdout.write(f"  problem {problem:<18} " + ", ".join(f"{k}={v}" for k, v in outcome.items()))
