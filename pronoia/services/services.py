"""Writes of applications: submission with a gapless protocol number, the status machine, the
automatic path of the certificates, and the links to documents and correction requests.

Back-office writes (assignment, information requests, decisions, contacts) are in casework.py.

Status machine (docs/applications.md):

    submitted -> in_review -> information_requested -> information_provided -> in_review ...
    in_review -> approved | rejected;  approved -> issued;  submitted -> approved (automatic path)
    any status that is not final (rejected, issued, failed) -> failed, with a reason

Every transition is a StatusChange row (who, role, when, why, details), an audit event and a
domain event, written in one transaction with the new status.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from pronoia.accounts.access import CASEWORK_ROLES, person_data_access_check, person_data_access_decide
from pronoia.accounts.actors import Actor
from pronoia.accounts.roles import Channel, DataCategory
from pronoia.audit.services import audit_record
from pronoia.core.errors import NotFound, PermissionDenied, PronoiaError
from pronoia.core.events import event_emit
from pronoia.people.models import Person
from pronoia.services.models import (
    Application,
    ApplicationDocument,
    ApplicationStatus,
    ApplicationUpload,
    ApprovalState,
    ProtocolCounter,
    StatusChange,
)

logger = logging.getLogger(__name__)

S = ApplicationStatus
# Allowed moves; "failed" is reachable from every status that is not final (added below).
TRANSITIONS: dict[str, frozenset[str]] = {
    S.SUBMITTED: frozenset({S.IN_REVIEW, S.APPROVED}),
    S.IN_REVIEW: frozenset({S.INFORMATION_REQUESTED, S.APPROVED, S.REJECTED}),
    S.INFORMATION_REQUESTED: frozenset({S.INFORMATION_PROVIDED}),
    S.INFORMATION_PROVIDED: frozenset({S.IN_REVIEW}),
    S.APPROVED: frozenset({S.ISSUED}),
}
TRANSITIONS = {status: targets | {S.FAILED} for status, targets in TRANSITIONS.items()}

# The same submission (person, service, answers, files) within this window returns the first one.
DUPLICATE_WINDOW = dt.timedelta(minutes=10)
# Deadline of an automatic service that could not decide at once (the catalogue gives 0 days).
REVIEW_FALLBACK_SLA_DAYS = 10
REASON_MAX_CHARS = 4000
SYSTEM_LABEL = "system"
ACR_LEVELS = ("low", "substantial", "high")
PORTAL_LANGUAGES = ("en", "el", "pl", "bg", "ru")
# Open data-quality flags that stop the automatic certificate: the totals it would certify may be
# wrong. Career gaps and earnings outliers are facts or hints, not errors, and do not block.
BLOCKING_FLAG_CODES = ("conflicting_month", "overlap_excess_days")
# The correction service of each country pack ends its code with this (docs/applications.md).
CORRECTION_SERVICE_SUFFIX = "-insurance-data-correction"
# Whoever submits through the "non-EU" choice of the A1 form is routed to this unit.
INTERNATIONAL_UNIT = "international-relations"


@dataclass(frozen=True)
class Who:
    """Who made a change, as the history records it."""

    user_id: int | None
    label: str
    role: str

    @classmethod
    def of(cls, actor: Actor) -> Who:
        if actor.user_id is None:
            return cls(None, actor.username or SYSTEM_LABEL, actor.primary_role or SYSTEM_LABEL)
        return cls(actor.user_id, actor.username, actor.primary_role)

    @property
    def user(self):
        # Audit and history name the user by foreign key; an unsaved instance carrying the id is enough.
        return get_user_model()(pk=self.user_id) if self.user_id is not None else None


SYSTEM = Who(None, SYSTEM_LABEL, SYSTEM_LABEL)


class ApplicationFormInvalid(PronoiaError):
    """The answers do not pass the service's form; `errors` maps field -> messages ("" form-level)."""

    def __init__(self, errors: Mapping[str, list[str]]):
        self.errors = {str(k): [str(m) for m in v] for k, v in errors.items()}
        field = next((k for k, v in self.errors.items() if v), "")
        first = self.errors.get(field, [""])[0] if field in self.errors else ""
        super().__init__(
            code="form_invalid",
            message=_("Check your answers: %(problem)s") % {"problem": first} if first else _("Check your answers."),
            field=field or None,
        )

    def as_dict(self) -> dict:
        return {**super().as_dict(), "errors": self.errors}


