import time

import pytest
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.urls import reverse

from pronoia.accounts.staff.reauth import SESSION_FACTOR_AT_KEY
from pronoia.accounts.tests.factories import client_sign_in_staff, staff_user
from pronoia.audit.models import DataAccessEntry

from pronoia.audit.models import AuditEvent
from pronoia.audit.services import audit_record
from pronoia.insurance.linkage_review import review_merge
from pronoia.insurance.models import ImportBatch, InsurancePeriod, LinkageReview
from pronoia.insurance.tests.factories import (
    CorrectionRequestFactory,
    DataQualityFlagFactory,
    ImportRowErrorFactory,
    InsurancePeriodFactory,
    LinkageCandidateFactory,
    LinkageReviewFactory,
    ReviewPeriodFactory,
)
from pronoia.people.models import LegacyIdentifier
from pronoia.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _second_factor_just_checked(client) -> None:
    session = client.session
    session[SESSION_FACTOR_AT_KEY] = time.time()
    session.save()


@pytest.fixture
def administrator():
    return staff_user("administrator", username="boss")


@pytest.fixture
def staff_client(client, administrator):
    """An administrator signed in with a verified second factor, checked a moment ago."""
    client_sign_in_staff(client, administrator)
    _second_factor_just_checked(client)
    return client


@pytest.fixture
def review():
    review = LinkageReviewFactory()
    ReviewPeriodFactory.create_batch(2, review=review, legacy_member_no="M0000042", reported_national_id="01017012345")
    LinkageCandidateFactory(review=review, score=91.0)
    LinkageCandidateFactory(review=review, score=70.0)
    return review


def _best(review):
    return review.candidates.order_by("-score").first().person


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def some_of_everything(review):
    person = PersonFactory()
    period = InsurancePeriodFactory(person=person)
    LegacyIdentifier.objects.create(person=person, fund_code="IKA", member_no="L1")
    ImportRowErrorFactory.create_batch(2)
    DataQualityFlagFactory(person=person)
    CorrectionRequestFactory(person=person, period=period)
    audit_record(action="test.event", object_type="person", object_id=person.pk, reason="seed")
    return person


def test_every_registered_model_has_a_working_changelist_and_change_view(staff_client, some_of_everything):
    for model, model_admin in admin.site._registry.items():
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        response = staff_client.get(changelist)
        assert response.status_code == 200, changelist
        obj = model_admin.get_queryset(response.wsgi_request).first()
        if obj is not None:
            change = reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk])
            assert staff_client.get(change).status_code == 200, change


def test_person_search_and_links_to_periods_and_flags(staff_client, some_of_everything):
    person = some_of_everything
    response = staff_client.get(reverse("admin:people_person_changelist"), {"q": person.national_id})
    assert response.status_code == 200 and response.context["cl"].result_count == 1
    response = staff_client.get(reverse("admin:people_person_changelist"), {"q": person.surname_latin})
    assert person in response.context["cl"].result_list
    page = staff_client.get(reverse("admin:people_person_change", args=[person.pk])).content.decode()
    assert f"?person__id__exact={person.pk}" in page and "L1" in page
    response = staff_client.get(reverse("admin:insurance_insuranceperiod_changelist"), {"person__id__exact": person.pk})
    assert response.status_code == 200 and response.context["cl"].result_count == 1


def test_review_queue_lists_open_first_with_a_bounded_number_of_queries(staff_client, administrator, django_assert_max_num_queries):
    decided = LinkageReviewFactory()
    ReviewPeriodFactory(review=decided)
    LinkageCandidateFactory(review=decided)
    review_merge(review=decided, person=PersonFactory(), actor=administrator, note="x")
    for _ in range(15):
        r = LinkageReviewFactory()
        ReviewPeriodFactory.create_batch(3, review=r)
        LinkageCandidateFactory.create_batch(2, review=r)
    url = reverse("admin:insurance_linkagereview_changelist")
    staff_client.get(url)  # warm the session and content-type caches
    with django_assert_max_num_queries(8):
        response = staff_client.get(url)
    results = list(response.context["cl"].result_list)
    assert results[-1] == decided
    assert {r.n_periods for r in results[:-1]} == {3}
    page = response.content.decode()
    assert "similar name, same birth date" in page


