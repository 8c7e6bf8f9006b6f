"""Signing benchmark: sealed certificates per second end to end, next to raw pyHanko sealing.

    .venv/bin/python bench/bench_signing.py --rounds 3 --per-worker 8 --workers 2 --periods 33

Starts the test PKI service (TSA, OCSP, CRLs) on a free loopback port, a fresh SQLite database
(or DATABASE_URL), and persons with `--periods` insurance periods each. Then, with `--workers`
processes running at once (2 = the machine's two cores, shared with the PKI service):

- raw: `sealing.seal_pdf` of one unsigned insurance history certificate, the same PDF every time
  (so the same size as the certificates issued below), at the same level (PAdES B-LTA: signature
  time stamp, revocation data in the DSS, archive time stamp) — pyHanko and the TSA only;
- end to end: `insurance_history_certificate_issue` for distinct persons: read the insurance
  record (access-checked), render it in Greek, seal it, store the PDF, write the row, audit and event.

Raw and end-to-end rounds alternate (`--rounds`), so a change in the machine's load during the
run weighs on both alike. Prints JSON with both rates and their ratio (target: end to end >= 60 % of raw), plus the rate of
plain B-B signing (no time stamp, no revocation data) for scale.
"""
from __future__ import annotations

import argparse
import io
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _setup_environment(work: Path) -> object:
    """The PKI service and the environment Django reads; returns the service (stop it at the end)."""
    from pronoia.documents.testing import pki_service_start

    (work / "pki").mkdir()
    service = pki_service_start(work / "pki")
    os.environ.update(
        {
            "PRONOIA_SECRET_KEY": "bench-only",
            "PRONOIA_VAR_DIR": str(work / "var"),
            "PRONOIA_MEDIA_DIR": str(work / "media"),
            "PRONOIA_PKI_DIR": str(service.directory),
            "PRONOIA_PKI_SERVICE_URL": service.url,
        }
    )
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{work / 'bench.sqlite3'}")
    return service


def _population(count: int, periods: int) -> list[int]:
    import datetime as dt
    from decimal import Decimal

    from pronoia.insurance.tests.factories import InsurancePeriodFactory, fund
    from pronoia.people.tests.factories import PersonFactory

    ika = fund("IKA-ETAM")
    ids = []
    for _ in range(count):
        person = PersonFactory()
        for index in range(periods):
            year = 1990 + index
            InsurancePeriodFactory(
                person=person, fund=ika, period_from=dt.date(year, 1, 1), period_to=dt.date(year, 12, 31), days=300, earnings=Decimal("14250.50")
            )
        ids.append(person.pk)
    return ids


def _actor(person_id: int):
    from pronoia.accounts.actors import Actor

    return Actor(user_id=person_id, username=f"bench-{person_id}", roles=frozenset({"citizen"}), person_id=person_id, loa="high")


def _unsigned_certificate(person_id: int) -> bytes:
    """The same insurance history certificate the end-to-end path renders, before sealing."""
    from django.utils import timezone, translation

    from pronoia.documents import content
    from pronoia.documents.codes import verification_code_new
    from pronoia.documents.rendering import pdf_render
    from pronoia.insurance.selectors import insurance_record_get
    from pronoia.people.models import Person

    with translation.override("el"):
        record = insurance_record_get(actor=_actor(person_id), person=Person.objects.get(pk=person_id))
        spec = content.insurance_history_spec(record=record, code=verification_code_new(), protocol="2026/0000001", issued_at=timezone.now(), language="el")
        return pdf_render(spec)


def _worker(kind: str, items: list, barrier, results) -> None:
    import django
    from django.conf import settings
    from django.db import connections

    django.setup()
    from pronoia.documents import sealing
    from pronoia.documents.services import insurance_history_certificate_issue

    connections.close_all()
    directory, url = settings.PRONOIA_PKI_DIR, settings.PRONOIA_PKI_SERVICE_URL

    def raw_b_b(pdf: bytes) -> None:
        from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
        from pyhanko.sign import fields, signers

        material = sealing.seal_material(directory, service_url=url)
        meta = signers.PdfSignatureMetadata(field_name="S", subfilter=fields.SigSeedSubFilter.PADES, md_algorithm="sha256")
        signers.sign_pdf(IncrementalPdfFileWriter(io.BytesIO(pdf)), meta, signer=material.signer)

    def one(item) -> None:
        if kind == "raw":
            sealing.seal_pdf(item, directory=directory, service_url=url)
        elif kind == "raw_b_b":
            raw_b_b(item)
        else:
            insurance_history_certificate_issue(actor=_actor(item), person_id=item, language="el", protocol="2026/0000001")

    one(items[0])  # warm-up: imports, key loading, fonts, first connections (not timed)
    barrier.wait()
    start = time.perf_counter()
    latencies = []
    for item in items[1:]:
        began = time.perf_counter()
        one(item)
        latencies.append(time.perf_counter() - began)
    results.put({"start": start, "end": time.perf_counter(), "count": len(items) - 1, "latencies": latencies})


