"""Reads of applications: the person's list and detail (pages and API give the same data), and the
back office's work queues and case view."""
from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from pronoia.accounts.access import person_data_access_check
from pronoia.accounts.actors import Actor
from pronoia.accounts.roles import DataCategory
from pronoia.core.errors import NotFound, PronoiaError
from pronoia.services.models import (
    OPEN_STATUSES,
    Application,
    ApplicationDocument,
    ApplicationStatus,
    ApprovalState,
    Decision,
)

S = ApplicationStatus
QUEUE_PAGE_SIZE = 50
# A case waiting for the person's answer is not the institution's delay.
OVERDUE_STATUSES = frozenset(OPEN_STATUSES - {S.INFORMATION_REQUESTED})


def _service(code: str):
    from pronoia.services.catalogue.selectors import catalogue_service_get

    try:
        return catalogue_service_get(code)
    except NotFound:
        return None


def _service_title(code: str, language: str | None = None) -> str:
    service = _service(code)
    return service.title(language) if service is not None else code


def _day(moment: dt.datetime | None) -> str:
    return date_format(timezone.localtime(moment), "DATE_FORMAT") if moment else ""


def other_channels(service_code: str) -> list[str]:
    """The ways besides the portal to use the service, in plain words (catalogue channels)."""
    service = _service(service_code)
    names = [channel.name.get() for channel in (service.channels if service else ()) if channel.kind != "portal"]
    return names or [_("Book an appointment at a branch"), _("Call the contact centre")]


def next_step_text(application: Application) -> str:
    """What happens next, or what the person must do, in plain words."""
    due = _day(application.due_at)
    status = application.status
    if status == S.SUBMITTED and application.blocking_flag_ids:
        return _("Your insurance record has problems that must be corrected before the certificate can be issued. Ask for a correction; a handler will also check your application.")
    if status == S.SUBMITTED and application.blocked_by_linkage_review:
        return _("Some records that may be yours are waiting for staff to check whom they belong to. A handler will issue the certificate after that check; you do not need to apply again.")
    if status == S.SUBMITTED:
        return _("Waiting for a handler. We aim to decide by %(date)s.") % {"date": due} if due else _("Waiting for a handler.")
    if status == S.IN_REVIEW:
        return _("A handler is reviewing your application. We aim to decide by %(date)s.") % {"date": due} if due else _("A handler is reviewing your application.")
    if status == S.INFORMATION_REQUESTED:
        return _("Answer the handler's question on this page. Your application waits for your answer.")
    if status == S.INFORMATION_PROVIDED:
        return _("Thank you for your answer. The handler will continue with your application.")
    if status == S.APPROVED:
        return _("Approved. Your document is being prepared.")
    if status == S.ISSUED:
        return _("Done. Download your document below; it is also in your documents.")
    if status == S.REJECTED:
        return _("Rejected. The decision document gives the reasons and how to appeal.")
    return _("This application could not be completed online. Use another way: %(channels)s.") % {"channels": "; ".join(other_channels(application.service_code))}


def _documents_by_id(actor: Actor, person_id: int) -> dict[int, object]:
    from pronoia.documents.selectors import documents_for_person

    return {info.id: info for info in documents_for_person(actor=actor, person_id=person_id)}


def _document_title(kind: str, role: str) -> str:
    """What the document is, in plain words (the kinds of docs/e-services-contracts.md)."""
    titles = {
        "submission_receipt": _("Certificate of submission"),
        "insurance_history_certificate": _("Insurance history certificate"),
        "insurance_status_certificate": _("Certificate of insurance status"),
        "decision": _("Decision"),
        "a1_document": _("A1 document"),
    }
    return str(titles.get(kind) or ApplicationDocument.Role(role).label)


def _document_dict(link: ApplicationDocument, infos: dict[int, object]) -> dict:
    info = infos.get(link.document_id)
    return {
        "id": link.document_id,
        "role": link.role,
        "role_label": _document_title(link.kind, link.role),
        "kind": link.kind,
        "filename": link.filename,
        "download_url": getattr(info, "download_url", ""),
        "verify_url": getattr(info, "verify_url", ""),
        "verification_code": getattr(info, "verification_code", ""),
    }


def _summary_dict(application: Application, infos: dict[int, object]) -> dict:
    return {
        "id": application.pk,
        "protocol": application.protocol,
        "service_code": application.service_code,
        "service_title": _service_title(application.service_code),
        "status": application.status,
        "status_label": str(S(application.status).label),
        "next_step": next_step_text(application),
        "submitted_at": application.submitted_at.isoformat(),
        "updated_at": application.updated_at.isoformat(),
        "due_at": application.due_at.isoformat() if application.due_at else None,
        "submitted_by": application.submitted_by_label,
        "acting_mandate_id": application.acting_mandate_id,
        "failure_reason": application.failure_reason,
        "documents": [_document_dict(link, infos) for link in application.documents.all()],
    }


