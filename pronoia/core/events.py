"""Domain events: `event_emit` records an event in the caller's transaction; handlers run after commit.

Names in use: application.submitted, application.status_changed, application.information_requested,
application.decided, document.ready. The payload must be JSON-serialisable (ids, codes, short texts;
never a whole record of personal data).

Handlers registered with `event_handler_register(name, fn)` are called with the DomainEvent after
the surrounding transaction commits (at once outside a transaction). A rolled-back change emits
nothing. A failing handler is logged and does not affect the others or the committed change:
consumers that must not miss an event read the DomainEvent table (it is the durable record).
"""
from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable

from django.db import transaction

logger = logging.getLogger(__name__)

EVENT_NAME = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$")
# Handlers per event name; "*" receives every event. Registered at import time (AppConfig.ready),
# never changed while serving, so the per-process registry is safe with many processes.
_handlers: dict[str, list[Callable]] = {}


def event_handler_register(name: str, fn: Callable) -> None:
    """Call `fn(event)` after commit for every event called `name` ("*" for all). Idempotent."""
    if name != "*" and not EVENT_NAME.match(name):
        raise ValueError(f"bad event name: {name!r}")
    handlers = _handlers.setdefault(name, [])
    if fn not in handlers:
        handlers.append(fn)


def event_handler_unregister(name: str, fn: Callable) -> None:
    handlers = _handlers.get(name, [])
    if fn in handlers:
        handlers.remove(fn)


def _dispatch(event) -> None:
    for fn in [*_handlers.get(event.name, ()), *_handlers.get("*", ())]:
        try:
            fn(event)
        except Exception:  # a consumer's bug must not break the change that was committed
            logger.exception("domain event handler %r failed for %s #%s", fn, event.name, event.pk)


def event_emit(name: str, *, payload: dict):
    """Record the event `name` with `payload` now (in the caller's transaction) and dispatch it after commit."""
    from pronoia.core.models import DomainEvent

    if not EVENT_NAME.match(name):
        raise ValueError(f"bad event name: {name!r}")
    # Fail here, at the caller, rather than at commit time when the payload is not JSON.
    json.dumps(payload)
    event = DomainEvent.objects.create(name=name, payload=payload)
    transaction.on_commit(lambda: _dispatch(event))
    return event
