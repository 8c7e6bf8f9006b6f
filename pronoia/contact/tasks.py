"""Background work of the contact centre (Huey)."""
from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task


@db_task(retries=2, retry_delay=30)
def knowledge_vectors_rebuild(country: str) -> None:
    """Encode the dense vectors of the country's published texts after a publish, retire or import,
    so that web processes never encode them inside a request (idempotent: see the service)."""
    from pronoia.contact.services.knowledge import knowledge_vectors_rebuild as vectors_rebuild

    vectors_rebuild(country=country)


@db_periodic_task(crontab(minute="7"))
def conversations_idle_close_task() -> int:
    """Every hour: end conversations left with the assistant for a day (see the service)."""
    from pronoia.contact.services.conversations import conversations_idle_close

    return conversations_idle_close()