# --- small helpers ----------------------------------------------------------------------------


def working_days_after(start: dt.datetime, days: int) -> dt.datetime:
    """`start` moved on by `days` working days (Monday to Friday; public holidays are not modelled)."""
    moment = start
    remaining = days
    while remaining > 0:
        moment += dt.timedelta(days=1)
        if moment.weekday() < 5:
            remaining -= 1
    return moment


def _reason_clean(reason: str, *, required: bool = True, field: str = "reason") -> str:
    text = (reason or "").replace("\r\n", "\n").strip()
    if required and not text:
        raise PronoiaError(code="reason_required", message=_("Give the reason."), field=field)
    if len(text) > REASON_MAX_CHARS:
        raise PronoiaError(
            code="reason_too_long",
            message=_("Write at most %(max)s characters (you wrote %(count)s).") % {"max": REASON_MAX_CHARS, "count": len(text)},
            field=field,
        )
    return text


def _subject_person_id(actor: Actor) -> int:
    if not actor.is_authenticated:
        raise PronoiaError(code="not_signed_in", message=_("Sign in to apply."), status_code=401)
    if actor.subject_person_id is None:
        raise PermissionDenied(
            code="mandate_for_employer",
            message=_("You are acting for an employer. Stop acting for them to apply for yourself."),
        )
    return actor.subject_person_id


def acr_sufficient(loa: str, minimum: str) -> bool:
    return loa in ACR_LEVELS and ACR_LEVELS.index(loa) >= ACR_LEVELS.index(minimum if minimum in ACR_LEVELS else "high")


def acr_check(actor: Actor, *, service_code: str, min_acr: str) -> None:
    """Refuse when the eID login is weaker than the service needs; the message says how to fix it."""
    if acr_sufficient(actor.loa, min_acr):
        return
    labels = {"low": _("low"), "substantial": _("substantial"), "high": _("high")}
    sign_in = f"{reverse('accounts:sign_in')}?next={reverse('applications:apply', args=[service_code])}"
    error = PermissionDenied(
        code="acr_too_low",
        message=_(
            "This service needs a sign-in at assurance level %(needed)s; you signed in at level %(current)s. "
            "Sign in again with a means of identification at level %(needed)s."
        )
        % {"needed": labels.get(min_acr, min_acr), "current": labels.get(actor.loa, _("unknown"))},
    )
    error.sign_in_url = sign_in
    raise error


def _fingerprint(person_id: int, service_code: str, cleaned: Mapping, files: Mapping) -> str:
    file_hashes = {}
    for name, upload in sorted(files.items()):
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        file_hashes[name] = digest.hexdigest()
    body = json.dumps({"p": person_id, "s": service_code, "d": cleaned, "f": file_hashes}, sort_keys=True, default=str)
    return hashlib.sha256(body.encode()).hexdigest()


def _json_safe(data: Mapping) -> dict:
    """The cleaned answers as stored JSON (dates and decimals as text)."""
    return json.loads(json.dumps(dict(data), default=str))


def _event_payload(application: Application, **extra: Any) -> dict:
    return {
        "application_id": application.pk,
        "protocol": application.protocol,
        "person_id": application.person_id,
        "service_code": application.service_code,
        "status": application.status,
        "language": application.language,
        **extra,
    }


def _audit(application: Application, who: Who, action: str, *, reason: str = "", **data: Any) -> None:
    audit_record(
        action=action,
        object_type="application",
        object_id=application.pk,
        actor=who.user,
        actor_label=who.label,
        person_id=application.person_id,
        reason=reason,
        data={"protocol": application.protocol, "actor_role": who.role, **data},
    )


# --- protocol numbers -------------------------------------------------------------------------


