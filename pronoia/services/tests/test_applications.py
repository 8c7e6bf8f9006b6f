"""Submitting applications: validation, protocol, history, events, receipt, duplicates, acr, mandates,
the automatic certificate path and the status machine."""
from __future__ import annotations

import re

import pytest
from django.utils import timezone

from pronoia.accounts.roles import DataCategory
from pronoia.audit.models import AuditEvent, DataAccessEntry
from pronoia.core.errors import NotFound, PermissionDenied, PronoiaError
from pronoia.core.models import DomainEvent
from pronoia.insurance.tests.factories import DataQualityFlagFactory, LinkageCandidateFactory
from pronoia.people.tests.factories import PersonFactory
from pronoia.services.models import Application, ApplicationDocument, ProtocolCounter, StatusChange
from pronoia.services.services import (
    ApplicationFormInvalid,
    application_submit,
    application_transition,
    working_days_after,
)
from pronoia.services.tests.application_factories import (
    A1,
    HISTORY,
    a1_answers,
    application_make,
    citizen_actor,
    handler,
    insured_person,
    representative_actor,
)

pytestmark = pytest.mark.django_db
PROTOCOL = re.compile(r"^\d{4}/\d{7}$")


def history_answers(person) -> dict:
    return {"certificate_language": "en", "purpose": "other", "purpose_other": "Rental agreement"}


def test_non_eu_a1_request_becomes_an_application_of_international_relations_with_a_receipt(funds):
    person = insured_person()
    actor = citizen_actor(person)
    application = application_submit(actor=actor, service_code=A1, data=a1_answers(person), language="en")

    assert PROTOCOL.match(application.protocol) and application.protocol.startswith(f"{timezone.now().year}/")
    assert application.status == "submitted" and application.unit == "international-relations"
    assert application.person_id == person.pk and application.submitted_by_id == actor.user_id
    assert application.data["work_location"] == "non_eu" and application.data["declaration"] is True
    # The SLA of the catalogue (30 working days) sets the deadline.
    assert application.due_at == working_days_after(application.submitted_at, 30)
    history = list(application.status_changes.values_list("from_status", "to_status", "actor_label"))
    assert history == [("", "submitted", actor.username)]
    assert DomainEvent.objects.filter(name="application.submitted", payload__application_id=application.pk).count() == 1
    assert AuditEvent.objects.filter(action="application_submitted", object_id=str(application.pk)).exists()
    receipt = application.documents.get(role=ApplicationDocument.Role.RECEIPT)
    assert receipt.kind == "submission_receipt" and receipt.filename.endswith(".pdf")


def test_invalid_answers_are_reported_per_field_and_nothing_is_written(funds):
    person = insured_person()
    answers = a1_answers(person, date_to="2020-01-01", declaration="")  # before date_from; no declaration
    answers.pop("foreign_employer_name")
    with pytest.raises(ApplicationFormInvalid) as caught:
        application_submit(actor=citizen_actor(person), service_code=A1, data=answers, language="en")
    assert {"date_to", "declaration", "foreign_employer_name"} <= set(caught.value.errors)
    assert caught.value.as_dict()["code"] == "form_invalid" and caught.value.as_dict()["errors"]
    assert not Application.objects.exists() and not ProtocolCounter.objects.filter(last_number__gt=0).exists()


@pytest.mark.parametrize(
    "overrides",
    [
        {"foreign_employer_name": "x" * 5000},  # oversized
        {"foreign_employer_name": "Bad\x00name"},  # control characters
        {"work_location": "<script>alert(1)</script>"},  # not an option
        {"unexpected_field": "1"},  # not in the form
        {"date_from": "2026-02-30"},  # not a date
    ],
)
def test_hostile_or_malformed_values_are_refused_without_writing(funds, overrides):
    person = insured_person()
    with pytest.raises(ApplicationFormInvalid) as caught:
        application_submit(actor=citizen_actor(person), service_code=A1, data=a1_answers(person, **overrides), language="en")
    assert caught.value.errors
    assert not Application.objects.exists()


def test_unknown_service_is_not_found(funds):
    person = insured_person()
    with pytest.raises(NotFound):
        application_submit(actor=citizen_actor(person), service_code="gr-no-such-service", data={}, language="en")


def test_the_same_submission_again_within_minutes_returns_the_first(funds):
    person = insured_person()
    actor = citizen_actor(person)
    first = application_submit(actor=actor, service_code=A1, data=a1_answers(person), language="en")
    again = application_submit(actor=actor, service_code=A1, data=a1_answers(person), language="en")
    other = application_submit(actor=actor, service_code=A1, data=a1_answers(person, non_eu_country="Canada"), language="en")
    assert again.pk == first.pk and other.pk != first.pk
    assert Application.objects.count() == 2
    assert other.number == first.number + 1


