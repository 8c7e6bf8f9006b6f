"""The commands a new user runs, end to end, in subprocesses on a fresh SQLite file:
real migrations (including the fund seeding), demo generation and import, then the dossier CLI.
"""
from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def pronoia(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.sqlite3'}",
        "PRONOIA_VAR_DIR": str(tmp_path / "var"),
        "PRONOIA_SECRET_KEY": "e2e-test-key",
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
    }
    return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.slow
def test_fresh_database_demo_and_insurance_record(tmp_path):
    assert pronoia(tmp_path, "migrate", "--noinput").returncode == 0
    out = tmp_path / "demo"
    generated = pronoia(tmp_path, "demo_generate", "--persons", "40", "--seed", "5", "--country", "gr", "--out", str(out))
    assert generated.returncode == 0, generated.stderr

    # Generating again with --if-empty changes nothing.
    again = pronoia(tmp_path, "demo_generate", "--persons", "40", "--seed", "5", "--country", "gr", "--out", str(out), "--if-empty")
    assert again.returncode == 0, again.stderr

    with (out / "careers_totals.csv").open(newline="", encoding="utf-8") as fh:
        truth = next(csv.DictReader(fh))
    national_id = truth["national_id"]
    shown = pronoia(tmp_path, "insurance_record", national_id, "--format", "json", "--purpose", "end-to-end test")
    assert shown.returncode == 0, shown.stderr
    record = json.loads(shown.stdout)
    assert record["person"]["national_id"] == national_id
    assert set(record) >= {"person", "totals", "by_year", "by_fund", "periods", "flags"}
    assert record["totals"]["days"] == sum(row["days"] for row in record["by_year"])
    assert Decimal(record["totals"]["earnings"]) == sum(Decimal(row["earnings"]) for row in record["by_fund"])

    unknown = pronoia(tmp_path, "insurance_record", "00000000000", "--format", "json", "--purpose", "end-to-end test")
    assert unknown.returncode != 0
    assert "00000000000" in unknown.stderr or "not" in unknown.stderr.lower()
