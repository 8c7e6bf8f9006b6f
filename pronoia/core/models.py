"""Models shared by every app: the domain-event log."""
from __future__ import annotations

from django.db import models


class DomainEvent(models.Model):
    """Something that happened in the domain (an application was submitted, a document is ready).

    Written in the same transaction as the change it describes, so an event exists exactly when
    the change was committed; consumers (the notifications issue) read the rows or register a
    handler (pronoia/core/events.py). Append-only.
    """

    name = models.CharField(max_length=100)
    payload = models.JSONField(default=dict)
    occurred_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        indexes = [models.Index(fields=["name", "occurred_at"], name="domain_event_name_time")]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk}"