def test_a_sign_in_below_the_service_level_is_refused_with_a_way_to_sign_in_again(funds):
    person = insured_person()
    with pytest.raises(PermissionDenied) as caught:
        application_submit(actor=citizen_actor(person, loa="low"), service_code=A1, data=a1_answers(person), language="en")
    assert caught.value.code == "acr_too_low" and "substantial" in caught.value.message
    assert caught.value.sign_in_url.startswith("/sign-in?next=/services/gr-a1-document/apply")
    assert not Application.objects.exists()


def test_a_representative_applies_for_the_principal_and_the_mandate_is_recorded(funds):
    principal, representative = insured_person(), PersonFactory()
    actor = representative_actor(representative, principal)
    application = application_submit(actor=actor, service_code=A1, data=a1_answers(principal), language="en")
    assert application.person_id == principal.pk
    assert application.acting_mandate_id == actor.acting_for.mandate_id
    assert application.status_changes.get().details["mandate_id"] == actor.acting_for.mandate_id
    logged = DataAccessEntry.objects.filter(person_id=principal.pk, mandate_id=actor.acting_for.mandate_id)
    assert any(DataCategory.APPLICATIONS in entry.categories for entry in logged)


def test_a_mandate_without_applications_cannot_apply(funds):
    principal, representative = insured_person(), PersonFactory()
    actor = representative_actor(representative, principal, scope=[DataCategory.INSURANCE_RECORD, DataCategory.IDENTITY])
    with pytest.raises(PermissionDenied) as caught:
        application_submit(actor=actor, service_code=A1, data=a1_answers(principal), language="en")
    assert caught.value.code == "mandate_scope"
    assert not Application.objects.exists()


# --- the automatic path -----------------------------------------------------------------------


def test_history_certificate_without_blocking_flags_is_issued_at_once(funds):
    person = insured_person()
    DataQualityFlagFactory(person=person, code="career_gap")  # a gap does not block
    application = application_submit(actor=citizen_actor(person), service_code=HISTORY, data=history_answers(person), language="en")

    assert application.status == "issued"
    steps = list(application.status_changes.values_list("from_status", "to_status", "actor_label"))
    assert steps == [("", "submitted", f"citizen-{person.pk}"), ("submitted", "approved", "system"), ("approved", "issued", "system")]
    roles = set(application.documents.values_list("role", "kind"))
    assert roles == {("receipt", "submission_receipt"), ("output", "insurance_history_certificate")}
    names = list(DomainEvent.objects.filter(payload__application_id=application.pk).values_list("name", flat=True))
    assert names.count("application.status_changed") == 2 and "application.submitted" in names


@pytest.mark.parametrize("code", ["conflicting_month", "overlap_excess_days"])
def test_blocking_flags_keep_the_certificate_for_review_and_name_the_flags(funds, code):
    from pronoia.services.selectors import application_detail_for_person

    person = insured_person()
    flag = DataQualityFlagFactory(person=person, code=code, key="2011-03")
    actor = citizen_actor(person)
    application = application_submit(actor=actor, service_code=HISTORY, data=history_answers(person), language="en")

    assert application.status == "submitted" and application.blocking_flag_ids == [flag.pk]
    assert not application.documents.filter(role="output").exists()
    assert application.due_at is not None  # a handler's deadline, though the catalogue says 0 days
    detail = application_detail_for_person(actor=actor, person_id=person.pk, application_id=application.pk)
    assert [f["id"] for f in detail["blocking_flags"]] == [flag.pk]
    assert detail["blocking_flags"][0]["correction_url"] == f"/my/insurance-record/corrections/new?flag={flag.pk}"
    assert "correction" in detail["next_step"]


def test_records_waiting_for_a_linkage_review_block_the_certificate(funds):
    person = insured_person()
    LinkageCandidateFactory(person=person)
    actor = citizen_actor(person)
    application = application_submit(actor=actor, service_code=HISTORY, data=history_answers(person), language="en")
    assert application.status == "submitted" and application.blocking_flag_ids == [] and application.blocked_by_linkage_review
    from pronoia.services.selectors import application_detail_for_person

    detail = application_detail_for_person(actor=actor, person_id=person.pk, application_id=application.pk)
    assert "waiting for staff to check" in detail["next_step"]


def test_resolved_flags_do_not_block(funds):
    person = insured_person()
    DataQualityFlagFactory(person=person, code="conflicting_month", status="resolved")
    application = application_submit(actor=citizen_actor(person), service_code=HISTORY, data=history_answers(person), language="en")
    assert application.status == "issued"


# --- the status machine -----------------------------------------------------------------------