def applications_for_person(*, actor: Actor, person_id: int) -> list[dict]:
    """All of the person's applications, newest first, with status, next step and documents."""
    person_data_access_check(actor, person_id=person_id, categories=[DataCategory.APPLICATIONS])
    applications = list(Application.objects.filter(person_id=person_id).prefetch_related("documents").order_by("-submitted_at", "-pk"))
    infos = _documents_by_id(actor, person_id) if any(a.documents.all() for a in applications) else {}
    return [_summary_dict(application, infos) for application in applications]


def _flag_dicts(flag_ids: list[int]) -> list[dict]:
    from pronoia.insurance.models import DataQualityFlag
    from pronoia.insurance.quality import flag_message

    flags = DataQualityFlag.objects.filter(pk__in=flag_ids).order_by("code", "key")
    result = []
    for flag in flags:
        try:
            correction_url = f"{reverse('insurance:correction_new')}?flag={flag.pk}"
        except NoReverseMatch:
            correction_url = ""
        result.append(
            {
                "id": flag.pk,
                "code": flag.code,
                "title": str(flag.get_code_display()),
                "message": flag_message(flag.code, flag.details) or flag.message,
                "open": flag.status == DataQualityFlag.Status.OPEN,
                "correction_url": correction_url,
            }
        )
    return result


def application_detail_for_person(*, actor: Actor, person_id: int, application_id: int) -> dict:
    """One application of the person with its timeline, questions, decision and documents;
    NotFound for anyone else's (ids reveal nothing)."""
    person_data_access_check(actor, person_id=person_id, categories=[DataCategory.APPLICATIONS])
    application = Application.objects.filter(pk=application_id, person_id=person_id).prefetch_related("documents").first()
    if application is None:
        raise NotFound(code="application_not_found", message=_("There is no such application."))
    return _detail_dict(actor, application)


def _detail_dict(actor: Actor, application: Application, *, document_links: bool = True) -> dict:
    # Staff see which documents exist; the download routes are the person's own.
    infos = _documents_by_id(actor, application.person_id) if document_links and application.documents.all() else {}
    data = _summary_dict(application, infos)
    timeline = [
        {
            "from_status": change.from_status,
            "to_status": change.to_status,
            "status_label": str(S(change.to_status).label),
            "at": change.at.isoformat(),
            "at_text": timezone.localtime(change.at).strftime("%Y-%m-%d %H:%M"),
            "by": _by_label(change.actor_role, change.actor_label),
            # The system's own reasons are stored in English (gettext_noop) and shown translated;
            # a handler's text has no catalogue entry and is shown as written.
            "reason": _(change.reason) if change.reason else "",
        }
        for change in application.status_changes.all()
    ]
    questions = [
        {
            "id": request.pk,
            "question": request.question,
            "asked_at": request.asked_at.isoformat(),
            "answer": request.answer,
            "answered_at": request.answered_at.isoformat() if request.answered_at else None,
            "open": request.is_open,
            "uploads": [upload.filename for upload in request.uploads.all()],
        }
        for request in application.information_requests.prefetch_related("uploads")
    ]
    final = application.decisions.filter(state=Decision.State.FINAL).first()
    decision = None
    if final is not None:
        decision = {
            "outcome": final.outcome,
            "outcome_label": str(final.get_outcome_display()),
            "reasons": final.reasons,
            "decided_at": final.decided_at.isoformat(),
            "second_approval": bool(final.second_approver_id),
        }
    data.update(
        {
            "answers": _answers(application),
            "timeline": timeline,
            "questions": questions,
            "open_question": next((q for q in questions if q["open"]), None) if application.status == S.INFORMATION_REQUESTED else None,
            "decision": decision,
            "blocking_flags": _flag_dicts(application.blocking_flag_ids) if application.blocking_flag_ids and application.status == S.SUBMITTED else [],
            "other_channels": other_channels(application.service_code) if application.status == S.FAILED else [],
            "correction_request_id": application.correction_request_id,
        }
    )
    return data


def _by_label(role: str, label: str) -> str:
    """Who made a change, as the person sees it: themselves, a representative, staff or the system."""
    if role == "system":
        return _("Automatic")
    if role in ("citizen", ""):
        return _("You")
    if role == "representative":
        return _("Your representative")
    return _("Staff of the institution")