def protocol_number_take(year: int) -> int:
    """The next number of `year`; call inside the transaction that inserts the application.

    The year's counter row is created if missing (INSERT ... ON CONFLICT DO NOTHING) and then
    locked (SELECT ... FOR UPDATE on PostgreSQL; SQLite runs IMMEDIATE transactions, one writer at
    a time) until the caller commits, so numbers are unique; a rolled-back submission rolls the
    counter back too, so there are no gaps.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("protocol_number_take must run inside the application's transaction")
    ProtocolCounter.objects.bulk_create([ProtocolCounter(year=year, last_number=0)], ignore_conflicts=True)
    counter = ProtocolCounter.objects.select_for_update().get(year=year)
    ProtocolCounter.objects.filter(year=year).update(last_number=F("last_number") + 1)
    return counter.last_number + 1


def protocol_format(year: int, number: int) -> str:
    return f"{year:04d}/{number:07d}"


# --- the status machine -----------------------------------------------------------------------


def _status_change(application: Application, to_status: str, *, who: Who, reason: str, now: dt.datetime | None = None, **details: Any) -> Application:
    """Move the (locked) application to `to_status`, recording history, audit and events."""
    from_status = application.status
    if to_status not in TRANSITIONS.get(from_status, frozenset()):
        raise PronoiaError(
            code="transition_not_allowed",
            message=_("An application that is %(current)s cannot become %(target)s.")
            % {"current": S(from_status).label, "target": S(to_status).label if to_status in S.values else to_status},
            field="status",
            status_code=409,
        )
    now = now or timezone.now()
    application.status = to_status
    update = ["status", "updated_at"]
    if to_status == S.FAILED:
        application.failure_reason = reason
        update.append("failure_reason")
    if to_status in (S.APPROVED, S.REJECTED):
        application.decided_at = now
        update.append("decided_at")
    application.save(update_fields=update)
    StatusChange.objects.create(
        application=application,
        from_status=from_status,
        to_status=to_status,
        actor_id=who.user_id,
        actor_label=who.label,
        actor_role=who.role,
        at=now,
        reason=reason,
        details=details,
    )
    _audit(application, who, "application_status_changed", reason=reason, from_status=from_status, to_status=to_status, **details)
    event_emit("application.status_changed", payload=_event_payload(application, from_status=from_status, to_status=to_status, reason=reason))
    return application


def _application_locked(application_id: int) -> Application:
    application = Application.objects.select_for_update().filter(pk=application_id).first()
    if application is None:
        raise NotFound(code="application_not_found", message=_("There is no such application."))
    return application


def staff_actor_require(actor: Actor, roles=CASEWORK_ROLES) -> None:
    """Back-office writes: a staff member holding one of `roles` with a verified second factor,
    or the institution's own command (no user)."""
    if actor.channel == Channel.COMMAND and actor.user_id is None:
        return
    if not actor.is_authenticated:
        raise PronoiaError(code="not_signed_in", message=_("Sign in first."), status_code=401)
    if not actor.has_role(*roles):
        raise PermissionDenied(code="role_denied", message=_("Your role does not allow this action on applications."))
    if not actor.otp_verified:
        raise PermissionDenied(code="second_factor_required", message=_("Confirm your second factor first."))


@transaction.atomic
def application_transition(*, actor: Actor, application_id: int, to_status: str, reason: str, **details: Any) -> Application:
    """Move an application to `to_status` for a back-office `actor` (or a command), with a reason.

    Refuses moves the status machine does not allow with a clear message (code
    "transition_not_allowed", 409). The person's own steps (answering a question) have their own
    function (casework.application_information_provide).
    """
    staff_actor_require(actor)
    if to_status not in S.values:
        raise PronoiaError(code="status_unknown", message=_("%(status)s is not a status of applications.") % {"status": str(to_status)[:40]}, field="status")
    reason = _reason_clean(reason)
    application = _application_locked(application_id)
    return _status_change(application, to_status, who=Who.of(actor), reason=reason, **details)


# --- submission -------------------------------------------------------------------------------


def _upload_limits(definition, field: str) -> tuple[tuple[str, ...], int]:
    """The accepted types and size limit of an upload field, from the form definition."""
    from pronoia.services.forms.definitions import MAX_UPLOAD_BYTES, UPLOAD_TYPES

    spec = definition.field(field)
    return tuple(spec.accept or UPLOAD_TYPES), int(spec.max_bytes or MAX_UPLOAD_BYTES)


