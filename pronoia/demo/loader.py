"""Load a generated population into the database through the production services.

The civil registry (persons.csv) and the employer registry (employers.csv) are bulk-created;
each legacy export then goes through the same import service production uses, so the demo
exercises linkage, de-duplication and quality flags for real (ADR 0001).
"""
from __future__ import annotations

import csv
import datetime as dt
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from tqdm import tqdm

from pronoia.employers.models import Employer
from pronoia.people.models import Person
from pronoia.people.services import person_build

CHUNK = 2000


@dataclass
class LoadSummary:
    """What `demo_load` did."""

    persons_created: int = 0
    employers_created: int = 0
    batches: dict[str, Any] = field(default_factory=dict)  # source code -> ImportBatch
    seconds: dict[str, float] = field(default_factory=dict)  # step -> wall time


def _legacy_import_file() -> Callable[..., Any]:
    # Imported late: the import service is another module's public entry point.
    try:
        from pronoia.insurance.services import legacy_import_file
    except ImportError:
        from pronoia.insurance.legacy_import import legacy_import_file
    return legacy_import_file


def _read_csv(path: Path) -> Iterator[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        yield from csv.DictReader(fh)


def _chunks(items: Iterator[Any], size: int) -> Iterator[list[Any]]:
    batch: list[Any] = []
    for item in items:
        batch.append(item)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def persons_load(*, path: Path, country: str, show_progress: bool | None = None) -> int:
    """Bulk-create the civil registry from persons.csv (validated by `person_build`); existing ids are kept."""
    before = Person.objects.filter(country=country).count()
    rows = _read_csv(path)
    with tqdm(desc="persons", unit="p", disable=_disabled(show_progress), leave=False) as bar:
        for batch in _chunks(rows, CHUNK):
            people = [
                person_build(
                    country=country, national_id=r["national_id"], surname=r["surname"], given_name=r["given_name"],
                    birth_date=dt.date.fromisoformat(r["birth_date"]), sex=r["sex"], email=r["email"], phone=r["phone"],
                )
                for r in batch
            ]
            with transaction.atomic():
                Person.objects.bulk_create(people, batch_size=CHUNK, ignore_conflicts=True)
            bar.update(len(batch))
    return Person.objects.filter(country=country).count() - before


def employers_load(*, path: Path, country: str) -> int:
    """Bulk-create the employer registry (with NACE section and region) so imports find them."""
    before = Employer.objects.filter(country=country).count()
    for batch in _chunks(_read_csv(path), CHUNK):
        with transaction.atomic():
            Employer.objects.bulk_create(
                [Employer(country=country, registry_no=r["registry_no"], name=r["name"], sector=r["sector"], region=r["region"]) for r in batch],
                batch_size=CHUNK,
                ignore_conflicts=True,
            )
    return Employer.objects.filter(country=country).count() - before


def demo_load(*, out_dir: Path, country: str, sources: list[str], show_progress: bool | None = None,
              log: Callable[[str], None] | None = None) -> LoadSummary:
    """Load persons, employers, then import each source's export (`<source>.csv` in `out_dir`) in order."""
    out_dir = Path(out_dir)
    summary = LoadSummary()
    started = time.perf_counter()
    summary.persons_created = persons_load(path=out_dir / "persons.csv", country=country, show_progress=show_progress)
    summary.employers_created = employers_load(path=out_dir / "employers.csv", country=country)
    summary.seconds["registries"] = time.perf_counter() - started
    legacy_import_file = _legacy_import_file()
    for code in sources:
        step = time.perf_counter()
        # The service shows its own progress bar (bytes read) when asked.
        batch = legacy_import_file(
            path=out_dir / f"{code}.csv", source_code=code, country=country, encoding="utf-8",
            progress=sys.stderr.isatty() if show_progress is None else show_progress,
        )
        summary.batches[code] = batch
        summary.seconds[code] = time.perf_counter() - step
        if log:
            log(f"{code}: {_batch_line(batch)} in {summary.seconds[code]:.1f} s")
    summary.seconds["total"] = time.perf_counter() - started
    return summary


def _batch_line(batch: Any) -> str:
    fields = ("rows_read", "rows_created", "rows_duplicate", "rows_unmatched", "rows_review", "rows_error")
    return ", ".join(f"{name[5:]}={getattr(batch, name, '?')}" for name in fields)


def _disabled(show_progress: bool | None) -> bool | None:
    # tqdm: None hides the bar when stderr is not a terminal.
    return None if show_progress is None else not show_progress
