import datetime
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from pronoia.audit import access_log
from pronoia.audit.access_log import append_only_guard_remove, entry_hash_compute
from pronoia.audit.models import DataAccessEntry
from pronoia.audit.tests.factories import data_access_entry

pytestmark = pytest.mark.django_db
TABLE = DataAccessEntry._meta.db_table


def verify(*args: str) -> str:
    out, err = StringIO(), StringIO()
    call_command("audit_verify", *args, stdout=out, stderr=err)
    return out.getvalue() + err.getvalue()


def verify_fails(*args: str) -> str:
    with pytest.raises(CommandError) as failure:
        verify(*args)
    assert failure.value.returncode == 1
    return str(failure.value)


def raw(sql: str, params=()) -> None:
    # As an attacker with the database owner's rights would: lift the guard, then write.
    # The test's transaction rolls back the dropped triggers with everything else.
    append_only_guard_remove()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


@pytest.fixture
def log():
    return [data_access_entry(person_id=n % 3 + 1) for n in range(6)]


def test_an_empty_log_passes():
    assert "0 entries checked, OK; the log is empty" in verify()


def test_an_untouched_log_passes_and_names_its_head(log):
    output = verify()
    assert f"6 entries checked, OK; head #{log[-1].pk} {log[-1].entry_hash}" in output


def test_a_changed_row_fails_naming_it(log):
    raw(f"UPDATE {TABLE} SET purpose = %s WHERE id = %s", ["nothing happened", log[2].pk])
    message = verify_fails()
    assert f"entry #{log[2].pk} (changed)" in message
    assert "2 entries before it are intact" in message


def test_a_changed_row_with_a_recomputed_hash_fails_at_its_successor(log):
    victim = DataAccessEntry.objects.values(*access_log.CHAINED_FIELDS, "prev_hash").get(pk=log[2].pk)
    victim["person_id"] = 99
    forged = entry_hash_compute(victim["prev_hash"], victim)
    raw(f"UPDATE {TABLE} SET person_id = 99, entry_hash = %s WHERE id = %s", [forged, log[2].pk])
    message = verify_fails()
    assert f"entry #{log[3].pk} (removed)" in message
    assert f"after entry #{log[2].pk}" in message


def test_a_deleted_middle_row_fails_naming_its_successor(log):
    raw(f"DELETE FROM {TABLE} WHERE id = %s", [log[3].pk])
    message = verify_fails()
    assert f"entry #{log[4].pk} (removed)" in message
    assert f"after entry #{log[2].pk} was removed" in message


def test_a_deleted_first_row_fails(log):
    raw(f"DELETE FROM {TABLE} WHERE id = %s", [log[0].pk])
    assert f"entry #{log[1].pk} (removed)" in verify_fails()


def test_a_row_inserted_with_a_forged_hash_fails_naming_it(log):
    fields = DataAccessEntry.objects.values(*access_log.CHAINED_FIELDS).get(pk=log[1].pk)
    fields["purpose"] = "forged"
    forged = DataAccessEntry.objects.create(prev_hash=log[-1].entry_hash, entry_hash="f" * 64, **fields)
    assert f"entry #{forged.pk} (changed)" in verify_fails()


def test_a_row_linking_to_no_entry_fails_naming_it(log):
    fields = DataAccessEntry.objects.values(*access_log.CHAINED_FIELDS).get(pk=log[1].pk)
    invented_prev = "e" * 64
    forged = DataAccessEntry.objects.create(prev_hash=invented_prev, entry_hash=entry_hash_compute(invented_prev, fields), **fields)
    assert f"entry #{forged.pk} (removed)" in verify_fails()


def test_a_row_inserted_at_the_end_dated_in_the_past_fails_as_out_of_order(log):
    fields = DataAccessEntry.objects.values(*access_log.CHAINED_FIELDS).get(pk=log[-1].pk)
    fields["occurred_at"] = fields["occurred_at"] - datetime.timedelta(days=30)
    fields["purpose"] = "backdated"
    forged = DataAccessEntry(prev_hash=log[-1].entry_hash, entry_hash=entry_hash_compute(log[-1].entry_hash, fields), **fields)
    forged.save(force_insert=True)
    message = verify_fails()
    assert f"entry #{forged.pk} (out_of_order)" in message
    assert "dated before" in message


def test_rows_swapped_fail_as_out_of_order(log):
    # Two entries exchange their contents (ids stay): the first of them now links to a later entry's hash.
    a = DataAccessEntry.objects.values(*access_log.CHAINED_FIELDS, "prev_hash", "entry_hash").get(pk=log[2].pk)
    b = DataAccessEntry.objects.values(*access_log.CHAINED_FIELDS, "prev_hash", "entry_hash").get(pk=log[3].pk)
    raw(f"DELETE FROM {TABLE} WHERE id IN (%s, %s)", [log[2].pk, log[3].pk])
    DataAccessEntry.objects.create(id=log[2].pk, **b)
    DataAccessEntry.objects.create(id=log[3].pk, **a)
    message = verify_fails()
    assert f"entry #{log[2].pk} (out_of_order)" in message
    assert f"links to entry #{log[3].pk}" in message


def test_anchors_catch_entries_removed_from_the_end(log):
    anchor = f"{log[-1].pk}:{log[-1].entry_hash}"
    assert "6 entries checked, OK" in verify("--anchor", anchor)
    raw(f"DELETE FROM {TABLE} WHERE id = %s", [log[-1].pk])
    assert "5 entries checked, OK" in verify()  # the chain alone cannot see a shortened tail
    assert f"entry #{log[-1].pk} (removed)" in verify_fails("--anchor", anchor)


def test_an_anchor_with_another_hash_fails(log):
    assert f"entry #{log[1].pk} (changed)" in verify_fails("--anchor", f"{log[1].pk}:{'a' * 64}")


@pytest.mark.parametrize("anchor", ["12", "x:abc", "1:" + "g" * 64, "1:" + "a" * 63, "1:" + "a" * 5000, "-1:" + "a" * 64])
def test_malformed_anchors_are_refused(log, anchor):
    with pytest.raises(CommandError, match="--anchor must be ID:HASH"):
        verify(f"--anchor={anchor}")


def test_progress_is_reported_while_streaming(log, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        output = verify("--progress-every", "2")
    assert "checked 2 of about 6 entries" in output and "checked 6 of about 6 entries" in output
