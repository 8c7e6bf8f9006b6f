"""Writes for correction requests: a person asks to correct a period or a flagged problem."""
from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from pronoia.accounts.access import person_data_access_check, person_data_access_decide
from pronoia.accounts.actors import Actor
from pronoia.accounts.roles import DataCategory
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
    actor: Actor,
    person: Person,
    message: str,
    period: InsurancePeriod | None = None,
    flag: DataQualityFlag | None = None,
    purpose: str = "",
    track_as_application: bool = True,
) -> CorrectionRequest:
    """Record the request to correct `period` and/or `flag` (both optional) of `person`'s record.

    `actor` is the person themselves, or someone the access rules let change the person's
    corrections (a representative whose mandate covers "corrections"; the change is logged and
    the audit event names the mandate). The message is kept as plain text (escaped wherever it is
    shown). The period and the flag must belong to the person. Submitting the same request again
    within DUPLICATE_WINDOW is idempotent: the earlier request is returned and nothing new is written.
    The request is tracked as an application of the correction service (pronoia.services) unless
    `track_as_application` is False (the application itself is writing it).
    """
    person_data_access_decide(actor, person_id=person.pk, categories=[DataCategory.CORRECTIONS], purpose=purpose)
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

    # Checked (and logged, unless the actor is the person) only when something is written.
    person_data_access_check(actor, person_id=person.pk, categories=[DataCategory.CORRECTIONS], purpose=purpose)
    request = CorrectionRequest.objects.create(person=person, period=period, flag=flag, message=text, created_by_id=actor.user_id)
    # The audit event names the user by foreign key; an unsaved instance carrying the id is enough.
    created_by = get_user_model()(pk=actor.user_id) if actor.user_id is not None else None
    mandate_id = actor.acting_for.mandate_id if actor.acting_for is not None else None
    audit_record(
        action="correction_request_submitted",
        object_type="correction_request",
        object_id=request.pk,
        actor=created_by,
        actor_label=actor.username or "person",
        person_id=person.pk,
        data={
            "period_id": period.pk if period else None,
            "flag_id": flag.pk if flag else None,
            "mandate_id": mandate_id,
            "actor_role": actor.primary_role,
            "request_id": actor.request_id,
        },
    )
    # Tracked as an application of the correction service, handled in the back office (R-FILE-3).
    if track_as_application:
        from pronoia.services.services import correction_application_open

        correction_application_open(actor=actor, correction=request)
    return request


STATUS_BY_OUTCOME = {True: CorrectionRequest.Status.ACCEPTED, False: CorrectionRequest.Status.REJECTED}


def correction_request_outcome_set(*, correction_id: int, accepted: bool) -> CorrectionRequest:
    """The back office decided the correction's application: the request is accepted or rejected.

    Called by pronoia.services inside the decision's transaction (which writes the audit events);
    changing the periods themselves stays a separate, superseding import or staff correction.
    """
    request = CorrectionRequest.objects.select_for_update().get(pk=correction_id)
    request.status = STATUS_BY_OUTCOME[accepted]
    request.save(update_fields=["status"])
    return request
