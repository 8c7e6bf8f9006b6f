"""Back-office writes on applications: assignment (manual and round-robin by load), information
requests and the person's answer, reasoned decisions with an optional second approval, contacts
of the international-relations unit, and failure with a reason.

Only the assigned handler acts on a case (an administrator may act on any); supervisors and
administrators assign. Every write records an audit event; status moves go through the status
machine in services.py.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Max, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from pronoia.accounts.access import person_data_access_check
from pronoia.accounts.actors import Actor
from pronoia.accounts.models import RoleAssignment
from pronoia.accounts.roles import DataCategory, Role
from pronoia.core.errors import NotFound, PermissionDenied, PronoiaError
from pronoia.core.events import event_emit
from pronoia.services.models import (
    OPEN_STATUSES,
    Application,
    ApplicationDocument,
    ApplicationStatus,
    ApplicationUpload,
    ApprovalState,
    ContactRecord,
    Decision,
    DecisionOutcome,
    InformationRequest,
)
from pronoia.services.services import (
    SYSTEM,
    Who,
    _application_locked,
    _audit,
    _event_payload,
    _reason_clean,
    _status_change,
    application_output_issue,
    correction_outcome_apply,
    document_link,
    staff_actor_require,
)

S = ApplicationStatus
# Roles that handle cases (hold the queue's work); supervisors and administrators also assign.
HANDLER_ROLES = (Role.CASE_HANDLER, Role.BRANCH_STAFF, Role.ADMINISTRATOR)
ASSIGNER_ROLES = (Role.SUPERVISOR, Role.ADMINISTRATOR)
ANSWER_MAX_CHARS = 4000
ANSWER_UPLOAD_ACCEPT = ("application/pdf", "image/jpeg", "image/png")
ANSWER_UPLOAD_MAX_BYTES = 10 * 1024 * 1024
ANSWER_UPLOADS_MAX = 5
CONTACT_NAME_MAX_CHARS = 200


def _user_label(user_id: int) -> str:
    user = get_user_model().objects.filter(pk=user_id).first()
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


def _handler_require(actor: Actor, application: Application) -> None:
    """Acting on a case: its assigned handler, or an administrator."""
    staff_actor_require(actor, HANDLER_ROLES)
    if actor.user_id is None or actor.has_role(Role.ADMINISTRATOR):
        return
    if application.assigned_to_id != actor.user_id:
        raise PermissionDenied(
            code="not_assigned",
            message=_("This case is not assigned to you. Take it first (or ask a supervisor to assign it)."),
        )


def _open_require(application: Application) -> None:
    if application.is_final:
        raise PronoiaError(
            code="application_closed",
            message=_("Application %(protocol)s is closed (%(status)s).") % {"protocol": application.protocol, "status": S(application.status).label},
            status_code=409,
        )


def _review_enter(application: Application, who: Who) -> None:
    """A handler's first action (or one after the person answered) moves the case into review."""
    if application.status in (S.SUBMITTED, S.INFORMATION_PROVIDED):
        reason = gettext_noop("The handler started the review.") if application.status == S.SUBMITTED else gettext_noop("The handler resumed the review with the answer.")
        _status_change(application, S.IN_REVIEW, who=who, reason=reason)


# --- assignment -------------------------------------------------------------------------------


def handlers_of_unit(unit: str) -> list[int]:
    """Active users holding the case-handler role in `unit`."""
    return list(
        RoleAssignment.objects.filter(role=Role.CASE_HANDLER, unit=unit, revoked_at__isnull=True, user__is_active=True, user__isnull=False)
        .values_list("user_id", flat=True)
        .distinct()
    )


def _assign(application: Application, user_id: int, who: Who, *, how: str) -> Application:
    previous = application.assigned_to_id
    application.assigned_to_id = user_id
    application.assigned_at = timezone.now()
    application.save(update_fields=["assigned_to", "assigned_at", "updated_at"])
    _audit(application, who, "application_assigned", assigned_to=user_id, previous=previous, how=how)
    return application


