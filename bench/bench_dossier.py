"""Dossier benchmark: server-side time of the insurance record for random persons, next to
the raw SQL that fetches the same rows.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/pronoia_bench .venv/bin/python bench/bench_dossier.py --samples 1000

Prints p50/p95 in milliseconds for (a) `insurance_record_get` plus JSON serialisation, as the
API does, and (b) the raw SQL queries returning the same person, periods (with fund, employer,
source) and flags. Targets: p95 <= 25 ms and <= 3x the raw query.
"""
from __future__ import annotations

import argparse
import json
import random
import statistics
import time

import _django  # noqa: F401
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection

from pronoia.accounts.actors import Actor
from pronoia.insurance.selectors import insurance_record_get
from pronoia.people.models import Person

RAW_SQL = [
    "SELECT * FROM people_person WHERE id = %s",
    """SELECT p.*, f.code, f.name, e.registry_no, e.name, s.code
         FROM insurance_insuranceperiod p
         JOIN insurance_fund f ON f.id = p.fund_id
         JOIN insurance_sourceregistry s ON s.id = p.source_id
         LEFT JOIN employers_employer e ON e.id = p.employer_id
        WHERE p.person_id = %s ORDER BY p.period_from""",
    "SELECT * FROM insurance_dataqualityflag WHERE person_id = %s",
]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--samples", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    ids = list(Person.objects.values_list("id", flat=True))
    rng = random.Random(args.seed)
    sample = [rng.choice(ids) for _ in range(args.samples)]

    selector_ms: list[float] = []
    raw_ms: list[float] = []
    periods_seen: list[int] = []
    for person_id in sample:
        t0 = time.perf_counter()
        person = Person.objects.get(pk=person_id)
        # The person as their own actor: the citizen's page path, which writes no access-log entry.
        record = insurance_record_get(actor=Actor(user_id=-1, person_id=person.pk, roles=frozenset({"citizen"})), person=person)
        json.dumps(record, cls=DjangoJSONEncoder)
        selector_ms.append((time.perf_counter() - t0) * 1000)
        periods_seen.append(len(record["periods"]))

        t0 = time.perf_counter()
        with connection.cursor() as cursor:
            for sql in RAW_SQL:
                cursor.execute(sql, [person_id])
                cursor.fetchall()
        raw_ms.append((time.perf_counter() - t0) * 1000)

    result = {
        "database": connection.vendor,
        "persons_in_db": len(ids),
        "samples": len(sample),
        "mean_periods_per_person": round(statistics.mean(periods_seen), 1),
        "dossier_p50_ms": round(percentile(selector_ms, 0.50), 2),
        "dossier_p95_ms": round(percentile(selector_ms, 0.95), 2),
        "raw_sql_p50_ms": round(percentile(raw_ms, 0.50), 2),
        "raw_sql_p95_ms": round(percentile(raw_ms, 0.95), 2),
    }
    result["p95_ratio_to_raw"] = round(result["dossier_p95_ms"] / result["raw_sql_p95_ms"], 2)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
