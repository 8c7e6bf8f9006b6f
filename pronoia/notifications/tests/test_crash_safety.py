"""Crash safety of delivery, end to end with real processes (issue 5's acceptance).

Each test builds a rig (`pronoia.notifications.testing.DeliveryRig`): a database of its own (a
SQLite file, or a fresh PostgreSQL database when the suite runs on PostgreSQL), migrated by
`pronoia migrate`; the portal under uvicorn (it takes the SMS gateway's receipts); Huey consumers
(`pronoia run_huey`, production settings, file-SQLite Huey storage); and the three simulators.
The test process only seeds (in a child), kills, and reads the database and the simulators.

The periodic sweep (`notifications_sweep_task`, every minute in production) is run by the test
with `sweep_run()` once the queue is empty and the lease and grace (15 + 6 s here) have passed, instead of
waiting for the next minute: it is what re-dispatches the messages a killed worker left behind.
"""
from __future__ import annotations

import time

import pytest

from pronoia.notifications.testing import DeliveryRig, rig_database_drop, rig_database_url

pytestmark = [pytest.mark.slow]

PERSONS = 5000  # × e-mail and SMS: a campaign of 10 000 messages
TOTAL = 2 * PERSONS
# A worker starts no send past its lease and the sweep waits for the lease plus the grace, so a slow
# batch is safe at any length; 15 s keeps messages going back unsent rare on a busy machine.
LEASE_SECONDS = 15
PROVIDER_TIMEOUT_SECONDS = 2
GRACE_SECONDS = 3 * PROVIDER_TIMEOUT_SECONDS  # the default grace: three provider timeouts
BATCH_SIZE = 50  # smaller batches: each one takes well under the lease even on a busy machine
SWEEP = "from pronoia.notifications.tasks import sweep_run; print(sweep_run())"


@pytest.fixture
def rig(tmp_path, simulators):
    url = rig_database_url(tmp_path, suffix="rig")
    rig = DeliveryRig.create(tmp_path, simulators, database_url=url, extra_env={"PRONOIA_NOTIFY_LEASE_SECONDS": str(LEASE_SECONDS), "PRONOIA_PROVIDER_TIMEOUT_SECONDS": str(PROVIDER_TIMEOUT_SECONDS), "PRONOIA_NOTIFY_BATCH_SIZE": str(BATCH_SIZE)})
    try:
        yield rig
    finally:
        rig.stop()
        rig_database_drop(url)


def _seed(rig: DeliveryRig, *, persons: int, invalid_numbers: int = 0) -> dict:
    out = rig.python(f"from pronoia.notifications.testing import rig_campaign_seed; print(rig_campaign_seed(persons={persons}, channels=['email', 'sms'], invalid_numbers={invalid_numbers}))")
    return eval(out.strip().splitlines()[-1], {})  # noqa: S307 - our own child's printed dict


def _received(simulators) -> int:
    return simulators.smtp.state()["received"] + simulators.sms.state()["received"]


def _until_final(rig: DeliveryRig, simulators, *, timeout: float) -> None:
    """Wait until every message is final, sweeping when the queue is empty (as the periodic task would)."""
    deadline = time.monotonic() + timeout
    while rig.not_final():
        if time.monotonic() > deadline:
            pytest.fail(f"not final after {timeout} s: {rig.statuses()}, queue {rig.queue_length()}, sms {simulators.sms.state()}")
        if rig.queue_length() == 0:
            time.sleep(LEASE_SECONDS + GRACE_SECONDS + 0.5)  # past the lease and grace, so sends left in doubt are reconciled
            if rig.not_final() and rig.queue_length() == 0:
                rig.python(SWEEP)
        time.sleep(0.5)
    simulators.sms.wait_until(lambda state: state["receipts_pending"] == 0, timeout=30, what="the last receipts")