def test_period_changelist_query_count_is_bounded(staff_client, django_assert_max_num_queries):
    InsurancePeriodFactory.create_batch(30)
    url = reverse("admin:insurance_insuranceperiod_changelist")
    staff_client.get(url)
    with django_assert_max_num_queries(11):
        response = staff_client.get(url)
    assert response.context["cl"].result_count == 30


def test_review_change_view_shows_reported_identity_beside_candidates(staff_client, review):
    page = staff_client.get(reverse("admin:insurance_linkagereview_change", args=[review.pk])).content.decode()
    assert "01017012345" in page and "IKA:M0000042" in page and "Papadopoulos" in page
    for candidate in review.candidates.all():
        assert candidate.person.national_id in page
    assert reverse("admin:insurance_linkagereview_merge", args=[review.pk]) in page
    assert "Reject (keep apart)" in page


def test_merge_reject_and_reopen_through_the_admin(staff_client, administrator, review):
    person = _best(review)
    change_url = reverse("admin:insurance_linkagereview_change", args=[review.pk])

    response = staff_client.post(reverse("admin:insurance_linkagereview_merge", args=[review.pk]), {"person_id": person.pk, "note": "same person"}, follow=True)
    assert response.redirect_chain[-1][0] == change_url
    assert any("merged into" in m for m in _messages(response))
    review.refresh_from_db()
    assert (review.status, review.merged_into, review.decided_by) == ("merged", person, administrator)
    assert review.periods.filter(person=person, link_method="manual").count() == 2

    response = staff_client.post(reverse("admin:insurance_linkagereview_reopen", args=[review.pk]), {"reason": "wrong"}, follow=True)
    assert any("open again" in m for m in _messages(response))
    review.refresh_from_db()
    assert review.status == "open" and not review.periods.filter(person__isnull=False).exists()

    response = staff_client.post(reverse("admin:insurance_linkagereview_reject", args=[review.pk]), {"note": "apart"}, follow=True)
    review.refresh_from_db()
    assert review.status == "rejected"
    assert list(AuditEvent.objects.order_by("pk").values_list("action", flat=True)) == ["linkage.merge", "linkage.reopen", "linkage.reject"]


def test_merge_by_national_id_of_a_non_candidate(staff_client, review):
    outsider = PersonFactory()
    staff_client.post(
        reverse("admin:insurance_linkagereview_merge", args=[review.pk]),
        {"country": outsider.country, "national_id": outsider.national_id, "note": "found by id"},
    )
    review.refresh_from_db()
    assert review.merged_into == outsider
    assert AuditEvent.objects.get(action="linkage.merge").data["person_was_candidate"] is False


@pytest.mark.parametrize(
    "post",
    [
        {"person_id": "CANDIDATE"},  # no note
        {"person_id": "CANDIDATE", "note": "   "},
        {"note": "neither candidate nor id"},
        {"person_id": "OUTSIDER", "note": "not a candidate"},
        {"national_id": "00000000000", "country": "gr", "note": "nobody"},
        {"person_id": "not a number", "note": "x"},
    ],
)
def test_bad_merge_posts_change_nothing_and_say_why(staff_client, review, post):
    post = dict(post)
    if post.get("person_id") == "CANDIDATE":
        post["person_id"] = _best(review).pk
    elif post.get("person_id") == "OUTSIDER":
        post["person_id"] = PersonFactory().pk
    response = staff_client.post(reverse("admin:insurance_linkagereview_merge", args=[review.pk]), post, follow=True)
    assert response.status_code == 200
    assert _messages(response)
    review.refresh_from_db()
    assert review.status == "open"
    assert not AuditEvent.objects.exists()


