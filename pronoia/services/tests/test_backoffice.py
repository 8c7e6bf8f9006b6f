"""Back-office casework: assignment, questions and answers, decisions with second approval, contacts,
failure, and the correction request handled as an application."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from pronoia.accounts.roles import Role
from pronoia.audit.models import AuditEvent
from pronoia.core.errors import NotFound, PermissionDenied, PronoiaError
from pronoia.core.models import DomainEvent
from pronoia.insurance.corrections import correction_request_submit
from pronoia.insurance.models import CorrectionRequest
from pronoia.services.casework import (
    application_information_provide,
    case_assign,
    case_assign_automatically,
    case_contact_record,
    case_decide,
    case_decision_confirm,
    case_decision_return,
    case_fail,
    case_information_request,
)
from pronoia.services.models import Application, ApplicationDocument, Decision
from pronoia.services.selectors import application_detail_for_person
from pronoia.services.tests.application_factories import (
    CORRECTION,
    PENSION,
    application_make,
    citizen_actor,
    handler,
    insured_person,
    staff_actor,
)

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"


def assigned(application, actor):
    return case_assign(actor=actor, application_id=application.pk)


# --- assignment -------------------------------------------------------------------------------


def test_round_robin_gives_the_case_to_the_least_loaded_handler_then_the_least_recently_assigned(funds):
    busy, _ = handler("benefits")
    idle_a, _ = handler("benefits")
    idle_b, _ = handler("benefits")
    handler("insurance-records")  # another unit: never chosen
    for _ in range(2):
        case = application_make(service_code=PENSION)
        Application.objects.filter(pk=case.pk).update(assigned_to=busy, assigned_at=timezone.now())
    first = case_assign_automatically(application_id=application_make(service_code=PENSION).pk)
    assert first.assigned_to_id == idle_a.pk  # 0 open cases each, never assigned: lowest id
    second = case_assign_automatically(application_id=application_make(service_code=PENSION).pk)
    assert second.assigned_to_id == idle_b.pk  # idle_a now has one
    third = case_assign_automatically(application_id=application_make(service_code=PENSION).pk)
    assert third.assigned_to_id == idle_a.pk  # tie 1-1: idle_a was assigned less recently
    # Closed cases do not count as load.
    Application.objects.filter(assigned_to=busy).update(status="issued")
    fourth = case_assign_automatically(application_id=application_make(service_code=PENSION).pk)
    assert fourth.assigned_to_id == busy.pk
    assert AuditEvent.objects.filter(action="application_assigned", data__how="round_robin").count() == 4


def test_a_unit_without_handlers_keeps_the_case_in_its_queue(funds):
    application = application_make(service_code=PENSION)
    assert case_assign_automatically(application_id=application.pk) is None
    assert Application.objects.get(pk=application.pk).assigned_to_id is None


def test_handlers_take_cases_and_only_supervisors_assign_them_to_others(funds):
    application = application_make()
    one, one_actor = handler()
    two, _ = handler()
    supervisor, supervisor_actor = handler("international-relations", Role.SUPERVISOR)
    with pytest.raises(PermissionDenied):
        case_assign(actor=one_actor, application_id=application.pk, assignee_id=two.pk)
    assert case_assign(actor=one_actor, application_id=application.pk).assigned_to_id == one.pk
    assert case_assign(actor=supervisor_actor, application_id=application.pk, assignee_id=two.pk).assigned_to_id == two.pk
    with pytest.raises(PronoiaError) as caught:
        case_assign(actor=supervisor_actor, application_id=application.pk, assignee_id=supervisor.pk)
    assert caught.value.code == "assign_denied"


# --- questions --------------------------------------------------------------------------------


def test_the_handler_asks_the_person_answers_with_a_file_and_the_case_returns(funds):
    person = insured_person()
    application = application_make(person)
    _user, actor = handler()
    assigned(application, actor)
    request = case_information_request(actor=actor, application_id=application.pk, question="Send the posting contract, please.")
    application.refresh_from_db()
    assert application.status == "information_requested"
    assert DomainEvent.objects.filter(name="application.information_requested", payload__information_request_id=request.pk).exists()

    citizen = citizen_actor(person)
    upload = SimpleUploadedFile("contract.pdf", PDF, content_type="application/pdf")
    application_information_provide(actor=citizen, application_id=application.pk, answer="Attached.", files={"file1": upload})
    application.refresh_from_db()
    assert application.status == "information_provided"
    assert application.uploads.get().information_request_id == request.pk
    with pytest.raises(PronoiaError) as caught:  # answered already
        application_information_provide(actor=citizen, application_id=application.pk, answer="Again.")
    assert caught.value.code == "no_open_question"
    steps = list(application.status_changes.values_list("to_status", flat=True))
    assert steps == ["submitted", "in_review", "information_requested", "information_provided"]
    detail = application_detail_for_person(actor=citizen, person_id=person.pk, application_id=application.pk)
    assert detail["questions"][0]["answer"] == "Attached." and detail["questions"][0]["uploads"] == ["contract.pdf"]


def test_answers_are_checked_and_a_wrong_file_leaves_nothing(funds):
    person = insured_person()
    application = application_make(person)
    _user, actor = handler()
    assigned(application, actor)
    case_information_request(actor=actor, application_id=application.pk, question="Which country?")
    citizen = citizen_actor(person)
    with pytest.raises(PronoiaError) as caught:
        application_information_provide(actor=citizen, application_id=application.pk, answer="   ")
    assert caught.value.field == "answer"
    with pytest.raises(PronoiaError) as caught:
        application_information_provide(actor=citizen, application_id=application.pk, answer="x" * 4001)
    assert caught.value.code == "answer_too_long"
    fake = SimpleUploadedFile("contract.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(PronoiaError) as caught:
        application_information_provide(actor=citizen, application_id=application.pk, answer="See file", files={"file1": fake})
    assert caught.value.field == "files"
    assert not application.uploads.exists()
    assert Application.objects.get(pk=application.pk).status == "information_requested"


def test_someone_else_cannot_answer(funds):
    application = application_make(insured_person())
    _user, actor = handler()
    assigned(application, actor)
    case_information_request(actor=actor, application_id=application.pk, question="?")
    with pytest.raises(NotFound):
        application_information_provide(actor=citizen_actor(insured_person()), application_id=application.pk, answer="mine")


# --- decisions --------------------------------------------------------------------------------


def test_only_the_assigned_handler_decides_and_reasons_are_required(funds):
    application = application_make(insured_person())
    _one, one = handler()
    _two, two = handler()
    assigned(application, one)
    with pytest.raises(PermissionDenied) as caught:
        case_decide(actor=two, application_id=application.pk, outcome="approve", reasons="Fine.")
    assert caught.value.code == "not_assigned"
    with pytest.raises(PronoiaError) as caught:
        case_decide(actor=one, application_id=application.pk, outcome="approve", reasons=" ")
    assert caught.value.field == "reasons"
    with pytest.raises(PronoiaError) as caught:
        case_decide(actor=one, application_id=application.pk, outcome="maybe", reasons="Fine.")
    assert caught.value.field == "outcome"
    assert not Decision.objects.exists()


def test_an_approval_issues_the_decision_document_and_closes_as_issued(funds):
    person = insured_person()
    application = application_make(person)
    _user, actor = handler()
    assigned(application, actor)
    decision = case_decide(actor=actor, application_id=application.pk, outcome="approve", reasons="Posting confirmed by the US employer.")
    application.refresh_from_db()
    assert decision.state == "final" and decision.document_id
    assert application.status == "issued" and application.decided_at is not None
    assert list(application.status_changes.values_list("to_status", flat=True)) == ["submitted", "in_review", "approved", "issued"]
    assert application.documents.filter(role=ApplicationDocument.Role.DECISION, document_id=decision.document_id).exists()
    assert DomainEvent.objects.filter(name="application.decided", payload__outcome="approve").exists()
    detail = application_detail_for_person(actor=citizen_actor(person), person_id=person.pk, application_id=application.pk)
    assert detail["decision"]["reasons"] == "Posting confirmed by the US employer."
    assert detail["documents"][0]["download_url"]


def test_a_rejection_is_final(funds):
    application = application_make(insured_person())
    _user, actor = handler()
    assigned(application, actor)
    case_decide(actor=actor, application_id=application.pk, outcome="reject", reasons="Not insured in Greece during the posting.")
    application.refresh_from_db()
    assert application.status == "rejected"
    with pytest.raises(PronoiaError) as caught:
        case_fail(actor=actor, application_id=application.pk, reason="late")
    assert caught.value.code == "application_closed"


def test_second_approval_needs_another_handler(funds):
    application = application_make(insured_person(), service_code=PENSION)
    assert application.second_approval_required and application.approval_state == "pending"
    _first_user, first = handler("benefits")
    _second_user, second = handler("benefits")
    assigned(application, first)
    proposed = case_decide(actor=first, application_id=application.pk, outcome="approve", reasons="Conditions met.")
    application.refresh_from_db()
    assert proposed.state == "proposed" and application.status == "in_review" and application.approval_state == "awaiting"
    assert not application.documents.filter(role="decision").exists()
    with pytest.raises(PermissionDenied) as caught:
        case_decision_confirm(actor=first, application_id=application.pk)
    assert caught.value.code == "self_approval"
    with pytest.raises(PronoiaError) as caught:
        case_decide(actor=first, application_id=application.pk, outcome="reject", reasons="Changed my mind.")
    assert caught.value.code == "decision_pending"

    with pytest.raises(PronoiaError) as caught:
        case_decision_return(actor=second, application_id=application.pk, note="")
    assert caught.value.field == "note"
    case_decision_return(actor=second, application_id=application.pk, note="Check the contribution days first.")
    application.refresh_from_db()
    assert application.approval_state == "pending"
    case_decide(actor=first, application_id=application.pk, outcome="approve", reasons="Days checked: conditions met.")
    final = case_decision_confirm(actor=second, application_id=application.pk, note="Agreed.")
    application.refresh_from_db()
    assert final.state == "final" and final.second_approver_id == second.user_id
    assert application.status == "issued" and application.approval_state == "confirmed"
    assert list(Decision.objects.filter(application=application).values_list("state", flat=True)) == ["returned", "final"]


# --- contacts and failure ---------------------------------------------------------------------


def test_international_relations_record_contacts_and_bad_values_are_refused(funds):
    application = application_make(insured_person())
    _user, actor = handler()
    assigned(application, actor)
    good = dict(counterpart_kind="foreign_employer", counterpart_name="Example Inc.", channel="email", contacted_on=timezone.localdate(), summary="Asked for the posting letter.", counterpart_country="us")
    record = case_contact_record(actor=actor, application_id=application.pk, **good)
    assert record.counterpart_country == "US" and record.recorded_by_id == actor.user_id
    bad_values = [
        ({"counterpart_kind": "friend"}, "counterpart_kind"),
        ({"channel": "pigeon"}, "channel"),
        ({"counterpart_name": " "}, "counterpart_name"),
        ({"counterpart_name": "x" * 201}, "counterpart_name"),
        ({"counterpart_country": "USA"}, "counterpart_country"),
        ({"counterpart_country": "Ü1"}, "counterpart_country"),
        ({"contacted_on": timezone.localdate() + dt.timedelta(days=1)}, "contacted_on"),
        ({"summary": ""}, "summary"),
    ]
    for change, field in bad_values:
        with pytest.raises(PronoiaError) as caught:
            case_contact_record(actor=actor, application_id=application.pk, **{**good, **change})
        assert caught.value.field == field, change
    assert application.contacts.count() == 1


def test_a_failed_application_tells_the_person_why_and_offers_other_channels(funds):
    person = insured_person()
    application = application_make(person)
    _user, actor = handler()
    assigned(application, actor)
    case_fail(actor=actor, application_id=application.pk, reason="No social-security agreement with this country covers your case.")
    detail = application_detail_for_person(actor=citizen_actor(person), person_id=person.pk, application_id=application.pk)
    assert detail["status"] == "failed"
    assert detail["failure_reason"] == "No social-security agreement with this country covers your case."
    assert detail["other_channels"] and "another way" in detail["next_step"]


# --- correction requests ----------------------------------------------------------------------


def test_a_correction_request_is_tracked_as_an_application_and_its_outcome_reaches_the_request(funds, django_capture_on_commit_callbacks):
    person = insured_person()
    citizen = citizen_actor(person)
    records, _ = handler("insurance-records")
    with django_capture_on_commit_callbacks(execute=True):
        correction = correction_request_submit(actor=citizen, person=person, message="March 2011 is missing 10 days.")
    application = Application.objects.get(correction_request=correction)
    assert application.service_code == CORRECTION and application.unit == "insurance-records"
    assert application.assigned_to_id == records.pk  # round robin after commit
    assert application.documents.filter(role="receipt").exists()
    # The same request again is the same application.
    again = correction_request_submit(actor=citizen, person=person, message="March 2011 is missing 10 days.")
    assert again.pk == correction.pk and Application.objects.filter(correction_request=correction).count() == 1

    case_decide(actor=staff_actor(records), application_id=application.pk, outcome="approve", reasons="The fund confirmed the 10 days.")
    assert CorrectionRequest.objects.get(pk=correction.pk).status == "accepted"
    detail = application_detail_for_person(actor=citizen, person_id=person.pk, application_id=application.pk)
    assert detail["status"] == "issued" and detail["decision"]["outcome"] == "approve"


def test_seed_000_work_outside_the_eu_from_request_to_the_document_in_the_file(funds, django_capture_on_commit_callbacks):
    """The A1 form's non-EU choice: routed to international relations, handled with contacts abroad,
    events at every stage, the temporary certificate first and the final document in the file."""
    from pronoia.documents.selectors import documents_for_person
    from pronoia.services.services import application_submit
    from pronoia.services.tests.application_factories import A1, a1_answers

    person = insured_person()
    citizen = citizen_actor(person)
    ir_user, ir = handler("international-relations")
    with django_capture_on_commit_callbacks(execute=True):
        application = application_submit(actor=citizen, service_code=A1, data=a1_answers(person), language="en")
    assert application.unit == "international-relations" and application.assigned_to_id == ir_user.pk
    kinds = {info.kind for info in documents_for_person(actor=citizen, person_id=person.pk)}
    assert kinds == {"submission_receipt"}

    case_contact_record(actor=ir, application_id=application.pk, counterpart_kind="foreign_employer", counterpart_name="Example Inc.", channel="email", contacted_on=timezone.localdate(), summary="Confirmed the posting dates.")
    case_contact_record(actor=ir, application_id=application.pk, counterpart_kind="foreign_institution", counterpart_name="US Social Security Administration", counterpart_country="US", channel="post", contacted_on=timezone.localdate(), summary="Certificate of coverage agreed.")
    case_decide(actor=ir, application_id=application.pk, outcome="approve", reasons="Covered by the Greek legislation during the posting (bilateral agreement).")

    application.refresh_from_db()
    assert application.status == "issued" and application.contacts.count() == 2
    kinds = {info.kind for info in documents_for_person(actor=citizen, person_id=person.pk)}
    assert kinds == {"submission_receipt", "decision"}
    stages = list(DomainEvent.objects.filter(payload__application_id=application.pk).order_by("pk").values_list("name", "payload__to_status"))
    assert stages == [
        ("application.submitted", None),
        ("application.status_changed", "in_review"),
        ("application.status_changed", "approved"),
        ("application.decided", None),
        ("application.status_changed", "issued"),
    ]


def test_oversized_texts_are_refused_with_their_field(funds):
    application = application_make(insured_person())
    _user, actor = handler()
    assigned(application, actor)
    with pytest.raises(PronoiaError) as caught:
        case_information_request(actor=actor, application_id=application.pk, question="?" * 4001)
    assert caught.value.code == "reason_too_long" and caught.value.field == "question"
    with pytest.raises(PronoiaError) as caught:
        case_decide(actor=actor, application_id=application.pk, outcome="approve", reasons="r" * 4001)
    assert caught.value.field == "reasons"
    with pytest.raises(PronoiaError) as caught:
        case_fail(actor=actor, application_id=application.pk, reason="f" * 4001)
    assert caught.value.field == "reason"
    application.refresh_from_db()
    assert application.status == "submitted" and not application.information_requests.exists()
