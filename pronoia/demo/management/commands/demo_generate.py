"""`pronoia demo_generate`: generate a synthetic population's legacy exports and load them."""
from __future__ import annotations

import time
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from tqdm import tqdm

from pronoia.demo.loader import demo_load
from pronoia.demo.synthetic import PROFILES, ProblemRates, population_generate
from pronoia.people.models import Person


class Command(BaseCommand):
    help = "Generate a deterministic synthetic population (legacy fund exports + ground truth) and load it."

    def add_arguments(self, parser: CommandParser) -> None:
        defaults = ProblemRates()
        parser.add_argument("--persons", type=int, default=10_000)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--country", choices=sorted(PROFILES), default="gr")
        parser.add_argument("--out", type=Path, help="output directory (default VAR_DIR/demo/<country>-<seed>-<persons>)")
        parser.add_argument("--no-load", action="store_true", help="only write the files")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when persons already exist")
        parser.add_argument("--missing-id-rate", type=float, default=defaults.missing_id)
        parser.add_argument("--member-without-id-rate", type=float, default=defaults.member_without_id)
        parser.add_argument("--typo-rate", type=float, default=defaults.typo)
        parser.add_argument("--duplicate-rate", type=float, default=defaults.duplicate)
        parser.add_argument("--overlap-rate", type=float, default=defaults.overlap)
        parser.add_argument("--outlier-rate", type=float, default=defaults.outlier)

    def handle(self, *args, **opts) -> None:
        if opts["if_empty"] and Person.objects.exists():
            self.stdout.write("Persons already exist: demo data not generated.")
            return
        persons, seed, country = opts["persons"], opts["seed"], opts["country"]
        out = opts["out"] or Path(settings.VAR_DIR) / "demo" / f"{country}-{seed}-{persons}"
        rates = ProblemRates(
            missing_id=opts["missing_id_rate"], member_without_id=opts["member_without_id_rate"], typo=opts["typo_rate"], duplicate=opts["duplicate_rate"],
            overlap=opts["overlap_rate"], outlier=opts["outlier_rate"],
        )
        started = time.perf_counter()
        with tqdm(total=persons, desc="careers", unit="p", leave=False, disable=None) as bar:
            result = population_generate(persons=persons, seed=seed, country=country, out_dir=out, rates=rates, progress=bar.update)
        generated = time.perf_counter() - started
        self.stdout.write(f"Generated {persons} persons ({country}, seed {seed}) in {generated:.1f} s into {out}")
        for code, rows in result.rows.items():
            self.stdout.write(f"  {code}.csv: {rows} rows")
        self.stdout.write("  injected: " + ", ".join(f"{k}={v}" for k, v in result.problems.items()))
        if opts["no_load"]:
            return
        summary = demo_load(out_dir=out, country=country, sources=list(result.exports), log=self.stdout.write)
        self.stdout.write(
            f"Loaded {summary.persons_created} persons and {summary.employers_created} employers; "
            f"imports took {summary.seconds['total']:.1f} s (total {time.perf_counter() - started:.1f} s)"
        )