def test_double_merge_through_the_admin_is_refused(staff_client, review):
    url = reverse("admin:insurance_linkagereview_merge", args=[review.pk])
    staff_client.post(url, {"person_id": _best(review).pk, "note": "first"})
    response = staff_client.post(url, {"person_id": _best(review).pk, "note": "second"}, follow=True)
    assert any("already decided" in m for m in _messages(response))
    assert AuditEvent.objects.filter(action="linkage.merge").count() == 1


def test_decision_views_refuse_get_non_staff_and_staff_without_an_admin_role(client, review):
    url = reverse("admin:insurance_linkagereview_merge", args=[review.pk])
    data = {"person_id": _best(review).pk, "note": "x"}

    # Anonymous: sent to the staff sign-in.
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"].startswith(reverse("staff:login"))

    # Logged in but not staff: also the staff sign-in, never the view.
    user = get_user_model().objects.create_user(username="citizen", password="x" * 16)
    client.force_login(user)
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"].startswith(reverse("staff:login"))

    # Staff whose second factor is not verified yet: to the second-factor page.
    handler = staff_user("case_handler")
    client_sign_in_staff(client, handler, verified=False)
    response = client.post(url, data)
    assert response.status_code == 302 and response["Location"].startswith(reverse("staff:otp_verify"))

    # Verified staff without an admin role (operator, auditor): refused, the review untouched.
    for role in ("operator_l2", "auditor"):
        client_sign_in_staff(client, staff_user(role))
        assert client.post(url, data).status_code == 403
        assert client.get(reverse("admin:insurance_linkagereview_change", args=[review.pk])).status_code == 403

    # A case handler may decide, but GET never decides and a stale second factor is asked again.
    client_sign_in_staff(client, handler)
    _second_factor_just_checked(client)
    assert client.get(url).status_code == 405
    review.refresh_from_db()
    assert review.status == "open"
    assert client.post(url, data).status_code == 302
    review.refresh_from_db()
    assert review.status == "merged"


def test_merge_needs_a_recent_second_factor(client, review):
    handler = staff_user("case_handler")
    client_sign_in_staff(client, handler)  # verified at sign-in, but no check in the last minutes
    change_url = reverse("admin:insurance_linkagereview_change", args=[review.pk])
    response = client.post(
        reverse("admin:insurance_linkagereview_merge", args=[review.pk]),
        {"person_id": _best(review).pk, "note": "same person"},
        HTTP_REFERER=f"http://testserver{change_url}",
    )
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("staff:reauth")) and "next=" in response["Location"]
    review.refresh_from_db()
    assert review.status == "open" and not AuditEvent.objects.exists()

    session = client.session
    session[SESSION_FACTOR_AT_KEY] = time.time() - 301  # older than five minutes
    session.save()
    client.post(reverse("admin:insurance_linkagereview_merge", args=[review.pk]), {"person_id": _best(review).pk, "note": "x"})
    review.refresh_from_db()
    assert review.status == "open"

    _second_factor_just_checked(client)
    client.post(reverse("admin:insurance_linkagereview_merge", args=[review.pk]), {"person_id": _best(review).pk, "note": "x"})
    review.refresh_from_db()
    assert review.status == "merged"


def test_decision_views_enforce_csrf(administrator, review):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client_sign_in_staff(client, administrator)
    _second_factor_just_checked(client)
    response = client.post(reverse("admin:insurance_linkagereview_reject", args=[review.pk]), {"note": "x"})
    assert response.status_code == 403
    review.refresh_from_db()
    assert review.status == "open"


def test_opening_a_review_logs_every_person_it_shows(staff_client, administrator, review):
    staff_client.get(reverse("admin:insurance_linkagereview_changelist"))
    assert not DataAccessEntry.objects.exists()  # lists log nothing per row
    staff_client.get(reverse("admin:insurance_linkagereview_change", args=[review.pk]))
    entries = list(DataAccessEntry.objects.order_by("person_id"))
    assert sorted(e.person_id for e in entries) == sorted(review.candidates.values_list("person_id", flat=True))
    for entry in entries:
        assert (entry.actor_user_id, entry.actor_role, entry.purpose, entry.channel) == (administrator.pk, "administrator", "linkage review", "admin")
        assert entry.categories == "identity,insurance_record"