def _routing_unit(service, cleaned: Mapping) -> str:
    """The work-queue unit: the catalogue's, except the A1 form's non-EU choice (international relations)."""
    if service.code.endswith("-a1-document") and cleaned.get("work_location") == "non_eu":
        return INTERNATIONAL_UNIT
    return service.handling.unit


def application_submit(
    *,
    actor: Actor,
    service_code: str,
    data: Mapping,
    files: Mapping | None = None,
    source: str = "html",
    language: str,
) -> Application:
    """Validate the answers with the service's form, number and record the application, issue the
    certificate of submission, and run the automatic path when the service has one.

    The person is the actor's subject (the principal under a mandate covering "applications").
    Raises ApplicationFormInvalid (field errors), PermissionDenied (acr too low: `sign_in_url` says
    where to sign in again; mandate scope), NotFound (unknown service). The same submission within
    DUPLICATE_WINDOW returns the first application and writes nothing.
    """
    from pronoia.services.catalogue.selectors import catalogue_service_get
    from pronoia.services.forms.definitions import form_definition_get
    from pronoia.services.forms.prefill import form_prefill
    from pronoia.services.forms.validation import form_validate

    person_id = _subject_person_id(actor)
    service = catalogue_service_get(service_code)
    person_data_access_decide(actor, person_id=person_id, categories=[DataCategory.APPLICATIONS])
    acr_check(actor, service_code=service.code, min_acr=service.handling.min_acr)
    definition = form_definition_get(service.form)
    # Values known from the file are re-applied whatever the client sent.
    prefilled = form_prefill(definition, actor=actor, person_id=person_id)
    result = form_validate(definition, data, files=files or {}, source=source, prefilled=prefilled)
    if not result.is_valid:
        raise ApplicationFormInvalid(result.errors)
    cleaned = _json_safe(result.cleaned)
    fingerprint = _fingerprint(person_id, service.code, cleaned, result.files)

    with transaction.atomic():
        # One submission of a person at a time: two identical clicks cannot both insert.
        Person.objects.select_for_update().filter(pk=person_id).exists()
        earlier = Application.objects.filter(fingerprint=fingerprint, submitted_at__gte=timezone.now() - DUPLICATE_WINDOW).order_by("-submitted_at").first()
        if earlier is not None:
            return earlier
        person_data_access_check(actor, person_id=person_id, categories=[DataCategory.APPLICATIONS])
        correction = None
        if service.code.endswith(CORRECTION_SERVICE_SUFFIX):
            correction = _correction_request_write(actor=actor, person_id=person_id, definition=definition, cleaned=cleaned, language=language)
            tracked = Application.objects.filter(correction_request=correction).first()
            if tracked is not None:  # the same request sent from the insurance record page
                return tracked
        # Stored last, once every check passed: upload_store refuses a bad file before writing it,
        # and only a database failure of the inserts below could still leave a stored file unused.
        stored = []
        if result.files:
            from pronoia.documents.services import upload_store
        for field, upload in result.files.items():
            accept, max_bytes = _upload_limits(definition, field)
            try:
                stored.append((field, upload_store(upload, person_id=person_id, accept=accept, max_bytes=max_bytes, field=field)))
            except PronoiaError as exc:
                raise ApplicationFormInvalid({exc.field or field: [exc.message]}) from exc
        application = _application_insert(
            actor=actor,
            person_id=person_id,
            service=service,
            form_name=service.form,
            data=cleaned,
            fingerprint=fingerprint,
            language=language,
            unit=_routing_unit(service, cleaned),
            correction_request=correction,
        )
        for field, info in stored:
            ApplicationUpload.objects.create(application=application, upload_id=info.id, field=field, filename=getattr(info, "filename", "")[:200])

    # After commit, outside the protocol lock: sealing PDFs takes time.
    receipt_ensure_or_retry_later(application_id=application.pk)
    if service.handling.automatic and application.unit == service.handling.unit:
        application_automatic_decide(actor=actor, application_id=application.pk)
    else:
        from pronoia.services.casework import case_assign_automatically

        case_assign_automatically(application_id=application.pk)
    application.refresh_from_db()
    return application


