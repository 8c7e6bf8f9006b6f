"""`pronoia audit_verify` as an operator runs it: real migrations on a fresh SQLite file, exit codes."""
from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def pronoia(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PRONOIA_", "DATABASE_URL"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'log.sqlite3'}",
        PRONOIA_VAR_DIR=str(tmp_path / "var"),
        PRONOIA_SECRET_KEY="audit-verify-cli-test-key",
        DJANGO_SETTINGS_MODULE="config.settings.base",
    )
    return subprocess.run([sys.executable, str(ROOT / "manage.py"), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)


def triggers(db: Path) -> set[str]:
    with sqlite3.connect(db) as connection:
        return {row[0] for row in connection.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")}


@pytest.mark.slow
def test_migrated_database_refuses_changes_and_audit_verify_exits_non_zero_on_tampering(tmp_path):
    db = tmp_path / "log.sqlite3"
    assert pronoia(tmp_path, "migrate", "--noinput").returncode == 0
    assert {"pronoia_data_access_no_update", "pronoia_data_access_no_delete"} <= triggers(db)
    filled = pronoia(tmp_path, "shell", "-c", "from pronoia.audit.tests.factories import data_access_entry\nfor n in range(5): data_access_entry(person_id=n + 1)")
    assert filled.returncode == 0, filled.stderr

    ok = pronoia(tmp_path, "audit_verify")
    assert ok.returncode == 0, ok.stderr
    assert "5 entries checked, OK" in ok.stdout

    with sqlite3.connect(db) as connection, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        connection.execute("UPDATE audit_dataaccessentry SET purpose = 'x' WHERE id = 3")
    with sqlite3.connect(db) as connection, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        connection.execute("DELETE FROM audit_dataaccessentry WHERE id = 3")

    # An attacker with the owner's rights drops the guard and edits a row.
    with sqlite3.connect(db) as connection:
        connection.execute("DROP TRIGGER pronoia_data_access_no_update")
        connection.execute("UPDATE audit_dataaccessentry SET purpose = 'nothing to see' WHERE id = 3")
    broken = pronoia(tmp_path, "audit_verify")
    assert broken.returncode == 1
    assert "entry #3 (changed)" in broken.stderr

    # Migrating again puts the guard back (post_migrate), without touching the rows.
    assert pronoia(tmp_path, "migrate", "--noinput").returncode == 0
    assert "pronoia_data_access_no_update" in triggers(db)

    # Reversing the guard migration drops the triggers (and migrate does not put them back).
    back = pronoia(tmp_path, "migrate", "audit", "0002", "--noinput")
    assert back.returncode == 0, back.stderr
    assert not {"pronoia_data_access_no_update", "pronoia_data_access_no_delete"} & triggers(db)
    assert pronoia(tmp_path, "migrate", "audit", "--noinput").returncode == 0
    assert {"pronoia_data_access_no_update", "pronoia_data_access_no_delete"} <= triggers(db)


@pytest.mark.slow
def test_concurrent_writers_on_sqlite_keep_one_chain(tmp_path):
    # Several processes append at once to one SQLite file (WAL, IMMEDIATE transactions).
    assert pronoia(tmp_path, "migrate", "--noinput").returncode == 0
    env = {key: value for key, value in os.environ.items() if not key.startswith(("PRONOIA_", "DATABASE_URL"))}
    env.update(
        DATABASE_URL=f"sqlite:///{tmp_path / 'log.sqlite3'}", PRONOIA_VAR_DIR=str(tmp_path / "var"),
        PRONOIA_SECRET_KEY="audit-verify-cli-test-key", DJANGO_SETTINGS_MODULE="config.settings.base",
    )
    script = "from pronoia.audit.tests.factories import data_access_entry\nfor n in range(25): data_access_entry(person_id=n + 1)"
    writers = [
        subprocess.Popen([sys.executable, str(ROOT / "manage.py"), "shell", "-c", script], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(4)
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err
    ok = pronoia(tmp_path, "audit_verify")
    assert ok.returncode == 0, ok.stderr
    assert "100 entries checked, OK" in ok.stdout