def test_opening_person_period_flag_and_correction_logs_the_person(staff_client, administrator, some_of_everything):
    person = some_of_everything
    objects = [
        ("people_person", person),
        ("insurance_insuranceperiod", person.periods.get()),
        ("insurance_dataqualityflag", person.flags.get()),
        ("insurance_correctionrequest", person.correction_requests.get()),
    ]
    expected = 0
    for name, obj in objects:
        assert staff_client.get(reverse(f"admin:{name}_change", args=[obj.pk])).status_code == 200
        expected += 1
        entry = DataAccessEntry.objects.order_by("-id").first()
        assert (entry.person_id, entry.purpose, entry.actor_role) == (person.pk, "back-office administration", "administrator"), name
    assert DataAccessEntry.objects.count() == expected
    # A changelist showing the person logs nothing.
    staff_client.get(reverse("admin:people_person_changelist"), {"q": person.national_id})
    assert DataAccessEntry.objects.count() == expected


def test_split_action_asks_for_a_reason_then_splits(staff_client, administrator):
    person = PersonFactory()
    wrong = InsurancePeriodFactory.create_batch(2, person=person)
    keep = InsurancePeriodFactory(person=person)
    url = reverse("admin:insurance_insuranceperiod_changelist")
    selection = {"action": "split_off", "_selected_action": [p.pk for p in wrong]}

    response = staff_client.post(url, selection)
    assert response.status_code == 200
    assert "admin/insurance/insuranceperiod/split_confirmation.html" in [t.name for t in response.templates]
    assert InsurancePeriod.objects.filter(person=person).count() == 3

    response = staff_client.post(url, {**selection, "apply": "1", "reason": ""})
    assert response.status_code == 200 and response.context["form"].errors
    assert InsurancePeriod.objects.filter(person=person).count() == 3

    response = staff_client.post(url, {**selection, "apply": "1", "reason": "records of a namesake"}, follow=True)
    assert any("split off" in m for m in _messages(response))
    assert list(InsurancePeriod.objects.filter(person=person)) == [keep]
    review = LinkageReview.objects.get()
    assert review.status == "open" and set(review.periods.values_list("pk", flat=True)) == {p.pk for p in wrong}
    event = AuditEvent.objects.get(action="linkage.split")
    assert event.actor == administrator and event.reason == "records of a namesake"


def test_split_action_refuses_unlinked_records(staff_client, review):
    url = reverse("admin:insurance_insuranceperiod_changelist")
    ids = list(review.periods.values_list("pk", flat=True))
    response = staff_client.post(url, {"action": "split_off", "_selected_action": ids, "apply": "1", "reason": "x"}, follow=True)
    assert any("not linked" in m for m in _messages(response))
    assert not AuditEvent.objects.exists()


def test_periods_audit_events_and_import_batches_cannot_be_deleted_or_edited(staff_client, administrator):
    period = InsurancePeriodFactory()
    batch = ImportRowErrorFactory().batch
    event = audit_record(action="test.event", object_type="person", object_id=1)
    for name, obj in [("insurance_insuranceperiod", period), ("audit_auditevent", event), ("insurance_importbatch", batch)]:
        assert staff_client.get(reverse(f"admin:{name}_delete", args=[obj.pk])).status_code == 403
        assert staff_client.post(reverse(f"admin:{name}_delete", args=[obj.pk]), {"post": "yes"}).status_code == 403
        response = staff_client.post(reverse(f"admin:{name}_changelist"), {"action": "delete_selected", "_selected_action": [obj.pk], "post": "yes"})
        assert response.status_code in (200, 302)
    assert InsurancePeriod.objects.filter(pk=period.pk).exists()
    assert AuditEvent.objects.filter(pk=event.pk).exists()
    assert ImportBatch.objects.filter(pk=batch.pk).exists()

    # Provenance is read-only: a POST to the change form does not alter it.
    staff_client.post(reverse("admin:insurance_insuranceperiod_change", args=[period.pk]), {"source_record_id": "HACKED", "days": 1})
    period.refresh_from_db()
    assert period.source_record_id != "HACKED" and period.days == 300
    assert staff_client.post(reverse("admin:audit_auditevent_change", args=[event.pk]), {"reason": "rewritten"}).status_code == 403
    assert staff_client.get(reverse("admin:insurance_insuranceperiod_add")).status_code == 403


