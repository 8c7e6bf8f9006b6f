"""Protocol numbers: YYYY/NNNNNNN, per year, unique and gapless, also under concurrent submissions."""
from __future__ import annotations

import threading

import pytest
from django.db import connection, connections, transaction

from pronoia.people.tests.factories import PersonFactory
from pronoia.services.models import Application, ProtocolCounter
from pronoia.services.services import protocol_format, protocol_number_take
from pronoia.services.tests.application_factories import application_make


def test_protocol_format():
    assert protocol_format(2026, 42) == "2026/0000042"
    assert protocol_format(2026, 9_999_999) == "2026/9999999"


@pytest.mark.django_db
def test_numbers_follow_each_other_and_each_year_starts_at_one():
    with transaction.atomic():
        assert [protocol_number_take(2026) for _ in range(3)] == [1, 2, 3]
        assert protocol_number_take(2027) == 1
    assert ProtocolCounter.objects.get(year=2026).last_number == 3


@pytest.mark.django_db
def test_a_rolled_back_submission_leaves_no_gap():
    first = application_make()
    with pytest.raises(RuntimeError), transaction.atomic():
        application_make()
        raise RuntimeError("the submission failed after its number was taken")
    second = application_make()
    assert second.number == first.number + 1
    assert Application.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_number_is_taken_only_inside_the_inserting_transaction():
    with pytest.raises(RuntimeError, match="inside the application's transaction"):
        protocol_number_take(2026)


@pytest.mark.django_db
def test_the_database_refuses_a_duplicate_number():
    from django.db import IntegrityError

    application = application_make()
    duplicate = Application.objects.filter(pk=application.pk).values().get()
    duplicate.update({"id": None, "protocol": "other"})
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(**duplicate)


def test_sqlite_runs_immediate_transactions():
    """On SQLite one writer at a time: an IMMEDIATE transaction takes the write lock at BEGIN, so two
    submissions cannot read the same counter (and there is no lock upgrade to fail)."""
    if connection.vendor != "sqlite":
        pytest.skip("SQLite only: PostgreSQL locks the counter row (see the concurrency test)")
    assert connection.settings_dict["OPTIONS"].get("transaction_mode") == "IMMEDIATE"


SUBMITTERS = 24


@pytest.mark.django_db(transaction=True)
def test_concurrent_submissions_get_unique_gapless_numbers_on_postgresql(funds):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgresql://...): SQLite serialises writers by itself")
    persons = PersonFactory.create_batch(SUBMITTERS)
    barrier = threading.Barrier(SUBMITTERS)
    errors: list[BaseException] = []

    def submit(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            if index % 6 == 5:
                # Some submissions fail after taking their number: they must not leave a gap.
                with pytest.raises(RuntimeError), transaction.atomic():
                    application_make(persons[index])
                    raise RuntimeError("rolled back")
            else:
                application_make(persons[index])
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(SUBMITTERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    numbers = sorted(Application.objects.values_list("number", flat=True))
    expected = SUBMITTERS - SUBMITTERS // 6
    assert numbers == list(range(1, expected + 1))
    protocols = list(Application.objects.values_list("protocol", flat=True))
    assert len(set(protocols)) == len(protocols) == expected
    assert ProtocolCounter.objects.get().last_number == expected


SQLITE_PROBE = """
import json, threading
import django
django.setup()
from django.db import connections, transaction
from pronoia.people.tests.factories import PersonFactory
from pronoia.services.tests.application_factories import application_make

persons = PersonFactory.create_batch({n})
barrier = threading.Barrier({n})
errors = []

def submit(index):
    try:
        barrier.wait(timeout=30)
        try:
            with transaction.atomic():
                application_make(persons[index])
                if index % 6 == 5:
                    raise RuntimeError("rolled back")
        except RuntimeError:
            pass
    except BaseException as exc:
        errors.append(repr(exc))
    finally:
        connections.close_all()

threads = [threading.Thread(target=submit, args=(i,)) for i in range({n})]
for t in threads: t.start()
for t in threads: t.join(timeout=120)
from pronoia.services.models import Application
print(json.dumps({{"errors": errors, "numbers": sorted(Application.objects.values_list("number", flat=True))}}))
"""


def test_concurrent_submissions_on_a_sqlite_file_are_serialised(tmp_path):
    """The embedded default: a SQLite file in WAL mode with IMMEDIATE transactions. Threads wait for
    the write lock (busy timeout) instead of reading the same counter; no duplicates, no gaps."""
    import json
    import os
    import subprocess
    import sys

    if connection.vendor != "sqlite":
        pytest.skip("the SQLite file path; PostgreSQL has its own test")
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'protocol.sqlite3'}", "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    subprocess.run([sys.executable, "-m", "django", "migrate", "-v0"], env=env, check=True, timeout=300)
    probe = subprocess.run([sys.executable, "-c", SQLITE_PROBE.format(n=SUBMITTERS)], env=env, check=True, timeout=300, capture_output=True, text=True)
    result = json.loads(probe.stdout.strip().splitlines()[-1])
    expected = SUBMITTERS - SUBMITTERS // 6
    assert result["errors"] == []
    assert result["numbers"] == list(range(1, expected + 1))