@transaction.atomic
def case_assign(*, actor: Actor, application_id: int, assignee_id: int | None = None) -> Application:
    """Assign the case: a handler takes it for themselves (assignee_id None or their own id);
    a supervisor or an administrator assigns it to a handler of the case's unit."""
    staff_actor_require(actor, (*HANDLER_ROLES, *ASSIGNER_ROLES))
    application = _application_locked(application_id)
    _open_require(application)
    assignee_id = assignee_id or actor.user_id
    if assignee_id != actor.user_id and not actor.has_role(*ASSIGNER_ROLES):
        raise PermissionDenied(code="assign_denied", message=_("Only a supervisor can assign a case to someone else."))
    if assignee_id == actor.user_id and not actor.has_role(*HANDLER_ROLES):
        raise PermissionDenied(code="assign_denied", message=_("Only case handlers can take cases."))
    if assignee_id != actor.user_id:
        holds = RoleAssignment.objects.filter(user_id=assignee_id, role__in=HANDLER_ROLES, revoked_at__isnull=True, user__is_active=True)
        if not holds.exists():
            raise PronoiaError(code="assignee_not_handler", message=_("Choose a case handler."), field="assignee")
    return _assign(application, assignee_id, Who.of(actor), how="manual")


@transaction.atomic
def case_assign_automatically(*, application_id: int) -> Application | None:
    """Round-robin by load: the unit's handler with the fewest open cases, ties to the one assigned
    least recently (then the lowest id). Nothing happens when the case is assigned, closed or its
    unit has no handler (it waits in the unit's queue)."""
    application = _application_locked(application_id)
    if application.assigned_to_id is not None or application.is_final:
        return application
    handlers = handlers_of_unit(application.unit)
    if not handlers:
        return None
    stats = {
        row["assigned_to"]: row
        for row in Application.objects.filter(assigned_to__in=handlers)
        .values("assigned_to")
        .annotate(open=Count("pk", filter=Q(status__in=OPEN_STATUSES)), last=Max("assigned_at"))
    }
    epoch = dt.datetime.min.replace(tzinfo=dt.timezone.utc)

    def load(user_id: int):
        row = stats.get(user_id, {})
        return (row.get("open", 0), row.get("last") or epoch, user_id)

    chosen = min(handlers, key=load)
    return _assign(application, chosen, SYSTEM, how="round_robin")


# --- information requests ---------------------------------------------------------------------


@transaction.atomic
def case_information_request(*, actor: Actor, application_id: int, question: str) -> InformationRequest:
    """Ask the person for more information; they answer in the portal (information_provided)."""
    application = _application_locked(application_id)
    _handler_require(actor, application)
    _open_require(application)
    question = _reason_clean(question, field="question")
    who = Who.of(actor)
    if application.approval_state == ApprovalState.AWAITING:
        raise PronoiaError(code="decision_pending", message=_("A decision waits for a second approval: it must be confirmed or returned first."), status_code=409)
    _review_enter(application, who)
    request = InformationRequest.objects.create(application=application, question=question, asked_by_id=who.user_id, asked_by_label=who.label, asked_at=timezone.now())
    _status_change(application, S.INFORMATION_REQUESTED, who=who, reason=question, information_request_id=request.pk)
    event_emit("application.information_requested", payload=_event_payload(application, information_request_id=request.pk))
    return request


@transaction.atomic
def application_information_provide(*, actor: Actor, application_id: int, answer: str, files: Mapping | None = None) -> InformationRequest:
    """The person (or their representative) answers the open question, with optional files;
    the case returns to its handler as information_provided."""
    application = Application.objects.select_for_update().filter(pk=application_id).first()
    if application is None or application.person_id != actor.subject_person_id:
        raise NotFound(code="application_not_found", message=_("There is no such application."))
    person_data_access_check(actor, person_id=application.person_id, categories=[DataCategory.APPLICATIONS])
    request = application.information_requests.filter(answered_at__isnull=True).order_by("-asked_at").first()
    if application.status != S.INFORMATION_REQUESTED or request is None:
        raise PronoiaError(code="no_open_question", message=_("There is no open question on this application."), status_code=409)
    text = (answer or "").replace("\r\n", "\n").strip()
    files = dict(files or {})
    if not text and not files:
        raise PronoiaError(code="answer_required", message=_("Write your answer or attach a file."), field="answer")
    if len(text) > ANSWER_MAX_CHARS:
        raise PronoiaError(
            code="answer_too_long",
            message=_("Write at most %(max)s characters (you wrote %(count)s).") % {"max": ANSWER_MAX_CHARS, "count": len(text)},
            field="answer",
        )
    if len(files) > ANSWER_UPLOADS_MAX:
        raise PronoiaError(code="too_many_files", message=_("Attach at most %(max)s files.") % {"max": ANSWER_UPLOADS_MAX}, field="files")
    who = Who.of(actor)
    if files:
        from pronoia.documents.services import upload_store
    for field, upload in files.items():
        info = upload_store(upload, person_id=application.person_id, accept=ANSWER_UPLOAD_ACCEPT, max_bytes=ANSWER_UPLOAD_MAX_BYTES, field="files")
        ApplicationUpload.objects.create(application=application, upload_id=info.id, field=field[:80], information_request=request, filename=(getattr(info, "filename", "") or "")[:200])
    request.answer = text
    request.answered_by_label = who.label
    request.answered_at = timezone.now()
    request.save(update_fields=["answer", "answered_by_label", "answered_at"])
    _status_change(application, S.INFORMATION_PROVIDED, who=who, reason=gettext_noop("The person answered the question."), information_request_id=request.pk, files=len(files))
    return request


