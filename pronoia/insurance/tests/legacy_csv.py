"""Builders of synthetic legacy export files for the import tests."""
from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

from pronoia.insurance.legacy_import import HEADER
from pronoia.people.national_ids import make_national_id

BIRTH = dt.date(1970, 5, 17)


def amka(birth_date: dt.date = BIRTH, serial: int = 1) -> str:
    return make_national_id("gr", birth_date, "M", serial)


def legacy_row(**overrides: object) -> dict[str, str]:
    row = {
        "source_record_id": "R1",
        "national_id": amka(),
        "legacy_fund": "IKA-ETAM",
        "legacy_member_no": "",
        "surname": "Παπαδόπουλος",
        "given_name": "Γεώργιος",
        "birth_date": BIRTH.isoformat(),
        "employer_registry_no": "500001",
        "employer_name": "Synthetic Bakery S.A.",
        "period_from": "2010-01-01",
        "period_to": "2010-01-31",
        "days": "25",
        "earnings": "1200.50",
        "currency": "EUR",
        "contributions": "480.20",
        "insurance_type": "employment",
    }
    row.update({k: str(v) for k, v in overrides.items()})
    return row


def csv_text(rows: list[dict[str, str]], header: tuple[str, ...] = HEADER) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    for row in rows:
        writer.writerow([row[c] for c in HEADER])
    return out.getvalue()


def write_export(tmp_path: Path, rows: list[dict[str, str]], *, name: str = "export.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(csv_text(rows).encode(encoding))
    return path
