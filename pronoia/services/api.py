"""E-service API operations: the signed-in person's applications (the same data as /my/applications)
and submitting one, validated by the same form definition as the page."""
from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status
from ninja.utils import check_csrf

from pronoia.accounts.permissions import CITIZEN_ROLES, api_roles_require
from pronoia.core.errors import PermissionDenied, PronoiaError
from pronoia.services import selectors
from pronoia.services.services import application_submit

router = Router(tags=["e-services"])

SERVICE_CODE_MAX_CHARS = 80


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None
    errors: dict[str, list[str]] | None = None


class DocumentOut(Schema):
    id: int
    role: str
    role_label: str
    kind: str
    filename: str
    download_url: str
    verify_url: str
    verification_code: str


class ApplicationOut(Schema):
    id: int
    protocol: str
    service_code: str
    service_title: str
    status: str
    status_label: str
    next_step: str
    submitted_at: str
    updated_at: str
    due_at: str | None
    submitted_by: str
    acting_mandate_id: int | None
    failure_reason: str
    documents: list[DocumentOut]


class TimelineOut(Schema):
    from_status: str
    to_status: str
    status_label: str
    at: str
    by: str
    reason: str


class QuestionOut(Schema):
    id: int
    question: str
    asked_at: str
    answer: str
    answered_at: str | None
    open: bool
    uploads: list[str]


class DecisionOut(Schema):
    outcome: str
    outcome_label: str
    reasons: str
    decided_at: str
    second_approval: bool


class BlockingFlagOut(Schema):
    id: int
    code: str
    title: str
    message: str
    open: bool
    correction_url: str


class ApplicationDetailOut(ApplicationOut):
    answers: list[tuple[str, str]]
    timeline: list[TimelineOut]
    questions: list[QuestionOut]
    decision: DecisionOut | None
    blocking_flags: list[BlockingFlagOut]
    other_channels: list[str]
    correction_request_id: int | None


class ApplicationIn(Schema):
    service: str
    data: dict[str, Any]


def citizen_write_auth(request: HttpRequest) -> bool:
    """Writes: checked before the body is read (a refused caller learns nothing about the schema);
    the session cookie authenticates, so the CSRF token is required (X-CSRFToken header)."""
    _subject(request)
    if check_csrf(request) is not None:
        raise PermissionDenied(code="csrf_failed", message=_("The form's security token is missing or wrong. Reload the page and try again."))
    return True


def _subject(request: HttpRequest) -> int:
    actor = request.actor
    if not actor.is_authenticated:
        raise PronoiaError(code="not_signed_in", message=_("Sign in first."), status_code=401)
    api_roles_require(request, *CITIZEN_ROLES)
    if actor.subject_person_id is None:
        raise PermissionDenied(code="mandate_for_employer", message=_("You are acting for an employer. Stop acting for them to see your own applications."))
    return actor.subject_person_id


@router.get("/me/applications", response={200: list[ApplicationOut], 401: ErrorOut, 403: ErrorOut}, url_name="my_applications")
def my_applications(request: HttpRequest):
    """The signed-in person's applications (or the principal's under a mandate), newest first."""
    return selectors.applications_for_person(actor=request.actor, person_id=_subject(request))


@router.get("/me/applications/{application_id}", response={200: ApplicationDetailOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut}, url_name="my_application")
def my_application(request: HttpRequest, application_id: int):
    """One application with its timeline, questions, decision and documents (404 for anyone else's)."""
    return selectors.application_detail_for_person(actor=request.actor, person_id=_subject(request), application_id=application_id)


def _submission_parse(request: HttpRequest) -> tuple[str, dict]:
    """The {service, data} body, refused field by field in the user's language (not the framework's
    English validation errors)."""
    try:
        body = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise PronoiaError(code="body_invalid", message=_("Send a JSON object with “service” and “data”.")) from None
    if not isinstance(body, dict):
        raise PronoiaError(code="body_invalid", message=_("Send a JSON object with “service” and “data”."))
    unknown = sorted(set(body) - {"service", "data"})
    if unknown:
        raise PronoiaError(code="field_unknown", message=_("Unknown field “%(name)s”.") % {"name": str(unknown[0])[:40]}, field=str(unknown[0])[:40])
    service, data = body.get("service"), body.get("data")
    if not isinstance(service, str) or not service.strip():
        raise PronoiaError(code="service_required", message=_("Give the service's code as text, for example “gr-insurance-history-certificate”."), field="service")
    if not isinstance(data, dict):
        raise PronoiaError(code="data_invalid", message=_("Give the answers as a JSON object of field names and values."), field="data")
    return service.strip(), data


@router.post(
    "/me/applications",
    response={201: ApplicationDetailOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut},
    url_name="my_application_submit",
    auth=citizen_write_auth,
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": ApplicationIn.model_json_schema()}}}},
)
def my_application_submit(request: HttpRequest):
    """Apply for `service` with the form's answers in `data` (JSON body `{"service": code, "data": {...}}`,
    validated by the service's form definition as the page is). 201 with the protocol number;
    field errors in `errors`."""
    person_id = _subject(request)
    service, data = _submission_parse(request)
    if len(service) > SERVICE_CODE_MAX_CHARS:
        raise PronoiaError(code="service_unknown", message=_("Choose a service of the catalogue."), field="service", status_code=404)
    application = application_submit(
        actor=request.actor,
        service_code=service,
        data=data,
        source="api",
        language=(get_language() or "en").split("-")[0],
    )
    return Status(201, selectors.application_detail_for_person(actor=request.actor, person_id=person_id, application_id=application.pk))