# --- decisions --------------------------------------------------------------------------------


def _service_title(application: Application) -> str:
    from pronoia.services.catalogue.selectors import catalogue_service_get

    try:
        return catalogue_service_get(application.service_code).title(application.language)
    except NotFound:
        return application.service_code


def _decision_finalise(*, actor: Actor, application: Application, decision: Decision, who: Who) -> Decision:
    """Make the decision final: approved | rejected, the decision document, then (approved) issued."""
    from pronoia.documents.services import decision_document_issue

    to_status = S.APPROVED if decision.outcome == DecisionOutcome.APPROVE else S.REJECTED
    _status_change(application, to_status, who=who, reason=decision.reasons, decision_id=decision.pk)
    info = decision_document_issue(
        person_id=application.person_id,
        language=application.language,
        protocol=application.protocol,
        service_title=_service_title(application),
        outcome=decision.outcome,
        reasons=decision.reasons,
        decided_by=decision.decided_by_label,
        decided_at=decision.decided_at,
    )
    document_link(application, info, role=ApplicationDocument.Role.DECISION)
    decision.state = Decision.State.FINAL
    decision.document_id = info.id
    decision.save(update_fields=["state", "document_id", "second_approver", "second_approver_label", "second_approved_at", "second_note"])
    correction_outcome_apply(application, outcome=decision.outcome)
    event_emit("application.decided", payload=_event_payload(application, outcome=decision.outcome, decision_id=decision.pk, document_id=info.id))
    if to_status == S.APPROVED:
        application_output_issue(actor=actor, application=application, who=who)
    return decision


@transaction.atomic
def case_decide(*, actor: Actor, application_id: int, outcome: str, reasons: str) -> Decision:
    """A reasoned decision by the assigned handler. Services configured for a second approval keep
    it proposed until another handler confirms; otherwise it is final at once, with its decision
    document. Fails as a whole (nothing changed) when the document cannot be issued."""
    application = _application_locked(application_id)
    _handler_require(actor, application)
    _open_require(application)
    if outcome not in DecisionOutcome.values:
        raise PronoiaError(code="outcome_unknown", message=_("Choose approve or reject."), field="outcome")
    reasons = _reason_clean(reasons, field="reasons")
    if application.status not in (S.SUBMITTED, S.IN_REVIEW, S.INFORMATION_PROVIDED):
        raise PronoiaError(
            code="transition_not_allowed",
            message=_("An application that is %(current)s cannot be decided now.") % {"current": S(application.status).label},
            status_code=409,
        )
    if application.decisions.filter(state=Decision.State.PROPOSED).exists():
        raise PronoiaError(code="decision_pending", message=_("A decision already waits for a second approval."), status_code=409)
    who = Who.of(actor)
    _review_enter(application, who)
    decision = Decision.objects.create(
        application=application,
        outcome=outcome,
        reasons=reasons,
        state=Decision.State.PROPOSED,
        decided_by_id=who.user_id,
        decided_by_label=_user_label(who.user_id) if who.user_id else who.label,
        decided_at=timezone.now(),
    )
    if application.second_approval_required:
        application.approval_state = ApprovalState.AWAITING
        application.save(update_fields=["approval_state", "updated_at"])
        _audit(application, who, "application_decision_proposed", outcome=outcome, decision_id=decision.pk)
        return decision
    _audit(application, who, "application_decided", outcome=outcome, decision_id=decision.pk)
    return _decision_finalise(actor=actor, application=application, decision=decision, who=who)


def _proposed(application: Application) -> Decision:
    decision = application.decisions.select_for_update().filter(state=Decision.State.PROPOSED).first()
    if decision is None:
        raise PronoiaError(code="no_decision_pending", message=_("No decision waits for a second approval."), status_code=409)
    return decision


def _second_approver_require(actor: Actor, decision: Decision) -> None:
    staff_actor_require(actor, (Role.CASE_HANDLER, Role.ADMINISTRATOR))
    if actor.user_id is not None and actor.user_id == decision.decided_by_id:
        raise PermissionDenied(code="self_approval", message=_("You made this decision: another handler must confirm it."))


