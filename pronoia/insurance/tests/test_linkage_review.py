import pytest
from django.contrib.auth import get_user_model

from pronoia.audit.models import AuditEvent
from pronoia.core.errors import PronoiaError
from pronoia.insurance import linkage_review, quality
from pronoia.insurance.linkage_review import period_split, review_merge, review_reject, review_reopen
from pronoia.insurance.models import InsurancePeriod, LinkageReview
from pronoia.insurance.tests.factories import (
    InsurancePeriodFactory,
    LinkageCandidateFactory,
    LinkageReviewFactory,
    ReviewPeriodFactory,
)
from pronoia.people.models import LegacyIdentifier
from pronoia.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff():
    return get_user_model().objects.create_user(username="clerk", password="x" * 16, is_staff=True)


@pytest.fixture
def recomputed(monkeypatch):
    calls: list[list[int]] = []
    monkeypatch.setattr(quality, "flags_recompute_for_persons", lambda *, person_ids: calls.append(list(person_ids)))
    return calls


@pytest.fixture
def review():
    """An open review with two unlinked periods of one legacy identity and two candidates."""
    review = LinkageReviewFactory()
    ReviewPeriodFactory.create_batch(2, review=review, legacy_member_no="M0000042")
    LinkageCandidateFactory(review=review, score=91.0)
    LinkageCandidateFactory(review=review, score=70.0)
    return review


def _best_candidate(review):
    return review.candidates.order_by("-score").first().person


def test_merge_links_periods_learns_identifier_and_audits(review, staff, recomputed):
    person = _best_candidate(review)
    period_ids = sorted(review.periods.values_list("pk", flat=True))

    result = review_merge(review=review, person=person, actor=staff, note="same person, confirmed by phone")

    assert result.status == LinkageReview.Status.MERGED
    assert result.merged_into == person and result.decided_by == staff and result.decided_at
    assert result.decision_note == "same person, confirmed by phone"
    assert set(InsurancePeriod.objects.filter(person=person).values_list("link_method", flat=True)) == {"manual"}
    assert sorted(InsurancePeriod.objects.filter(person=person).values_list("pk", flat=True)) == period_ids
    ident = LegacyIdentifier.objects.get(fund_code="IKA", member_no="M0000042")
    assert ident.person == person and ident.learnt_from == "IKA"
    event = AuditEvent.objects.get(action="linkage.merge")
    assert event.actor == staff and event.person_id == person.pk and event.object_id == str(review.pk)
    assert event.data["period_ids"] == period_ids
    assert event.data["person_was_candidate"] is True
    assert event.data["legacy_identifiers_learnt"] == [{"fund_code": "IKA", "member_no": "M0000042"}]
    assert recomputed == [[person.pk]]


def test_merge_into_a_non_candidate_is_allowed_and_recorded(review, staff, recomputed):
    outsider = PersonFactory()
    review_merge(review=review, person=outsider, actor=staff, note="found by national id")
    assert AuditEvent.objects.get(action="linkage.merge").data["person_was_candidate"] is False
    assert review.periods.filter(person=outsider).count() == 2


def test_merge_twice_is_refused(review, staff, recomputed):
    person = _best_candidate(review)
    review_merge(review=review, person=person, actor=staff)
    with pytest.raises(PronoiaError) as exc:
        # The stale in-memory object still says "open": the service must re-read the locked row.
        review_merge(review=review, person=PersonFactory(), actor=staff)
    assert exc.value.code == "review_not_open"
    assert AuditEvent.objects.filter(action="linkage.merge").count() == 1


def test_merge_conflicting_legacy_identifier_is_refused_and_changes_nothing(review, staff, recomputed):
    owner = PersonFactory()
    LegacyIdentifier.objects.create(person=owner, fund_code="IKA", member_no="M0000042")
    with pytest.raises(PronoiaError) as exc:
        review_merge(review=review, person=_best_candidate(review), actor=staff)
    assert exc.value.code == "legacy_identifier_conflict"
    assert exc.value.field == "person"
    review.refresh_from_db()
    assert review.status == "open"
    assert not review.periods.filter(person__isnull=False).exists()
    assert not AuditEvent.objects.exists()


