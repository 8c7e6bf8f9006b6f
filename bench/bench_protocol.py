"""Protocol-number benchmark: 50 concurrent submitters on PostgreSQL, no duplicates, no gaps.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/pronoia_bench_protocol \
        .venv/bin/python bench/bench_protocol.py --submitters 50 --per-submitter 4 --allocations 200

Starts the test PKI service (each submission's certificate of submission is sealed for real),
migrates the database named by DATABASE_URL (created if missing; PostgreSQL only: SQLite has
one writer at a time and proves nothing here), creates one synthetic person per submission, then:

- full: `--submitters` processes each submit `--per-submitter` old-age pension applications through
  `application_submit` (form validation, prefill from the file, protocol number, history, audit,
  event, sealed receipt, automatic assignment), all released at once by a barrier;
- allocation: the same number of processes each take `--allocations` numbers, each in its own
  transaction (`protocol_number_take` alone: the row lock on the year's counter is the only
  point where submissions wait for each other).

Checks that the numbers of the year are exactly 1..N (unique, no gap) and prints JSON with
submissions per second and latency percentiles.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def database_ensure(url: str) -> None:
    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    with psycopg.connect(urlunsplit(parts._replace(path="/postgres")), autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}"')
        connection.execute(f'CREATE DATABASE "{name}"')


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def run_workers(count: int, work) -> tuple[float, list[float]]:
    """Run `work(index, latencies)` in `count` processes released together (a web server's workers
    are processes too); returns wall seconds and every operation's latency."""
    import multiprocessing

    from django.db import connections

    connections.close_all()  # each forked worker opens its own connection
    context = multiprocessing.get_context("fork")
    barrier = context.Barrier(count + 1)
    results = context.Queue()

    def target(index: int) -> None:
        latencies: list[float] = []
        try:
            barrier.wait()
            work(index, latencies)
            results.put(("ok", latencies))
        except BaseException as exc:  # reported by the parent
            results.put(("error", repr(exc)))
        finally:
            connections.close_all()

    workers = [context.Process(target=target, args=(index,)) for index in range(count)]
    for worker in workers:
        worker.start()
    barrier.wait()
    started = time.perf_counter()
    outcomes = [results.get() for _ in workers]
    seconds = time.perf_counter() - started
    for worker in workers:
        worker.join()
    errors = [detail for kind, detail in outcomes if kind == "error"]
    if errors:
        sys.exit(f"{len(errors)} workers failed, first: {errors[0]}")
    return seconds, [value for kind, values in outcomes for value in values]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--submitters", type=int, default=50)
    parser.add_argument("--per-submitter", type=int, default=4)
    parser.add_argument("--allocations", type=int, default=200)
    args = parser.parse_args()

    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        sys.exit("DATABASE_URL must name a PostgreSQL database (it is dropped and created again)")
    database_ensure(url)
    work_dir = Path(tempfile.mkdtemp(prefix="bench-protocol-"))
    from pronoia.documents.testing import pki_service_start

    (work_dir / "pki").mkdir()
    service = pki_service_start(work_dir / "pki")
    os.environ.update(
        {
            "PRONOIA_SECRET_KEY": "bench-only",
            "PRONOIA_VAR_DIR": str(work_dir / "var"),
            "PRONOIA_MEDIA_DIR": str(work_dir / "media"),
            "PRONOIA_PKI_DIR": str(service.directory),
            "PRONOIA_PKI_SERVICE_URL": service.url,
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
        }
    )
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import transaction
        from django.utils import timezone

        from pronoia.accounts.actors import Actor
        from pronoia.accounts.tests.factories import citizen_user
        from pronoia.documents.tests.factories import person_with_history
        from pronoia.services.models import Application, ApplicationDocument, ProtocolCounter
        from pronoia.services.services import application_submit, protocol_number_take

        call_command("migrate", verbosity=0)
        submissions = args.submitters * args.per_submitter
        persons = [person_with_history(periods=2) for _ in range(submissions)]
        users = {person.pk: citizen_user(person).pk for person in persons}
        persons = [person.pk for person in persons]
        year = timezone.now().year

        def submit(index: int, latencies: list[float]) -> None:
            mine = persons[index * args.per_submitter:(index + 1) * args.per_submitter]
            for person_id in mine:
                actor = Actor(user_id=users[person_id], username=f"bench-{person_id}", roles=frozenset({"citizen"}), person_id=person_id, loa="high")
                data = {"requested_start_date": "2027-03-01", "iban": "GR1601101250000000012300695", "periods_missing": "no", "receives_pension": "no", "declaration": True}
                t0 = time.perf_counter()
                application_submit(actor=actor, service_code="gr-old-age-pension-application", data=data, source="api", language="el")
                latencies.append((time.perf_counter() - t0) * 1000)

        receipts_before = ApplicationDocument.objects.count()
        full_seconds, full_latencies = run_workers(args.submitters, submit)
        receipts = ApplicationDocument.objects.count() - receipts_before
        numbers = sorted(Application.objects.filter(year=year).values_list("number", flat=True))
        full_ok = numbers == list(range(1, submissions + 1))

        def allocate(index: int, latencies: list[float]) -> None:
            for _ in range(args.allocations):
                t0 = time.perf_counter()
                with transaction.atomic():
                    protocol_number_take(year + 1)
                latencies.append((time.perf_counter() - t0) * 1000)

        allocation_seconds, allocation_latencies = run_workers(args.submitters, allocate)
        allocations = args.submitters * args.allocations
        last = ProtocolCounter.objects.get(year=year + 1).last_number
        print(
            json.dumps(
                {
                    "database": "postgresql",
                    "submitters": args.submitters,
                    "full_submissions": submissions,
                    "full_numbers_are_1_to_n": full_ok,
                    "full_receipts_sealed": receipts,
                    "full_submissions_per_second": round(submissions / full_seconds, 1),
                    "full_latency_ms_p50": round(statistics.median(full_latencies), 1),
                    "full_latency_ms_p95": round(percentile(full_latencies, 0.95), 1),
                    "allocations": allocations,
                    "allocation_counter_equals_count": last == allocations,
                    "allocations_per_second": round(allocations / allocation_seconds, 1),
                    "allocation_latency_ms_p95": round(percentile(allocation_latencies, 0.95), 2),
                },
                indent=2,
            )
        )
        if not full_ok or last != allocations:
            sys.exit("protocol numbers are not 1..N: duplicates or gaps")
    finally:
        service.stop()


if __name__ == "__main__":
    main()
