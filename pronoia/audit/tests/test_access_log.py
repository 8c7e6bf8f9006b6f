import datetime
import threading

import pytest
from django.db import IntegrityError, connection, transaction

from pronoia.accounts.roles import Channel, DataCategory, Role
from pronoia.audit import access_log
from pronoia.audit.access_log import (
    GENESIS_HASH,
    append_only_guard_install,
    append_only_guard_installed,
    data_access_append,
    data_access_chain_verify,
    entry_hash_compute,
    occurred_at_canonical,
)
from pronoia.audit.models import DataAccessEntry
from pronoia.audit.tests.factories import data_access_entry

pytestmark = pytest.mark.django_db


def test_entries_chain_from_genesis_and_hash_what_is_stored():
    first = data_access_entry(person_id=7)
    second = data_access_entry(person_id=8, categories=[DataCategory.PENSION, DataCategory.IDENTITY])
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.entry_hash
    stored = DataAccessEntry.objects.values(*access_log.CHAINED_FIELDS, "prev_hash", "entry_hash").get(pk=second.pk)
    assert entry_hash_compute(stored["prev_hash"], stored) == stored["entry_hash"]
    assert stored["categories"] == "identity,pension"  # sorted


def test_time_is_utc_with_microseconds_in_the_canonical_form():
    entry = data_access_entry()
    entry.refresh_from_db()
    assert entry.occurred_at.utcoffset() == datetime.timedelta(0)
    text = occurred_at_canonical(entry.occurred_at)
    assert text.endswith("Z") and len(text.split(".")[1]) == 7  # six digits and the Z
    whole_second = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
    assert occurred_at_canonical(whole_second) == "2026-01-02T03:04:05.000000Z"
    athens = datetime.timezone(datetime.timedelta(hours=2))
    assert occurred_at_canonical(whole_second.astimezone(athens)) == "2026-01-02T03:04:05.000000Z"
    with pytest.raises(ValueError):
        occurred_at_canonical(datetime.datetime(2026, 1, 2))


def test_time_never_goes_backwards(monkeypatch):
    first = data_access_entry()
    earlier = first.occurred_at - datetime.timedelta(hours=1)
    monkeypatch.setattr(access_log, "_utc_now", lambda: earlier)
    second = data_access_entry()
    assert second.occurred_at == first.occurred_at


def test_institution_is_named_for_staff_not_for_representatives(settings):
    settings.PRONOIA_INSTITUTION = "Institution X"
    staff = data_access_entry(actor_role=Role.CASE_HANDLER)
    representative = data_access_entry(actor_role=Role.REPRESENTATIVE, mandate_id=5, unit="")
    other_body = data_access_entry(actor_role=Role.CASE_HANDLER, institution="Tax authority")
    assert staff.institution == "Institution X"
    assert representative.institution == ""
    assert other_body.institution == "Tax authority"


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"categories": []}, "at least one data category"),
        ({"categories": ["salary'; DROP TABLE x"]}, "unknown data categories"),
        ({"channel": "carrier pigeon"}, "unknown channel"),
        ({"person_id": 0}, "positive integer"),
        ({"person_id": "12"}, "positive integer"),
        ({"person_id": True}, "positive integer"),
        ({"mandate_id": "3"}, "mandate_id"),
    ],
)
def test_malformed_entries_are_refused_and_nothing_is_written(overrides, message):
    with pytest.raises(ValueError, match=message):
        data_access_entry(**overrides)
    assert DataAccessEntry.objects.count() == 0


def test_unknown_field_and_a_caller_chosen_time_are_refused():
    with pytest.raises(TypeError):
        data_access_append(person_id=1, categories=["identity"], channel=Channel.WEB, colour="red")
    with pytest.raises(TypeError, match="occurred_at"):
        data_access_append(person_id=1, categories=["identity"], channel=Channel.WEB, occurred_at=datetime.datetime(2001, 1, 1, tzinfo=datetime.UTC))
    assert DataAccessEntry.objects.count() == 0


def test_oversized_and_hostile_text_is_cleaned_the_same_on_every_backend():
    entry = data_access_entry(purpose="x" * 5000, actor_label="evil\x00name\n\r\t<script>", unit="u" * 300)
    stored = DataAccessEntry.objects.get(pk=entry.pk)
    assert stored.purpose == "x" * 500
    assert stored.actor_label == "evil name   <script>"
    assert len(stored.unit) == 100
    assert data_access_chain_verify().ok


def test_duplicate_entries_are_separate_links_of_the_chain():
    a = data_access_entry(request_id="same-request-id")
    b = data_access_entry(request_id="same-request-id")
    assert a.entry_hash != b.entry_hash and b.prev_hash == a.entry_hash


def test_a_fork_of_the_chain_is_refused_by_the_database():
    head = data_access_entry()
    fields = {name: getattr(head, name) for name in access_log.CHAINED_FIELDS}
    fields["purpose"] = "a second successor of the same entry"
    with pytest.raises(IntegrityError), transaction.atomic():
        DataAccessEntry.objects.create(prev_hash=head.prev_hash, entry_hash=entry_hash_compute(head.prev_hash, fields), **fields)


def test_the_guard_is_installed_on_the_test_database_and_install_is_idempotent():
    assert append_only_guard_installed()
    assert append_only_guard_install()
    assert append_only_guard_install()
    assert append_only_guard_installed()


def test_update_and_delete_are_refused_by_the_database():
    entry = data_access_entry()
    table = DataAccessEntry._meta.db_table
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        DataAccessEntry.objects.filter(pk=entry.pk).update(purpose="nothing to see")
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        DataAccessEntry.objects.filter(pk=entry.pk).delete()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"UPDATE {table} SET purpose = %s", ["raw"])
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table}")
    entry.purpose = "via save()"
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic():
        entry.save()
    assert DataAccessEntry.objects.get(pk=entry.pk).purpose == "case " + entry.request_id[3:].lstrip("0")


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE exists on PostgreSQL only")
def test_truncate_is_refused_on_postgresql():
    data_access_entry()
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {DataAccessEntry._meta.db_table}")
    assert DataAccessEntry.objects.count() == 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent writers need a server database")
def test_concurrent_appends_keep_one_chain(data_access_log_purgeable):
    from django.db import connections

    errors = []

    def append_many(thread_no: int) -> None:
        try:
            for i in range(15):
                data_access_entry(person_id=thread_no, purpose=f"thread {thread_no} #{i}")
        except Exception as exc:  # reported by the assertion below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=append_many, args=(n,)) for n in range(1, 7)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = data_access_chain_verify()
    assert report.ok and report.checked == 90