def test_illegal_transitions_are_refused_with_a_clear_message(funds):
    _user, actor = handler()
    application = application_make()
    with pytest.raises(PronoiaError) as caught:
        application_transition(actor=actor, application_id=application.pk, to_status="issued", reason="skip")
    assert caught.value.code == "transition_not_allowed" and "Submitted" in caught.value.message and "Issued" in caught.value.message
    with pytest.raises(PronoiaError) as caught:
        application_transition(actor=actor, application_id=application.pk, to_status="no-such", reason="x")
    assert caught.value.code == "status_unknown"
    with pytest.raises(PronoiaError) as caught:
        application_transition(actor=actor, application_id=application.pk, to_status="in_review", reason="   ")
    assert caught.value.code == "reason_required"
    application.refresh_from_db()
    assert application.status == "submitted" and application.status_changes.count() == 1


def test_every_open_status_may_fail_and_a_final_one_may_not(funds):
    _user, actor = handler()
    application = application_make()
    for status in ("in_review", "information_requested", "information_provided", "in_review", "approved"):
        application_transition(actor=actor, application_id=application.pk, to_status=status, reason=f"to {status}")
    application_transition(actor=actor, application_id=application.pk, to_status="failed", reason="The foreign institution did not answer.")
    application.refresh_from_db()
    assert application.status == "failed" and application.failure_reason == "The foreign institution did not answer."
    with pytest.raises(PronoiaError):
        application_transition(actor=actor, application_id=application.pk, to_status="in_review", reason="again")
    changes = list(application.status_changes.values_list("to_status", flat=True))
    assert changes == ["submitted", "in_review", "information_requested", "information_provided", "in_review", "approved", "failed"]
    assert DomainEvent.objects.filter(name="application.status_changed", payload__application_id=application.pk).count() == 6


def test_only_back_office_actors_move_applications(funds):
    person = insured_person()
    application = application_make(person)
    with pytest.raises(PermissionDenied):
        application_transition(actor=citizen_actor(person), application_id=application.pk, to_status="failed", reason="x")
    _user, unverified = handler()
    unverified = unverified.__class__(**{**unverified.__dict__, "otp_verified": False})
    with pytest.raises(PermissionDenied) as caught:
        application_transition(actor=unverified, application_id=application.pk, to_status="failed", reason="x")
    assert caught.value.code == "second_factor_required"


def test_history_is_append_only(funds):
    application = application_make()
    change = StatusChange.objects.get(application=application)
    change.reason = "rewritten"
    with pytest.raises(PronoiaError):
        change.save()
    with pytest.raises(PronoiaError):
        change.delete()
    assert StatusChange.objects.get(pk=change.pk).reason != "rewritten"


def test_working_days_skip_weekends():
    import datetime as dt

    friday = dt.datetime(2026, 11, 20, 10, 0, tzinfo=dt.timezone.utc)
    assert working_days_after(friday, 1) == dt.datetime(2026, 11, 23, 10, 0, tzinfo=dt.timezone.utc)
    assert working_days_after(friday, 5) == dt.datetime(2026, 11, 27, 10, 0, tzinfo=dt.timezone.utc)
    assert working_days_after(friday, 0) == friday


def test_an_unavailable_seal_never_fails_the_submission_and_the_receipt_follows_in_the_background(funds, monkeypatch):
    from pronoia.documents import services as documents_services

    real_issue = documents_services.submission_receipt_issue
    calls = []

    def overloaded_once(**kwargs):
        calls.append(kwargs["protocol"])
        if len(calls) == 1:
            raise PronoiaError(code="seal_unavailable", message="The document could not be sealed right now.")
        return real_issue(**kwargs)

    monkeypatch.setattr(documents_services, "submission_receipt_issue", overloaded_once)
    person = insured_person()
    application = application_submit(actor=citizen_actor(person), service_code=A1, data=a1_answers(person), language="en")

    # The first try failed; the Huey task (immediate in tests) tried again and issued it.
    assert calls == [application.protocol, application.protocol]
    assert application.documents.filter(role=ApplicationDocument.Role.RECEIPT).count() == 1


def test_while_the_seal_stays_unavailable_the_application_stands_without_a_receipt(funds, monkeypatch):
    from pronoia.documents import services as documents_services

    def unavailable(**kwargs):
        raise PronoiaError(code="seal_unavailable", message="The document could not be sealed right now.")

    monkeypatch.setattr(documents_services, "submission_receipt_issue", unavailable)
    person = insured_person()
    application = application_submit(actor=citizen_actor(person), service_code=A1, data=a1_answers(person), language="en")
    assert Application.objects.filter(pk=application.pk, status="submitted").exists()
    assert not application.documents.filter(role=ApplicationDocument.Role.RECEIPT).exists()
