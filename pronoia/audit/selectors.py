"""Reads of the audit trail and of the personal-data access log. Selectors of the log take the actor.

Reading the access log is not itself written to the access log (it would log forever): the
citizen reads their own entries, and an auditor's searches are recorded as audit events.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from pronoia.accounts.actors import Actor
from pronoia.accounts.roles import Channel, DataCategory, Role
from pronoia.audit.models import AuditEvent, DataAccessEntry
from pronoia.core.errors import PermissionDenied, PronoiaError

CITIZEN_PAGE_SIZE = 25
AUDITOR_PAGE_SIZE = 50
PAGE_SIZE_MAX = 100
# What a citizen may see of an entry: never the staff member's user name or user id.
CITIZEN_COLUMNS = (
    "id", "occurred_at", "actor_role", "institution", "unit", "mandate_id", "categories",
    "purpose", "legal_basis", "channel", "request_id",
)


def audit_events_for_object(*, object_type: str, object_id) -> QuerySet[AuditEvent]:
    return AuditEvent.objects.filter(object_type=object_type, object_id=str(object_id))


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


@dataclass(frozen=True)
class DataAccessRow:
    """One access as the person whose data it was sees it."""

    id: int
    occurred_at: datetime.datetime
    actor_role: str
    actor_role_label: str
    institution: str
    unit: str
    mandate_id: int | None
    categories: list[tuple[str, str]]  # (code, label)
    purpose: str
    legal_basis: str
    channel: str
    channel_label: str
    reference: str

    @classmethod
    def from_values(cls, values: dict) -> DataAccessRow:
        role = values["actor_role"]
        if role:
            role_label = _label(Role, role)
        elif values["channel"] == Channel.COMMAND:
            role_label = _("Automated process of the institution")
        else:
            role_label = _("Not recorded")
        return cls(
            id=values["id"],
            occurred_at=values["occurred_at"],
            actor_role=role,
            actor_role_label=role_label,
            institution=values["institution"],
            unit=values["unit"],
            mandate_id=values["mandate_id"],
            categories=[(code, _label(DataCategory, code)) for code in values["categories"].split(",") if code],
            purpose=values["purpose"],
            legal_basis=values["legal_basis"],
            channel=values["channel"],
            channel_label=_label(Channel, values["channel"]),
            reference=values["request_id"],
        )


def page_number_parse(value: str | None) -> int:
    """A page number from a query string: absent means 1; anything else must be 1 or more."""
    if value is None or value == "":
        return 1
    if not (value.isascii() and value.isdigit()) or len(value) > 9 or int(value) < 1:
        raise PronoiaError(code="invalid_page", message=_("The page must be a whole number of 1 or more."), field="page")
    return int(value)


def data_access_page_for_own_person(*, actor: Actor, page: int | str, page_size: int = CITIZEN_PAGE_SIZE, strict: bool = False) -> Page:
    """The signed-in person's own access log, newest first, as DataAccessRow objects.

    Only the person themselves: a representative sees their own log, never the principal's.
    `strict` raises for a page past the end (the API); otherwise the last page is shown.
    """
    if actor.person_id is None:
        raise PermissionDenied(code="not_a_citizen", message=_("Only a person signed in with eID can see who accessed their data."))
    if not 1 <= page_size <= PAGE_SIZE_MAX:
        raise PronoiaError(code="invalid_page_size", message=_("The page size must be between 1 and %(max)d.") % {"max": PAGE_SIZE_MAX}, field="page_size")
    entries = DataAccessEntry.objects.filter(person_id=actor.person_id).order_by("-id").values(*CITIZEN_COLUMNS)
    paginator = Paginator(entries, page_size, allow_empty_first_page=True)
    if strict and page > max(paginator.num_pages, 1):
        raise PronoiaError(code="invalid_page", message=_("There is no page %(page)d.") % {"page": page}, field="page", status_code=404)
    result = paginator.get_page(page)
    result.object_list = [DataAccessRow.from_values(values) for values in result.object_list]
    return result


@dataclass(frozen=True)
class DataAccessSearch:
    """An auditor's search of the whole log; every criterion is optional."""

    person_ids: tuple[int, ...] | None = None  # None: any person; (): nobody matched the national id
    actor: str = ""
    date_from: datetime.datetime | None = None  # inclusive
    date_to: datetime.datetime | None = None  # exclusive


def data_access_search(*, actor: Actor, search: DataAccessSearch) -> QuerySet[DataAccessEntry]:
    """Entries matching `search`, newest first; only for an auditor who confirmed their second factor."""
    if not actor.has_role(Role.AUDITOR):
        raise PermissionDenied(code="role_denied", message=_("Only auditors can search the access log."))
    if not actor.otp_verified:
        raise PermissionDenied(code="second_factor_required", message=_("Confirm your second factor first."))
    entries = DataAccessEntry.objects.order_by("-id")
    if search.person_ids is not None:
        entries = entries.filter(person_id__in=search.person_ids)
    if search.actor:
        match = Q(actor_label=search.actor)
        if search.actor.isascii() and search.actor.isdigit() and len(search.actor) <= 18:
            match |= Q(actor_user_id=int(search.actor))
        entries = entries.filter(match)
    if search.date_from is not None:
        entries = entries.filter(occurred_at__gte=search.date_from)
    if search.date_to is not None:
        entries = entries.filter(occurred_at__lt=search.date_to)
    return entries
