"""Audit trail of staff actions on the insurance file (merges, splits, corrections)."""
from __future__ import annotations

from django.conf import settings
from django.db import models


class AuditEvent(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL)
    # Who acted when there is no user (a command, a task): e.g. "command:import_legacy".
    actor_label = models.CharField(max_length=100, blank=True)
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    person_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    reason = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}#{self.object_id}"


class DataAccessEntry(models.Model):
    """One read or change of a person's data by someone other than that person.

    Append-only (the database refuses UPDATE and DELETE on PostgreSQL and SQLite) and hash-chained:
    `entry_hash` = SHA-256 over `prev_hash` and the entry's canonical fields, so `pronoia
    audit_verify` finds any row that was changed, removed or inserted out of order. Actor and
    person are plain ids, not foreign keys: deleting a user must not rewrite the log.
    """

    occurred_at = models.DateTimeField(db_index=True)
    person_id = models.BigIntegerField(db_index=True)
    actor_user_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(max_length=150, blank=True)
    actor_role = models.CharField(max_length=32, blank=True)
    mandate_id = models.BigIntegerField(null=True, blank=True)
    # Data categories (accounts.roles.DataCategory values), sorted, comma-separated.
    categories = models.CharField(max_length=255)
    purpose = models.CharField(max_length=500, blank=True)
    legal_basis = models.CharField(max_length=255, blank=True)
    channel = models.CharField(max_length=32)
    request_id = models.CharField(max_length=64, blank=True)
    institution = models.CharField(max_length=200, blank=True)
    unit = models.CharField(max_length=100, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        ordering = ["id"]
        verbose_name_plural = "data access entries"
        indexes = [
            # "Who accessed my data": one person's entries, newest first.
            models.Index(fields=["person_id", "-id"], name="data_access_person_newest"),
        ]
        constraints = [
            # Each entry has at most one successor: two appends racing on the same head cannot fork the chain.
            models.UniqueConstraint(fields=["prev_hash"], name="data_access_one_successor_per_entry"),
        ]

    @property
    def actor_role_label(self) -> str:
        from pronoia.accounts.roles import Role

        return str(Role(self.actor_role).label) if self.actor_role in Role.values else self.actor_role

    @property
    def category_labels(self) -> list[str]:
        from pronoia.accounts.roles import DataCategory

        return [str(DataCategory(c).label) if c in DataCategory.values else c for c in self.categories.split(",") if c]

    def __str__(self) -> str:
        return f"#{self.pk} {self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} → person {self.person_id}"