def _application_insert(*, actor: Actor, person_id: int, service, form_name: str, data: dict, fingerprint: str, language: str, unit: str, correction_request=None) -> Application:
    """Number and insert the application with its first history entry (inside the caller's transaction)."""
    now = timezone.now()
    year = now.year
    number = protocol_number_take(year)
    sla_days = service.handling.sla_days or (REVIEW_FALLBACK_SLA_DAYS if service.handling.automatic else 0)
    who = Who.of(actor)
    application = Application.objects.create(
        protocol=protocol_format(year, number),
        year=year,
        number=number,
        person_id=person_id,
        service_code=service.code,
        form_name=form_name,
        data=data,
        fingerprint=fingerprint,
        language=(language or "en")[:8],
        status=S.SUBMITTED,
        submitted_by_id=actor.user_id,
        submitted_by_label=who.label,
        acting_mandate_id=actor.acting_for.mandate_id if actor.acting_for is not None else None,
        channel=actor.channel,
        unit=unit,
        due_at=working_days_after(now, sla_days) if sla_days else None,
        second_approval_required=service.handling.second_approval,
        approval_state=ApprovalState.PENDING if service.handling.second_approval else ApprovalState.NOT_NEEDED,
        correction_request=correction_request,
        submitted_at=now,
    )
    StatusChange.objects.create(
        application=application,
        from_status="",
        to_status=S.SUBMITTED,
        actor_id=who.user_id,
        actor_label=who.label,
        actor_role=who.role,
        at=now,
        reason=gettext_noop("Application submitted"),
        details={"mandate_id": application.acting_mandate_id, "channel": actor.channel},
    )
    _audit(application, who, "application_submitted", mandate_id=application.acting_mandate_id, service_code=service.code, request_id=actor.request_id)
    event_emit("application.submitted", payload=_event_payload(application, unit=unit))
    return application


# --- documents --------------------------------------------------------------------------------


def document_link(application: Application, info, *, role: str) -> ApplicationDocument:
    """Record that document `info` (IssuedDocumentInfo) belongs to the application (the documents
    app emits "document.ready" when it issues one)."""
    link, _created = ApplicationDocument.objects.get_or_create(
        application=application,
        document_id=info.id,
        defaults={"role": role, "kind": info.kind, "filename": (info.filename or "")[:200]},
    )
    return link


def application_receipt_ensure(*, application_id: int) -> ApplicationDocument | None:
    """Issue the certificate of submission if the application has none yet; None when issuing failed
    (logged; the application page offers it again). Safe to call repeatedly."""
    from pronoia.documents.services import submission_receipt_issue
    from pronoia.services.catalogue.selectors import catalogue_service_get
    from pronoia.services.forms.definitions import form_definition_get
    from pronoia.services.forms.rendering import form_summary

    existing = ApplicationDocument.objects.filter(application_id=application_id, role=ApplicationDocument.Role.RECEIPT).first()
    if existing is not None:
        return existing
    application = Application.objects.get(pk=application_id)
    try:
        service = catalogue_service_get(application.service_code)
        try:
            summary = form_summary(form_definition_get(application.form_name), application.data, language=application.language)
        except NotFound:
            summary = [(str(k), str(v)) for k, v in application.data.items()]
        info = submission_receipt_issue(
            person_id=application.person_id,
            language=application.language,
            protocol=application.protocol,
            service_title=service.title(application.language),
            submitted_at=application.submitted_at,
            summary=summary,
        )
    except PronoiaError:
        logger.exception("submission receipt of %s could not be issued", application.protocol)
        return None
    with transaction.atomic():
        try:
            with transaction.atomic():
                return document_link(application, info, role=ApplicationDocument.Role.RECEIPT)
        except IntegrityError:  # issued twice at once: keep the first
            return ApplicationDocument.objects.filter(application_id=application_id, role=ApplicationDocument.Role.RECEIPT).first()


def receipt_ensure_or_retry_later(*, application_id: int) -> ApplicationDocument | None:
    """The certificate of submission now; when sealing is unavailable (the time-stamp authority
    overloaded or down), a background task tries again with backoff and the application page says
    the certificate is being prepared. The submission itself never fails for it."""
    receipt = application_receipt_ensure(application_id=application_id)
    if receipt is None:
        from pronoia.services.tasks import application_receipt_retry

        application_receipt_retry(application_id)
    return receipt


