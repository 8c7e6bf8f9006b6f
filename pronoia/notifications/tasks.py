"""Background work of notifications (Huey). Tasks take ids and are idempotent: the database's
unique keys (EventFanout per event, the notification idempotency key, ProactiveNotice per person
and kind) and the status lifecycle make a repeated or concurrent run do nothing new."""
from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

logger = logging.getLogger(__name__)


@db_task(retries=3, retry_delay=30)
def event_fanout_task(event_id: int) -> int:
    from pronoia.notifications.fanout import event_fanout

    return event_fanout(event_id=event_id)


@db_task(retries=3, retry_delay=30)
def notifications_dispatch_task(notification_ids: list[int]) -> int:
    from pronoia.notifications.services import notifications_dispatch

    return notifications_dispatch(notification_ids=notification_ids)


def sweep_run() -> dict:
    """Events the handler missed, retries that are due, sends in doubt past their lease."""
    from django.conf import settings

    from pronoia.notifications.fanout import event_fanout, events_pending_ids
    from pronoia.notifications.services import notifications_due_ids

    fanned = 0
    for event_id in events_pending_ids():
        try:
            fanned += event_fanout(event_id=event_id)
        except Exception:  # one broken event must not stop the sweep for the others
            logger.exception("fan-out of event #%s failed; the next sweep tries again", event_id)
    due = notifications_due_ids()
    size = settings.NOTIFY_BATCH_SIZE
    for start in range(0, len(due), size):
        notifications_dispatch_task(due[start : start + size])
    return {"fanned_out": fanned, "dispatched": len(due)}


@db_periodic_task(crontab(minute="*"))
def notifications_sweep_task() -> dict:
    return sweep_run()


@db_periodic_task(crontab(hour="6", minute="15"))
def notifications_proactive_task() -> dict:
    from pronoia.notifications.proactive import proactive_pension_age_notify

    return proactive_pension_age_notify()