def test_a_worker_killed_mid_campaign_and_restarted_delivers_every_message_exactly_once(rig, simulators):
    started = time.monotonic()
    rig.portal_start()
    counts = _seed(rig, persons=PERSONS)
    seeded = time.monotonic()
    assert counts["created"] == TOTAL
    assert rig.queue_length() > 0 and _received(simulators) == 0

    worker = rig.worker_start()
    deadline = time.monotonic() + 300
    while _received(simulators) < TOTAL // 3:
        assert time.monotonic() < deadline, f"the worker sent too little: {_received(simulators)}"
        assert worker.poll() is None, "the worker died on its own; see worker.log"
        time.sleep(0.05)
    rig.kill(worker)  # SIGKILL to the consumer's process group, mid-batch
    at_kill = _received(simulators)
    before = rig.statuses()
    assert at_kill < TOTAL and before.get("created", 0) > 0, (at_kill, before)

    killed = time.monotonic()
    rig.worker_start()
    _until_final(rig, simulators, timeout=600)
    print(f"rig and seed {seeded - started:.1f} s, until the kill {killed - seeded:.1f} s, after the restart {time.monotonic() - killed:.1f} s")

    assert rig.statuses() == {"delivered": TOTAL}
    smtp, sms = simulators.smtp.state(), simulators.sms.state()
    assert (smtp["received"], smtp["duplicates"], smtp["transactions"]) == (PERSONS, 0, PERSONS)
    assert (sms["received"], sms["duplicates"], sms["receipts_failed"]) == (PERSONS, 0, 0)
    assert sms["receipt_requests"] < sms["receipts_sent"]  # the receipts came back in batches
    print(f"killed after {at_kill} of {TOTAL} messages; statuses then {before}")


def test_slow_failing_and_muddled_providers_leave_correct_final_statuses_and_no_duplicates(rig, simulators):
    persons, invalid = 300, 5
    rig.env["PRONOIA_PROVIDER_TIMEOUT_SECONDS"] = "2"
    rig.portal_start()
    simulators.sms.faults(
        delay_seconds=0.05, fail_next=20, accept_then_fail=10,
        receipts_twice=True, receipts_out_of_order=True, receipt_delay_seconds=0.05,
    )
    simulators.smtp.faults(refuse_all="451 4.3.0 Try again later")  # every first e-mail attempt fails
    counts = _seed(rig, persons=persons, invalid_numbers=invalid)
    assert counts["created"] == 2 * persons

    rig.worker_start()
    deadline = time.monotonic() + 180
    email_failed = "SELECT COUNT(*) FROM notifications_notification WHERE channel = 'email' AND status = 'temporary-failure'"
    while rig.query(email_failed)[0][0] < persons:
        assert time.monotonic() < deadline, f"the e-mails were not all tried: {rig.statuses()}"
        time.sleep(0.2)
    assert simulators.smtp.state()["refused"] >= persons
    simulators.smtp.faults(refuse_all=None)  # the relay recovers; the retries go through
    _until_final(rig, simulators, timeout=300)

    statuses = dict(rig.query("SELECT channel || ':' || status, COUNT(*) FROM notifications_notification GROUP BY channel, status"))
    # A number that does not exist fails for good; its fallback is the inbox (they had e-mail already).
    assert statuses == {"email:delivered": persons, "sms:delivered": persons - invalid, "sms:permanent-failure": invalid, "inbox:delivered": invalid}, statuses
    smtp, sms = simulators.smtp.state(), simulators.sms.state()
    assert smtp["duplicates"] == 0 and smtp["received"] == persons
    # The gateway keeps one message per reference; a resubmission it answered with the first one is
    # counted, and only a send that got a 500 after being kept (accept_then_fail) may cause one.
    assert sms["received"] == persons and sms["duplicates"] <= 10
    assert sms["receipts_failed"] == 0 and sms["receipts_sent"] >= 4 * persons - 40  # twice × two receipts each
    retried = rig.query("SELECT COUNT(*) FROM notifications_notification WHERE channel = 'email' AND attempts > 1")[0][0]
    assert retried >= persons  # the relay's 451 was retried, not taken as final