# --- the automatic path -----------------------------------------------------------------------


def blocking_problems_for_person(person_id: int) -> dict:
    """What stops an automatic certificate: open flags of BLOCKING_FLAG_CODES, and records that may
    be the person's but wait for a linkage review (their "unmatched record" flags name no person).
    {"flags": [DataQualityFlag], "linkage_reviews": int}."""
    from pronoia.insurance.models import DataQualityFlag, LinkageReview

    flags = list(
        DataQualityFlag.objects.filter(person_id=person_id, status=DataQualityFlag.Status.OPEN, code__in=BLOCKING_FLAG_CODES).order_by("code", "key")
    )
    reviews = LinkageReview.objects.filter(status=LinkageReview.Status.OPEN, candidates__person_id=person_id).distinct().count()
    return {"flags": flags, "linkage_reviews": reviews}


def certificate_language(application: Application) -> str:
    """The language the person chose for the certificate (form field certificate_language), else the application's."""
    chosen = application.data.get("certificate_language")
    return chosen if chosen in PORTAL_LANGUAGES else application.language


def _automatic_issuer(kind: str):
    from pronoia.documents import services as documents

    return {
        "insurance_history_certificate": documents.insurance_history_certificate_issue,
        "insurance_status_certificate": documents.insurance_status_certificate_issue,
    }[kind]


def application_automatic_decide(*, actor: Actor, application_id: int) -> Application:
    """The automatic path: without blocking problems, submitted -> approved -> issued at once by
    "system" with the certificate; otherwise the application waits for a handler and keeps the
    ids of the flags that block (the person is told which, and offered a correction request).
    If the certificate cannot be issued, nothing changes and the case goes to the queue."""
    from pronoia.services.casework import case_assign_automatically
    from pronoia.services.catalogue.selectors import catalogue_service_get

    application = Application.objects.get(pk=application_id)
    service = catalogue_service_get(application.service_code)
    kind = service.handling.automatic
    if application.status != S.SUBMITTED or not kind:
        return application
    problems = blocking_problems_for_person(application.person_id)
    if problems["flags"] or problems["linkage_reviews"]:
        with transaction.atomic():
            application = _application_locked(application_id)
            application.blocking_flag_ids = [flag.pk for flag in problems["flags"]]
            application.blocked_by_linkage_review = problems["linkage_reviews"] > 0
            application.save(update_fields=["blocking_flag_ids", "blocked_by_linkage_review", "updated_at"])
            _audit(application, SYSTEM, "application_automatic_blocked", flag_ids=application.blocking_flag_ids, linkage_reviews=problems["linkage_reviews"])
        case_assign_automatically(application_id=application.pk)
        return application
    try:
        with transaction.atomic():
            application = _application_locked(application_id)
            _status_change(application, S.APPROVED, who=SYSTEM, reason=gettext_noop("No blocking problems in the insurance file: approved at once."))
            info = _automatic_issuer(kind)(actor=actor, person_id=application.person_id, language=certificate_language(application), protocol=application.protocol)
            document_link(application, info, role=ApplicationDocument.Role.OUTPUT)
            _status_change(application, S.ISSUED, who=SYSTEM, reason=gettext_noop("The certificate was issued."), document_id=info.id)
    except PronoiaError as exc:
        logger.exception("automatic certificate of %s failed", application.protocol)
        with transaction.atomic():
            application = _application_locked(application_id)
            _audit(application, SYSTEM, "application_automatic_failed", error=exc.code)
        case_assign_automatically(application_id=application.pk)
    application.refresh_from_db()
    return application


def application_output_issue(*, actor: Actor, application: Application, who: Who) -> None:
    """After approval by a handler (inside the decision's transaction): issue the service's
    certificate when it has an automatic kind, else the decision document is the output; then
    approved -> issued."""
    from pronoia.services.catalogue.selectors import catalogue_service_get

    kind = catalogue_service_get(application.service_code).handling.automatic
    document_id = None
    if kind:
        info = _automatic_issuer(kind)(actor=actor, person_id=application.person_id, language=certificate_language(application), protocol=application.protocol)
        document_link(application, info, role=ApplicationDocument.Role.OUTPUT)
        document_id = info.id
        reason = gettext_noop("The certificate was issued.")
    else:
        reason = gettext_noop("The decision document was issued.")
    _status_change(application, S.ISSUED, who=who, reason=reason, document_id=document_id)


