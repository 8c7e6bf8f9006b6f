"""The domain-event handler: hand the event id to a task. The periodic sweep catches what it misses."""
from __future__ import annotations


def event_received(event) -> None:
    from pronoia.notifications.tasks import event_fanout_task

    event_fanout_task(event.pk)