def _run(kind: str, per_worker_items: list[list], workers: int) -> dict:
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(workers)
    results = context.Queue()
    processes = [context.Process(target=_worker, args=(kind, per_worker_items[i], barrier, results)) for i in range(workers)]
    for process in processes:
        process.start()
    outcomes = [results.get(timeout=1800) for _ in processes]
    for process in processes:
        process.join()
        if process.exitcode != 0:
            raise SystemExit(f"{kind} worker failed with exit code {process.exitcode}")
    wall = max(o["end"] for o in outcomes) - min(o["start"] for o in outcomes)
    return {"count": sum(o["count"] for o in outcomes), "wall_s": wall, "latencies": [x for o in outcomes for x in o["latencies"]]}


def _combine(parts: list[dict]) -> dict:
    count = sum(p["count"] for p in parts)
    wall = sum(p["wall_s"] for p in parts)
    latencies = sorted(x for p in parts for x in p["latencies"])
    return {
        "count": count,
        "wall_s": round(wall, 2),
        "per_second": round(count / wall, 3),
        "latency_p50_ms": round(statistics.median(latencies) * 1000, 1),
        "latency_p95_ms": round(latencies[int(0.95 * (len(latencies) - 1))] * 1000, 1),
        "per_round_per_second": [round(p["count"] / p["wall_s"], 3) for p in parts],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--per-worker", type=int, default=8, help="timed operations per worker and round (plus one warm-up)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=3, help="raw and end-to-end alternate this many times (load drift cancels out)")
    parser.add_argument("--periods", type=int, default=33, help="insurance periods per person (the dossier benchmark's mean)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="pronoia-bench-signing-") as temp:
        work = Path(temp)
        service = _setup_environment(work)
        try:
            os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.base")
            import django

            django.setup()
            from django.core.management import call_command

            call_command("migrate", verbosity=0, interactive=False)
            per_worker = args.per_worker + 1
            person_ids = _population(args.rounds * args.workers * per_worker, args.periods)
            from django.db import connections

            unsigned = _unsigned_certificate(person_ids[0])
            connections.close_all()
            raw_parts, e2e_parts = [], []
            for round_index in range(args.rounds):
                base = round_index * args.workers * per_worker
                slices = [person_ids[base + i * per_worker : base + (i + 1) * per_worker] for i in range(args.workers)]
                raw_parts.append(_run("raw", [[unsigned] * per_worker for _ in range(args.workers)], args.workers))
                e2e_parts.append(_run("end_to_end", slices, args.workers))
            raw_b_b = _combine([_run("raw_b_b", [[unsigned] * per_worker for _ in range(args.workers)], args.workers)])
            raw, end_to_end = _combine(raw_parts), _combine(e2e_parts)
            from pronoia.documents.models import IssuedDocument

            sizes = list(IssuedDocument.objects.values_list("size", flat=True))
            print(
                json.dumps(
                    {
                        "database": django.db.connection.vendor,
                        "workers": args.workers,
                        "rounds": args.rounds,
                        "cpu_count": os.cpu_count(),
                        "load_average_at_end": [round(x, 2) for x in os.getloadavg()],
                        "periods_per_person": args.periods,
                        "unsigned_pdf_bytes": len(unsigned),
                        "sealed_pdf_bytes_mean": round(statistics.mean(sizes)) if sizes else 0,
                        "raw_seal_b_lta": raw,
                        "end_to_end_issue_b_lta": end_to_end,
                        "end_to_end_over_raw": round(end_to_end["per_second"] / raw["per_second"], 3),
                        "raw_sign_b_b_for_scale": raw_b_b,
                    }
                )
            )
        finally:
            service.stop()


if __name__ == "__main__":
    main()
