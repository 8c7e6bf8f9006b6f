"""Writes for correction requests: a person asks to correct a period or a flagged problem."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pronoia.audit.services import audit_record
from pronoia.core.errors import NotFound, PronoiaError
from pronoia.insurance.models import CorrectionRequest, DataQualityFlag, InsurancePeriod
from pronoia.people.models import Person

MESSAGE_MAX_CHARS = 4000
# The same request sent again within this window (a double click, a reload) returns the first one.
DUPLICATE_WINDOW = dt.timedelta(minutes=10)


@transaction.atomic
def correction_request_submit(
    *,
    person: Person,
    message: str,
    period: InsurancePeriod | None = None,
    flag: DataQualityFlag | None = None,
    actor=None,
) -> CorrectionRequest:
    """Record the person's request to correct `period` and/or `flag` (both optional).

    The message is kept as plain text (escaped wherever it is shown). The period and the flag
    must belong to the person. Submitting the same request again within DUPLICATE_WINDOW is
    idempotent: the earlier request is returned and nothing new is written.
    """
    text = (message or "").replace("\r\n", "\n").strip()
    if not text:
        raise PronoiaError(code="message_required", message=_("Describe what is wrong and what it should be."), field="message")
    if len(text) > MESSAGE_MAX_CHARS:
        raise PronoiaError(
            code="message_too_long",
            message=_("The description must be %(max)s characters or fewer (it has %(count)s).")
            % {"max": MESSAGE_MAX_CHARS, "count": len(text)},
            field="message",
        )
    # Someone else's period or flag is reported as missing, so ids reveal nothing.
    if period is not None and period.person_id != person.pk:
        raise NotFound(code="period_not_found", message=_("This period is not in your insurance record."), field="period")
    if flag is not None and flag.person_id != person.pk:
        raise NotFound(code="flag_not_found", message=_("This flag is not in your insurance record."), field="flag")
    if period is None and flag is not None and flag.period_id is not None:
        period = flag.period

    # Serialise submissions of one person so that two identical clicks cannot both insert.
    Person.objects.select_for_update().filter(pk=person.pk).exists()
    earlier = (
        CorrectionRequest.objects.filter(
            person=person,
            period=period,
            flag=flag,
            message=text,
            created_at__gte=timezone.now() - DUPLICATE_WINDOW,
        )
        .order_by("-created_at")
        .first()
    )
    if earlier is not None:
        return earlier

    created_by = actor if (actor is not None and getattr(actor, "is_authenticated", False)) else None
    request = CorrectionRequest.objects.create(person=person, period=period, flag=flag, message=text, created_by=created_by)
    audit_record(
        action="correction_request_submitted",
        object_type="correction_request",
        object_id=request.pk,
        actor=created_by,
        actor_label="" if created_by else "person",
        person_id=person.pk,
        data={"period_id": period.pk if period else None, "flag_id": flag.pk if flag else None},
    )
    return request
