"""`pronoia pension_project --country CC --from-year Y --years N [--synthetic N --seed S]`.

Projects new retirees per year (average and total pension, by sex and region) over everyone in
the database, or over N synthetic persons; stores the result (PensionProjection) for the analytics
pages and prints a summary. Progress goes to stderr.
"""
from __future__ import annotations

import datetime
import json
import time

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pronoia.pensions.compute import RULES
from pronoia.pensions.models import PensionProjection
from pronoia.pensions.population import population_from_db, population_project, population_synthetic


class Command(BaseCommand):
    help = "Project new retirees and pensions per year over the database or a synthetic population."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--country", required=True, choices=sorted(RULES))
        parser.add_argument("--from-year", type=int, required=True)
        parser.add_argument("--years", type=int, default=10)
        parser.add_argument("--synthetic", type=int, default=0, help="use N synthetic persons instead of the database")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--growth", type=float, default=0.02)
        parser.add_argument("--inflation", type=float, default=0.02)
        parser.add_argument("--json", action="store_true", help="print the whole result as JSON")
        parser.add_argument("--no-store", action="store_true", help="do not store the result")

    def handle(self, *args, country: str, from_year: int, years: int, synthetic: int, seed: int, growth: float, inflation: float,
               json: bool, no_store: bool, **options) -> None:
        if not 2016 <= from_year <= 2090:
            raise CommandError("--from-year must be between 2016 and 2090 (the years the packs cover)")
        if not 1 <= years <= 100:
            raise CommandError("--years must be between 1 and 100")
        if not 0 <= synthetic <= 20_000_000:
            raise CommandError("--synthetic must be between 0 and 20,000,000")
        if not (-0.5 <= growth <= 1 and -0.5 <= inflation <= 1):
            raise CommandError("--growth and --inflation are yearly rates between -0.5 and 1")
        progress = lambda line: self.stderr.write(f"[pension_project] {line}")  # noqa: E731
        started = time.perf_counter()
        as_of = max(datetime.date(from_year, 1, 1), datetime.date(2026, 2, 1) if country == "bg" else datetime.date(from_year, 1, 1))
        if synthetic:
            progress(f"generating {synthetic} synthetic persons (seed {seed})")
            arrays, region, names = population_synthetic(country, synthetic, seed=seed, as_of=as_of, growth=growth, inflation=inflation)
            source = f"synthetic:{synthetic}:{seed}"
        else:
            progress("reading the database")
            arrays, region, names = population_from_db(country, as_of=as_of, growth=growth, inflation=inflation, progress=progress)
            source = "database"
        result = population_project(country, arrays, region, names, from_year=from_year, years=years, progress=progress)
        seconds = time.perf_counter() - started
        if not no_store:
            PensionProjection.objects.create(country=country, from_year=from_year, years=years, source=source, persons=result["persons"],
                                             assumptions={"growth": growth, "inflation": inflation, "as_of": as_of.isoformat()},
                                             results=result, seconds=seconds)
        if json:
            self.stdout.write(_json_dumps(result))
            return
        self.stdout.write(f"{country} {source}: {result['persons']} persons, {result['retiring']} retire in {from_year}-{from_year + years - 1} ({seconds:.2f} s)")
        for row in result["by_year"]:
            self.stdout.write(f"  {row['year']}: {row['new_retirees']:>8} new retirees, average {row['average_monthly']} {result['currency']}, total {row['total_monthly']:,.2f}")


def _json_dumps(result: dict) -> str:
    return json.dumps(result, ensure_ascii=False, indent=2)
