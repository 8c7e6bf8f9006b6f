"""Legacy import benchmark: rows/s of `legacy_import_file` (parsing, validation, linkage,
supersession and duplicate checks, flags) next to PostgreSQL `COPY` of the same files into a bare
typed table.

    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/pronoia_bench_import \
        .venv/bin/python bench/bench_import.py --dir bench/out/gr-11-30000 --country gr

`--dir` is a `demo_generate --no-load` output: the persons and employers registries are loaded
first (not timed), then every `<SOURCE>.csv` export is imported (timed). The database must be
freshly migrated and empty. Target: import rate >= 30 % of the COPY rate.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import _django  # noqa: F401
import psycopg
from django.conf import settings
from django.db import connection

from pronoia.demo.loader import employers_load, persons_load
from pronoia.insurance.services import legacy_import_file

BARE_TABLE = """
CREATE TABLE bench_legacy_copy (
    source_record_id text, national_id text, legacy_fund text, legacy_member_no text,
    surname text, given_name text, birth_date date, employer_registry_no text, employer_name text,
    period_from date, period_to date, days integer, earnings numeric(14,2), currency char(3),
    contributions numeric(14,2), insurance_type text
)"""


def export_files(directory: Path) -> list[Path]:
    skip = {"persons.csv", "employers.csv", "ground_truth.csv", "careers_totals.csv"}
    return sorted(p for p in directory.glob("*.csv") if p.name not in skip)


def count_rows(paths: list[Path]) -> int:
    return sum(sum(1 for _ in p.open("rb")) - 1 for p in paths)


def copy_seconds(paths: list[Path]) -> float:
    db = settings.DATABASES["default"]
    conninfo = psycopg.conninfo.make_conninfo(
        dbname=db["NAME"], user=db.get("USER") or None, host=db.get("HOST") or None, port=db.get("PORT") or None
    )
    with psycopg.connect(conninfo) as conn:
        conn.execute("DROP TABLE IF EXISTS bench_legacy_copy")
        conn.execute(BARE_TABLE)
        conn.commit()
        started = time.perf_counter()
        with conn.cursor() as cursor:
            for path in paths:
                with cursor.copy("COPY bench_legacy_copy FROM STDIN WITH (FORMAT csv, HEADER true)") as copy, path.open("rb") as fh:
                    while chunk := fh.read(1 << 20):
                        copy.write(chunk)
        conn.commit()
        elapsed = time.perf_counter() - started
        conn.execute("DROP TABLE bench_legacy_copy")
        conn.commit()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--country", default="gr")
    args = parser.parse_args()
    assert connection.vendor == "postgresql", "this benchmark compares with PostgreSQL COPY"

    files = export_files(args.dir)
    rows = count_rows(files)
    persons = persons_load(path=args.dir / "persons.csv", country=args.country, show_progress=False)
    employers_load(path=args.dir / "employers.csv", country=args.country)

    started = time.perf_counter()
    batches = {p.stem: legacy_import_file(path=p, source_code=p.stem, country=args.country) for p in files}
    import_s = time.perf_counter() - started
    copy_s = copy_seconds(files)

    result = {
        "rows": rows,
        "persons_in_registry": persons,
        "files": [p.name for p in files],
        "import_seconds": round(import_s, 1),
        "import_rows_per_s": round(rows / import_s),
        "copy_seconds": round(copy_s, 2),
        "copy_rows_per_s": round(rows / copy_s),
        "import_share_of_copy_rate": round((rows / import_s) / (rows / copy_s), 3),
        "batches": {code: {"created": b.rows_created, "duplicate": b.rows_duplicate, "review": b.rows_review,
                            "unmatched": b.rows_unmatched, "error": b.rows_error} for code, b in batches.items()},
    }
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