@transaction.atomic
def case_decision_confirm(*, actor: Actor, application_id: int, note: str = "") -> Decision:
    """The second approval: a different handler confirms the proposed decision, which becomes final."""
    application = _application_locked(application_id)
    _open_require(application)
    decision = _proposed(application)
    _second_approver_require(actor, decision)
    who = Who.of(actor)
    decision.second_approver_id = who.user_id
    decision.second_approver_label = _user_label(who.user_id) if who.user_id else who.label
    decision.second_approved_at = timezone.now()
    decision.second_note = _reason_clean(note, required=False, field="note")
    application.approval_state = ApprovalState.CONFIRMED
    application.save(update_fields=["approval_state", "updated_at"])
    _audit(application, who, "application_decision_confirmed", decision_id=decision.pk, decided_by=decision.decided_by_id)
    return _decision_finalise(actor=actor, application=application, decision=decision, who=who)


@transaction.atomic
def case_decision_return(*, actor: Actor, application_id: int, note: str) -> Decision:
    """The second approver does not agree: the proposal is returned with a note; the case stays in review."""
    application = _application_locked(application_id)
    _open_require(application)
    decision = _proposed(application)
    _second_approver_require(actor, decision)
    who = Who.of(actor)
    decision.state = Decision.State.RETURNED
    decision.second_approver_id = who.user_id
    decision.second_approver_label = _user_label(who.user_id) if who.user_id else who.label
    decision.second_approved_at = timezone.now()
    decision.second_note = _reason_clean(note, field="note")
    decision.save(update_fields=["state", "second_approver", "second_approver_label", "second_approved_at", "second_note"])
    application.approval_state = ApprovalState.PENDING
    application.save(update_fields=["approval_state", "updated_at"])
    _audit(application, who, "application_decision_returned", reason=decision.second_note, decision_id=decision.pk)
    return decision


# --- contacts and failure ---------------------------------------------------------------------


@transaction.atomic
def case_contact_record(
    *,
    actor: Actor,
    application_id: int,
    counterpart_kind: str,
    counterpart_name: str,
    channel: str,
    contacted_on: dt.date,
    summary: str,
    counterpart_country: str = "",
) -> ContactRecord:
    """Record a contact with the foreign employer or institution (international-relations cases)."""
    application = _application_locked(application_id)
    _handler_require(actor, application)
    _open_require(application)
    if counterpart_kind not in ContactRecord.Counterpart.values:
        raise PronoiaError(code="counterpart_unknown", message=_("Choose a foreign employer or a foreign institution."), field="counterpart_kind")
    if channel not in ContactRecord.Channel.values:
        raise PronoiaError(code="channel_unknown", message=_("Choose how you made contact."), field="channel")
    name = (counterpart_name or "").strip()
    if not name:
        raise PronoiaError(code="counterpart_name_required", message=_("Name the employer or institution."), field="counterpart_name")
    if len(name) > CONTACT_NAME_MAX_CHARS:
        raise PronoiaError(code="counterpart_name_too_long", message=_("Write at most %(max)s characters.") % {"max": CONTACT_NAME_MAX_CHARS}, field="counterpart_name")
    country = (counterpart_country or "").strip().upper()
    if country and (len(country) != 2 or not country.isascii() or not country.isalpha()):
        raise PronoiaError(code="country_invalid", message=_("Give the country as a two-letter code, such as CH or US."), field="counterpart_country")
    if not isinstance(contacted_on, dt.date) or contacted_on > timezone.localdate() or contacted_on < application.submitted_at.date() - dt.timedelta(days=365):
        raise PronoiaError(code="contact_date_invalid", message=_("Give the date of the contact: not in the future, nor long before the application."), field="contacted_on")
    summary = _reason_clean(summary, field="summary")
    who = Who.of(actor)
    _review_enter(application, who)
    record = ContactRecord.objects.create(
        application=application,
        counterpart_kind=counterpart_kind,
        counterpart_name=name,
        counterpart_country=country,
        channel=channel,
        contacted_on=contacted_on,
        summary=summary,
        recorded_by_id=who.user_id,
        recorded_by_label=who.label,
        recorded_at=timezone.now(),
    )
    _audit(application, who, "application_contact_recorded", contact_id=record.pk, counterpart_kind=counterpart_kind, channel=channel)
    return record


@transaction.atomic
def case_fail(*, actor: Actor, application_id: int, reason: str) -> Application:
    """The application cannot be completed here: failed, with the reason the person is shown."""
    application = _application_locked(application_id)
    _handler_require(actor, application)
    _open_require(application)
    return _status_change(application, S.FAILED, who=Who.of(actor), reason=_reason_clean(reason))