# --- correction requests (R-FILE-3) -----------------------------------------------------------


def correction_service_code(country: str) -> str:
    return f"{country}{CORRECTION_SERVICE_SUFFIX}"


def correction_application_open(*, actor: Actor, correction) -> Application | None:
    """Track a new insurance correction request as an application of the country's correction
    service (called by insurance.corrections inside the request's transaction). None when the
    country pack has no correction service (the request stays a plain correction request)."""
    from pronoia.services.catalogue.selectors import catalogue_service_get

    existing = Application.objects.filter(correction_request=correction).first()
    if existing is not None:
        return existing
    person = correction.person
    try:
        service = catalogue_service_get(correction_service_code(person.country))
    except NotFound:
        return None
    data = {"message": correction.message, "period_id": correction.period_id, "flag_id": correction.flag_id}
    application = _application_insert(
        actor=actor,
        person_id=person.pk,
        service=service,
        form_name=service.form,
        data=data,
        fingerprint=hashlib.sha256(f"correction:{correction.pk}".encode()).hexdigest(),
        language=_active_language(),
        unit=service.handling.unit,
        correction_request=correction,
    )
    application_id = application.pk

    def after_commit() -> None:
        from pronoia.services.casework import case_assign_automatically

        receipt_ensure_or_retry_later(application_id=application_id)
        case_assign_automatically(application_id=application_id)

    transaction.on_commit(after_commit)
    return application


def _active_language() -> str:
    from django.utils.translation import get_language

    return (get_language() or "en").split("-")[0]


def _correction_request_write(*, actor: Actor, person_id: int, definition, cleaned: Mapping, language: str):
    """The correction service applied for through its form: the insurance correction request is
    written too (its ownership checks and duplicate window apply) and linked to the application."""
    from pronoia.insurance.corrections import correction_request_submit
    from pronoia.insurance.selectors import correction_form_target_get
    from pronoia.services.forms.rendering import form_summary

    def _id(name: str) -> int | None:
        value = cleaned.get(name)
        if value in (None, ""):
            return None
        try:
            return int(value)
        except (TypeError, ValueError):
            raise ApplicationFormInvalid({name: [_("Choose an entry of your insurance record.")]}) from None

    person = Person.objects.get(pk=person_id)
    # The message staff read in the insurance file: the answers other than the ids, in the person's language.
    shown = {key: value for key, value in cleaned.items() if key not in ("period_id", "flag_id", "declaration", "evidence", "surname", "given_name", "national_id")}
    message = "\n".join(f"{label}: {value}" for label, value in form_summary(definition, shown, language=language))
    try:
        target = correction_form_target_get(actor=actor, person=person, period_id=_id("period_id"), flag_id=_id("flag_id"))
        return correction_request_submit(
            actor=actor, person=person, message=message, period=target["period"], flag=target["flag"], track_as_application=False
        )
    except PermissionDenied:
        raise
    except PronoiaError as exc:
        field = {"message": "explanation", "flag": "flag_id", "period": "period_id"}.get(exc.field or "", exc.field or "")
        raise ApplicationFormInvalid({field: [exc.message]}) from exc


def correction_outcome_apply(application: Application, *, outcome: str) -> None:
    """A decision on a correction application sets the correction request's status."""
    from pronoia.insurance.corrections import correction_request_outcome_set

    if application.correction_request_id is not None:
        correction_request_outcome_set(correction_id=application.correction_request_id, accepted=outcome == "approve")


__all__ = [
    "ApplicationFormInvalid",
    "Who",
    "SYSTEM",
    "application_submit",
    "application_transition",
    "application_receipt_ensure",
    "receipt_ensure_or_retry_later",
    "application_automatic_decide",
    "blocking_problems_for_person",
    "correction_application_open",
    "protocol_number_take",
    "working_days_after",
]