def _answers(application: Application) -> list[tuple[str, str]]:
    """(question, answer) pairs of the form, in the application's language (form_summary)."""
    from pronoia.services.forms.definitions import form_definition_get
    from pronoia.services.forms.rendering import form_summary

    try:
        definition = form_definition_get(application.form_name)
        return [(str(label), str(value)) for label, value in form_summary(definition, application.data, language=application.language)]
    except (NotFound, PronoiaError, KeyError):
        return [(str(key), str(value)) for key, value in application.data.items()]


# --- back office ------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilters:
    unit: str = ""
    service: str = ""
    status: str = ""  # a status, "open" (default) or "all"
    assigned: str = ""  # "", "me", "none"
    overdue: bool = False


def case_queue(*, actor: Actor, filters: QueueFilters) -> QuerySet[Application]:
    """Applications of the work queue; no personal data beyond the protocol is listed."""
    queryset = Application.objects.select_related("assigned_to").order_by("due_at", "submitted_at", "pk")
    if filters.unit:
        queryset = queryset.filter(unit=filters.unit)
    if filters.service:
        queryset = queryset.filter(service_code=filters.service)
    if filters.status in S.values:
        queryset = queryset.filter(status=filters.status)
    elif filters.status != "all":
        queryset = queryset.filter(status__in=OPEN_STATUSES)
    if filters.assigned == "me":
        queryset = queryset.filter(assigned_to_id=actor.user_id)
    elif filters.assigned == "none":
        queryset = queryset.filter(assigned_to__isnull=True)
    if filters.overdue:
        queryset = queryset.filter(status__in=OVERDUE_STATUSES, due_at__lt=timezone.now())
    return queryset


def case_queue_page(*, actor: Actor, filters: QueueFilters, page: int = 1) -> dict:
    paginator = Paginator(case_queue(actor=actor, filters=filters), QUEUE_PAGE_SIZE)
    page_obj = paginator.get_page(page)
    now = timezone.now()
    rows = [
        {
            "id": application.pk,
            "protocol": application.protocol,
            "service_code": application.service_code,
            "service_title": _service_title(application.service_code),
            "unit": application.unit,
            "status": application.status,
            "status_label": str(S(application.status).label),
            "submitted_at": application.submitted_at,
            "due_at": application.due_at,
            "overdue": bool(application.due_at and application.due_at < now and application.status in OVERDUE_STATUSES),
            "assigned_to": application.assigned_to.get_username() if application.assigned_to else "",
            "awaiting_second_approval": application.approval_state == ApprovalState.AWAITING,
            "returned_by_person": application.status == S.INFORMATION_PROVIDED,
        }
        for application in page_obj.object_list
    ]
    return {"rows": rows, "page": page_obj, "count": paginator.count}


def case_get(*, actor: Actor, application_id: int) -> dict:
    """The case view: the application, the person's identity and answers, history, questions,
    decisions and contacts. Opening it is recorded in the person's access log with the case as purpose."""
    from pronoia.people.models import Person

    application = Application.objects.filter(pk=application_id).select_related("assigned_to").prefetch_related("documents").first()
    if application is None:
        raise NotFound(code="application_not_found", message=_("There is no such application."))
    purpose = _("Handling application %(protocol)s") % {"protocol": application.protocol}
    person_data_access_check(actor, person_id=application.person_id, categories=[DataCategory.APPLICATIONS, DataCategory.IDENTITY], purpose=purpose)
    person = Person.objects.get(pk=application.person_id)
    data = _detail_dict(actor, application, document_links=False)
    data.update(
        {
            "application": application,
            "person": person,
            "purpose": purpose,
            "decisions": list(application.decisions.all()),
            "proposed_decision": application.decisions.filter(state=Decision.State.PROPOSED).first(),
            "contacts": list(application.contacts.all()),
            "timeline_full": list(application.status_changes.all()),
            "blocking_flags": _flag_dicts(application.blocking_flag_ids) if application.blocking_flag_ids else [],
            "uploads": list(application.uploads.all()),
        }
    )
    return data


def case_units() -> list[str]:
    from pronoia.services.catalogue.selectors import catalogue_services

    return sorted({service.handling.unit for service in catalogue_services()} | {"international-relations"})


def application_id_for_document(document_id: int) -> int | None:
    """The application an issued document belongs to, if any (for the system's notifications: no actor)."""
    return ApplicationDocument.objects.filter(document_id=document_id).order_by("pk").values_list("application_id", flat=True).first()


def person_ids_with_application(*, person_ids: Iterable[int], service_code_suffix: str) -> set[int]:
    """Which of `person_ids` have ever applied for a service whose code ends with the suffix (system use)."""
    ids = list(person_ids)
    if not ids:
        return set()
    return set(Application.objects.filter(person_id__in=ids, service_code__endswith=service_code_suffix).values_list("person_id", flat=True).distinct())
