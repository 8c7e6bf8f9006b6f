"""Background work of the contact centre (Huey)."""
from __future__ import annotations

from huey.contrib.djhuey import db_task


@db_task(retries=2, retry_delay=30)
def knowledge_vectors_rebuild(country: str) -> None:
    """Build the country's retriever in the worker, so the dense vectors of the published texts are
    encoded and stored on disk (retrieval's cache, keyed by the texts) before the web processes ask.

    Idempotent: when nothing changed since the last build the cached vectors are reused.
    """
    from pronoia.contact.selectors.knowledge import knowledge_retriever_get

    knowledge_retriever_get(country=country)
