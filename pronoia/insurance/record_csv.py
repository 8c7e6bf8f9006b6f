"""The insurance record's periods as CSV (page download and CLI), safe to open in a spreadsheet."""
from __future__ import annotations

import csv
from typing import TextIO

COLUMNS = [
    "period_id", "period_from", "period_to", "fund", "employer_registry_no", "employer_name", "insurance_type",
    "days", "earnings", "contributions", "currency", "status", "counts", "superseded_by", "duplicate_of",
    "link_method", "source", "source_record_id", "import_batch_id", "source_line", "received_at",
]  # fmt: skip
# Spreadsheets run a cell starting with these as a formula (CSV/formula injection).
_FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: object) -> str:
    """A cell as text; one starting like a formula gets a leading single quote."""
    text = "" if value is None else str(value)
    if text.startswith(_FORMULA_PREFIXES):
        return "'" + text
    return text


def insurance_record_csv_write(record: dict, stream: TextIO) -> None:
    """Write the periods of `record` (from insurance_record_get), with provenance, to `stream`."""
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for period in record["periods"]:
        employer = period["employer"] or {}
        provenance = period["provenance"]
        row = [
            period["id"], period["period_from"], period["period_to"], period["fund"],
            employer.get("registry_no"), employer.get("name"), period["insurance_type"],
            period["days"], period["earnings"], period["contributions"], period["currency"], period["status"],
            "yes" if period["counts"] else "no", period["superseded_by"], period["duplicate_of"],
            period["link_method"], provenance["source"], provenance["source_record_id"],
            provenance["import_batch_id"], provenance["source_line"], provenance["received_at"],
        ]  # fmt: skip
        writer.writerow([csv_cell(value) for value in row])