@pytest.mark.parametrize("q", ["abc", "' OR 1=1 --", "%", "01017012345", "<script>alert(1)</script>", "x" * 500])
def test_searches_survive_hostile_input(staff_client, review, q):
    for name in ["insurance_linkagereview", "insurance_insuranceperiod", "audit_auditevent", "people_person", "insurance_dataqualityflag"]:
        response = staff_client.get(reverse(f"admin:{name}_changelist"), {"q": q})
        assert response.status_code == 200, name
        assert "<script>alert(1)</script>" not in response.content.decode()


def test_review_search_by_reported_national_id_finds_the_review_once(staff_client, review):
    LinkageReviewFactory()
    response = staff_client.get(reverse("admin:insurance_linkagereview_changelist"), {"q": "01017012345"})
    assert list(response.context["cl"].result_list) == [review]
    assert response.context["cl"].result_list[0].n_periods == 2


def test_decision_on_a_missing_review_is_404(staff_client):
    assert staff_client.post(reverse("admin:insurance_linkagereview_reject", args=[987654]), {"note": "x"}).status_code == 404


def test_person_identity_is_read_only_in_the_admin(staff_client):
    person = PersonFactory()
    staff_client.post(
        reverse("admin:people_person_change", args=[person.pk]),
        {"national_id": "99999999999", "surname": "Other", "email": "new@example.invalid",
         "legacy_identifiers-TOTAL_FORMS": "0", "legacy_identifiers-INITIAL_FORMS": "0"},
    )
    person.refresh_from_db()
    assert person.national_id != "99999999999" and person.surname != "Other"
    assert person.email == "new@example.invalid"


def test_reopen_and_split_need_a_recent_second_factor(client, review):
    """Reopening undoes a merge and splitting moves records out of a file: both ask again, like merge."""
    handler = staff_user("administrator")
    client_sign_in_staff(client, handler)
    _second_factor_just_checked(client)
    client.post(reverse("admin:insurance_linkagereview_merge", args=[review.pk]), {"person_id": _best(review).pk, "note": "same"})
    review.refresh_from_db()
    assert review.status == "merged"

    session = client.session
    session[SESSION_FACTOR_AT_KEY] = time.time() - 301
    session.save()
    response = client.post(reverse("admin:insurance_linkagereview_reopen", args=[review.pk]), {"reason": "wrong person"})
    assert response.status_code == 302 and response["Location"].startswith(reverse("staff:reauth"))
    review.refresh_from_db()
    assert review.status == "merged"

    person = PersonFactory()
    periods = InsurancePeriodFactory.create_batch(2, person=person)
    selection = {"action": "split_off", "_selected_action": [p.pk for p in periods], "apply": "1", "reason": "namesake"}
    response = client.post(reverse("admin:insurance_insuranceperiod_changelist"), selection)
    assert response.status_code == 302 and response["Location"].startswith(reverse("staff:reauth"))
    assert InsurancePeriod.objects.filter(person=person).count() == 2

    _second_factor_just_checked(client)
    client.post(reverse("admin:insurance_linkagereview_reopen", args=[review.pk]), {"reason": "wrong person"})
    review.refresh_from_db()
    assert review.status == "open"
    client.post(reverse("admin:insurance_insuranceperiod_changelist"), selection)
    assert InsurancePeriod.objects.filter(person=person).count() == 0