def test_merge_of_review_without_unlinked_periods_is_refused(staff, recomputed):
    with pytest.raises(PronoiaError) as exc:
        review_merge(review=LinkageReviewFactory(), person=PersonFactory(), actor=staff)
    assert exc.value.code == "review_has_no_periods"


def test_reject_keeps_records_apart_and_needs_a_note(review, staff):
    with pytest.raises(PronoiaError) as exc:
        review_reject(review=review, actor=staff, note="   ")
    assert (exc.value.code, exc.value.field) == ("note_required", "note")

    result = review_reject(review=review, actor=staff, note="different mother's name")
    assert result.status == LinkageReview.Status.REJECTED and result.merged_into is None
    assert not review.periods.filter(person__isnull=False).exists()
    event = AuditEvent.objects.get(action="linkage.reject")
    assert event.reason == "different mother's name"
    with pytest.raises(PronoiaError) as exc:
        review_reject(review=review, actor=staff, note="again")
    assert exc.value.code == "review_not_open"


def test_reopen_undoes_a_merge_exactly(review, staff, recomputed):
    person = _best_candidate(review)
    # Known before the merge: must survive the undo.
    LegacyIdentifier.objects.create(person=person, fund_code="OAEE", member_no="X1")
    own_period = InsurancePeriodFactory(person=person)
    before = {p.pk: (p.person_id, p.link_method, p.review_id) for p in InsurancePeriod.objects.all()}

    review_merge(review=review, person=person, actor=staff, note="ok")
    result = review_reopen(review=review, actor=staff, reason="wrong person, the birth place differs")

    assert result.status == LinkageReview.Status.OPEN
    assert result.merged_into is None and result.decided_by is None and result.decided_at is None
    assert {p.pk: (p.person_id, p.link_method, p.review_id) for p in InsurancePeriod.objects.all()} == before
    assert list(LegacyIdentifier.objects.values_list("fund_code", "member_no")) == [("OAEE", "X1")]
    assert InsurancePeriod.objects.get(pk=own_period.pk).person == person
    event = AuditEvent.objects.get(action="linkage.reopen")
    assert event.data["previous_status"] == "merged"
    assert event.data["legacy_identifiers_forgotten"] == [{"fund_code": "IKA", "member_no": "M0000042"}]
    assert recomputed == [[person.pk], [person.pk]]
    # And it can be decided again.
    review_merge(review=review, person=PersonFactory(), actor=staff, note="the right one")


def test_reopen_after_reject_and_validation(review, staff):
    with pytest.raises(PronoiaError) as exc:
        review_reopen(review=review, actor=staff, reason="x")
    assert exc.value.code == "review_already_open"
    review_reject(review=review, actor=staff, note="apart")
    with pytest.raises(PronoiaError) as exc:
        review_reopen(review=review, actor=staff, reason="")
    assert exc.value.code == "reason_required"
    assert review_reopen(review=review, actor=staff, reason="new evidence").status == "open"


def test_reopen_refuses_when_a_merged_period_was_moved_since(review, staff, recomputed):
    person = _best_candidate(review)
    review_merge(review=review, person=person, actor=staff)
    moved = review.periods.first()
    period_split(person=person, period_ids=[moved.pk], actor=staff, reason="one was not theirs")
    with pytest.raises(PronoiaError) as exc:
        review_reopen(review=review, actor=staff, reason="undo")
    assert exc.value.code == "reopen_periods_changed"


def test_reopen_refuses_when_later_records_rely_on_a_learnt_identifier(review, staff, recomputed):
    person = _best_candidate(review)
    review_merge(review=review, person=person, actor=staff)
    later = InsurancePeriodFactory(person=person, link_method="legacy_id", legacy_fund_code="IKA", legacy_member_no="M0000042")
    with pytest.raises(PronoiaError) as exc:
        review_reopen(review=review, actor=staff, reason="undo")
    assert exc.value.code == "reopen_identifier_in_use" and str(later.pk) in exc.value.message
    assert LegacyIdentifier.objects.filter(person=person).exists()


def test_split_then_merge_back_restores_the_person(staff, recomputed):
    person = PersonFactory()
    keep = InsurancePeriodFactory(person=person)
    wrong = InsurancePeriodFactory.create_batch(2, person=person, link_method="name_birth_date")

    review = period_split(person=person, period_ids=[p.pk for p in wrong], actor=staff, reason="records of a namesake")

    assert review.status == "open"
    assert list(review.candidates.values_list("person_id", flat=True)) == [person.pk]
    for period in wrong:
        period.refresh_from_db()
        assert (period.person_id, period.link_method, period.review_id) == (None, "none", review.pk)
    keep.refresh_from_db()
    assert keep.person == person
    event = AuditEvent.objects.get(action="linkage.split")
    assert event.reason == "records of a namesake" and event.person_id == person.pk
    assert event.data["previous"] == [
        {"period_id": p.pk, "person_id": person.pk, "link_method": "name_birth_date", "review_id": None} for p in wrong
    ]
    assert recomputed == [[person.pk]]

    # A second split of the same person joins the same open review.
    assert period_split(person=person, period_ids=[keep.pk], actor=staff, reason="also wrong") == review

    review_merge(review=review, person=person, actor=staff, note="it was theirs after all")
    assert InsurancePeriod.objects.filter(person=person).count() == 3


def test_split_after_the_split_review_was_decided_opens_a_new_review(staff, recomputed):
    person = PersonFactory()
    first, second = InsurancePeriodFactory.create_batch(2, person=person)
    review = period_split(person=person, period_ids=[first.pk], actor=staff, reason="a")
    review_reject(review=review, actor=staff, note="kept apart")
    assert period_split(person=person, period_ids=[second.pk], actor=staff, reason="b") != review


@pytest.mark.parametrize(
    ("period_ids", "reason", "code"),
    [
        ("own", "", "reason_required"),
        ("own", "   ", "reason_required"),
        ("own", "x" * 2001, "reason_too_long"),
        ([], "why", "period_ids_required"),
        (["abc"], "why", "period_ids_invalid"),
        ([None], "why", "period_ids_invalid"),
        ("other", "why", "period_not_of_person"),
        ([987654321], "why", "period_not_of_person"),
        ("superseded", "why", "period_superseded"),
        (list(range(1, 1003)), "why", "period_ids_too_many"),
    ],
)
def test_split_rejects_malformed_input(staff, recomputed, period_ids, reason, code):
    person = PersonFactory()
    own = InsurancePeriodFactory(person=person)
    other = InsurancePeriodFactory()
    newer = InsurancePeriodFactory(person=person)
    old = InsurancePeriodFactory(person=person, status="superseded", superseded_by=newer, source_record_id=newer.source_record_id)
    named = {"own": [own.pk], "other": [own.pk, other.pk], "superseded": [old.pk]}
    ids = named[period_ids] if isinstance(period_ids, str) else period_ids
    with pytest.raises(PronoiaError) as exc:
        period_split(person=person, period_ids=ids, actor=staff, reason=reason)
    assert exc.value.code == code
    assert not AuditEvent.objects.exists()
    assert InsurancePeriod.objects.filter(person=person).count() == 3


def test_services_are_keyword_only():
    with pytest.raises(TypeError):
        linkage_review.review_reject(LinkageReview(), None, "note")  # type: ignore[misc]


def test_decisions_lock_the_review_row(review, staff, recomputed):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    if not connection.features.has_select_for_update:
        pytest.skip("SQLite serialises writers with BEGIN IMMEDIATE instead of row locks")
    with CaptureQueriesContext(connection) as ctx:
        review_merge(review=review, person=_best_candidate(review), actor=staff)
    locked = [q["sql"] for q in ctx.captured_queries if "FOR UPDATE" in q["sql"]]
    assert any('FROM "insurance_linkagereview"' in sql for sql in locked)
