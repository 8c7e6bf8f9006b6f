"""Staff decisions on the linkage review queue: merge, reject, reopen, and split records off a person.

Every decision is audited with enough data to undo it exactly:

* ``review_merge`` records the period ids it linked and the legacy identifiers it learnt;
  ``review_reopen`` unlinks exactly those periods and forgets exactly those identifiers.
* ``period_split`` records each period's former person, link method and review; the split-off
  periods wait in an open review with the former person as a candidate, so ``review_merge``
  puts them back.
"""
from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pronoia.audit.models import AuditEvent
from pronoia.audit.services import audit_record
from pronoia.core.errors import PronoiaError
from pronoia.insurance import quality
from pronoia.insurance.models import InsurancePeriod, LinkageCandidate, LinkageReview, LinkMethod
from pronoia.people.models import LegacyIdentifier, Person
from pronoia.people.services import legacy_identifier_learn

ACTION_MERGE = "linkage.merge"
ACTION_REJECT = "linkage.reject"
ACTION_REOPEN = "linkage.reopen"
ACTION_SPLIT = "linkage.split"

# Bounds hostile input (a form posting thousands of ids) before it reaches the database.
MAX_SPLIT_PERIODS = 1000
MAX_NOTE_CHARS = 2000
SPLIT_KEY_PREFIX = "split:"


def _clean_text(value: str | None, *, field: str, required: bool) -> str:
    text = (value or "").strip()
    if required and not text:
        message = _("Please give a reason for this change.") if field == "reason" else _("Please give a note for this decision.")
        raise PronoiaError(code=f"{field}_required", message=message, field=field)
    if len(text) > MAX_NOTE_CHARS:
        raise PronoiaError(
            code=f"{field}_too_long",
            message=_("The text is longer than %(max)d characters.") % {"max": MAX_NOTE_CHARS},
            field=field,
        )
    return text


def _review_lock(review: LinkageReview) -> LinkageReview:
    """Fresh, row-locked copy: two staff deciding the same review at once are serialised here."""
    try:
        return LinkageReview.objects.select_for_update().get(pk=review.pk)
    except LinkageReview.DoesNotExist:
        raise PronoiaError(code="review_not_found", message=_("This review no longer exists."), field="review", status_code=404) from None


def _require_open(review: LinkageReview) -> None:
    if review.status != LinkageReview.Status.OPEN:
        raise PronoiaError(
            code="review_not_open",
            message=_("Review #%(id)s is already decided (%(status)s); reopen it first.") % {"id": review.pk, "status": review.get_status_display()},
            field="review",
            status_code=409,
        )


def _legacy_keys(periods: Iterable[InsurancePeriod]) -> list[tuple[str, str, str]]:
    """Distinct (fund code, member number, source code) the periods report, in a stable order."""
    seen: dict[tuple[str, str], str] = {}
    for period in periods:
        fund_code, member_no = period.legacy_fund_code.strip(), period.legacy_member_no.strip()
        if fund_code and member_no:
            seen.setdefault((fund_code, member_no), period.source.code)
    return [(fund, no, src) for (fund, no), src in sorted(seen.items())]


@transaction.atomic
def review_merge(*, review: LinkageReview, person: Person, actor, note: str = "") -> LinkageReview:
    """Link the review's unlinked periods to ``person`` (method "manual") and learn their legacy ids.

    ``person`` is normally one of the review's candidates; any other person is allowed (staff
    found them by national identifier) and the audit event says so. Raises ``PronoiaError`` when
    the review is not open, has nothing to link, or a legacy identifier belongs to someone else.
    Superseded versions waiting in the review are linked too: history follows its live record.
    """
    note = _clean_text(note, field="note", required=False)
    review = _review_lock(review)
    _require_open(review)
    periods = list(
        InsurancePeriod.objects.select_for_update()
        .filter(review=review, person__isnull=True)
        .select_related("source")
        .order_by("pk")
    )
    if not periods:
        raise PronoiaError(code="review_has_no_periods", message=_("This review has no unlinked records to merge."), field="review")

    learnt: list[dict[str, str]] = []
    for fund_code, member_no, source_code in _legacy_keys(periods):
        existing = LegacyIdentifier.objects.filter(fund_code=fund_code, member_no=member_no).select_related("person").first()
        if existing is not None and existing.person_id != person.pk:
            raise PronoiaError(
                code="legacy_identifier_conflict",
                message=_(
                    "Member number %(no)s of fund %(fund)s already belongs to %(other)s; "
                    "merging these records into %(person)s would give one member number to two persons."
                )
                % {"no": member_no, "fund": fund_code, "other": existing.person, "person": person},
                field="person",
                status_code=409,
            )
        if existing is None:
            legacy_identifier_learn(person=person, fund_code=fund_code, member_no=member_no, learnt_from=source_code)
            learnt.append({"fund_code": fund_code, "member_no": member_no})

    period_ids = [p.pk for p in periods]
    InsurancePeriod.objects.filter(pk__in=period_ids).update(person=person, link_method=LinkMethod.MANUAL)

    was_candidate = LinkageCandidate.objects.filter(review=review, person=person).exists()
    _review_decision_set(review, status=LinkageReview.Status.MERGED, merged_into=person, actor=actor, note=note)

    audit_record(
        action=ACTION_MERGE,
        object_type="linkage_review",
        object_id=review.pk,
        actor=actor,
        person_id=person.pk,
        reason=note,
        data={
            "period_ids": period_ids,
            "person_id": person.pk,
            "person_was_candidate": was_candidate,
            "legacy_identifiers_learnt": learnt,
        },
    )
    quality.flags_recompute_after_linkage(person_ids=[person.pk])
    return review


@transaction.atomic
def review_reject(*, review: LinkageReview, actor, note: str) -> LinkageReview:
    """Decide that the review's records belong to none of the candidates: keep them apart."""
    note = _clean_text(note, field="note", required=True)
    review = _review_lock(review)
    _require_open(review)
    _review_decision_set(review, status=LinkageReview.Status.REJECTED, merged_into=None, actor=actor, note=note)
    audit_record(
        action=ACTION_REJECT,
        object_type="linkage_review",
        object_id=review.pk,
        actor=actor,
        reason=note,
        data={"period_ids": list(review.periods.order_by("pk").values_list("pk", flat=True))},
    )
    return review


def _last_merge_event(review: LinkageReview) -> AuditEvent:
    event = (
        AuditEvent.objects.filter(action=ACTION_MERGE, object_type="linkage_review", object_id=str(review.pk))
        .order_by("-at", "-pk")
        .first()
    )
    if event is None or not isinstance(event.data.get("period_ids"), list):
        raise PronoiaError(
            code="merge_audit_missing",
            message=_("The audit record of this merge is missing, so it cannot be undone automatically."),
            field="review",
            status_code=409,
        )
    return event


@transaction.atomic
def review_reopen(*, review: LinkageReview, actor, reason: str) -> LinkageReview:
    """Undo a merge or a rejection and put the review back in the queue.

    After a merge, exactly the periods the merge linked are unlinked and exactly the legacy
    identifiers it learnt are forgotten (read from the merge's audit event). Refuses when one of
    those periods has since been moved or split off, or when later records were linked through
    an identifier the merge learnt.
    """
    reason = _clean_text(reason, field="reason", required=True)
    review = _review_lock(review)
    if review.status == LinkageReview.Status.OPEN:
        raise PronoiaError(code="review_already_open", message=_("Review #%(id)s is already open.") % {"id": review.pk}, field="review", status_code=409)

    data: dict = {"previous_status": review.status, "period_ids": [], "legacy_identifiers_forgotten": []}
    affected_person_id: int | None = None
    if review.status == LinkageReview.Status.MERGED:
        event = _last_merge_event(review)
        person_id = review.merged_into_id
        period_ids = [int(pk) for pk in event.data["period_ids"]]
        periods = list(InsurancePeriod.objects.select_for_update().filter(pk__in=period_ids).order_by("pk"))
        moved = [p.pk for p in periods if p.person_id != person_id or p.review_id != review.pk]
        if moved:
            raise PronoiaError(
                code="reopen_periods_changed",
                message=_("Records %(ids)s have been moved since the merge; undo those changes first.") % {"ids": ", ".join(map(str, moved))},
                field="review",
                status_code=409,
            )
        learnt = event.data.get("legacy_identifiers_learnt", [])
        # Records imported after the merge may have been linked through an identifier it learnt;
        # forgetting the identifier would leave them linked on a basis that no longer exists.
        later = Q()
        for ident in learnt:
            later |= Q(legacy_fund_code=ident["fund_code"], legacy_member_no=ident["member_no"])
        if learnt:
            relied_on = list(
                InsurancePeriod.objects.filter(later, person_id=person_id, link_method=LinkMethod.LEGACY_ID)
                .exclude(pk__in=period_ids)
                .values_list("pk", flat=True)[:20]
            )
            if relied_on:
                raise PronoiaError(
                    code="reopen_identifier_in_use",
                    message=_("Records %(ids)s were linked later through a member number this merge taught us; split them off first.")
                    % {"ids": ", ".join(map(str, relied_on))},
                    field="review",
                    status_code=409,
                )
        InsurancePeriod.objects.filter(pk__in=[p.pk for p in periods]).update(person=None, link_method=LinkMethod.NONE)
        for ident in learnt:
            deleted, _detail = LegacyIdentifier.objects.filter(
                person_id=person_id, fund_code=ident["fund_code"], member_no=ident["member_no"]
            ).delete()
            if deleted:
                data["legacy_identifiers_forgotten"].append(ident)
        data.update(period_ids=[p.pk for p in periods], person_id=person_id, merge_event_id=event.pk)
        affected_person_id = person_id

    _review_decision_set(review, status=LinkageReview.Status.OPEN, merged_into=None, actor=None, note="")
    audit_record(
        action=ACTION_REOPEN,
        object_type="linkage_review",
        object_id=review.pk,
        actor=actor,
        person_id=affected_person_id,
        reason=reason,
        data=data,
    )
    quality.flags_recompute_after_linkage(person_ids=[affected_person_id] if affected_person_id is not None else [])
    return review


def _split_review_for(person: Person) -> LinkageReview:
    """The person's open split review, or a new one (split reviews are keyed per person and occasion)."""
    review = (
        LinkageReview.objects.select_for_update()
        .filter(status=LinkageReview.Status.OPEN, identity_key__startswith=f"{SPLIT_KEY_PREFIX}{person.pk}:")
        .order_by("pk")
        .first()
    )
    if review is None:
        # A fresh key each time: an earlier split review of this person may already be decided.
        review = LinkageReview.objects.create(
            identity_key=f"{SPLIT_KEY_PREFIX}{person.pk}:{uuid.uuid4().hex}",
            reason=_("Split off %(person)s by staff") % {"person": person.national_id},
        )
    return review


@transaction.atomic
def period_split(*, person: Person, period_ids: Iterable[int], actor, reason: str) -> LinkageReview:
    """Unlink wrongly linked periods from ``person`` into an open review (former person as candidate).

    Only live periods of that person can be split. The audit event keeps each period's former
    person, link method and review; ``review_merge`` into the former person links them back.
    """
    reason = _clean_text(reason, field="reason", required=True)
    try:
        ids = sorted({int(pk) for pk in period_ids})
    except (TypeError, ValueError):
        raise PronoiaError(code="period_ids_invalid", message=_("The record identifiers are not valid."), field="period_ids") from None
    if not ids:
        raise PronoiaError(code="period_ids_required", message=_("Choose at least one record to split off."), field="period_ids")
    if len(ids) > MAX_SPLIT_PERIODS:
        raise PronoiaError(
            code="period_ids_too_many",
            message=_("At most %(max)d records can be split off at once.") % {"max": MAX_SPLIT_PERIODS},
            field="period_ids",
        )

    periods = list(InsurancePeriod.objects.select_for_update().filter(pk__in=ids).order_by("pk"))
    foreign = sorted(set(ids) - {p.pk for p in periods if p.person_id == person.pk})
    if foreign:
        raise PronoiaError(
            code="period_not_of_person",
            message=_("Records %(ids)s do not belong to %(person)s.") % {"ids": ", ".join(map(str, foreign)), "person": person},
            field="period_ids",
        )
    superseded = [p.pk for p in periods if p.status == InsurancePeriod.Status.SUPERSEDED]
    if superseded:
        raise PronoiaError(
            code="period_superseded",
            message=_("Records %(ids)s are superseded versions; split off their current version instead.")
            % {"ids": ", ".join(map(str, superseded))},
            field="period_ids",
        )

    review = _split_review_for(person)
    LinkageCandidate.objects.get_or_create(
        review=review, person=person, defaults={"score": 100.0, "reasons": _("linked before the split")}
    )
    previous = [
        {"period_id": p.pk, "person_id": p.person_id, "link_method": p.link_method, "review_id": p.review_id} for p in periods
    ]
    InsurancePeriod.objects.filter(pk__in=ids).update(person=None, link_method=LinkMethod.NONE, review=review)
    audit_record(
        action=ACTION_SPLIT,
        object_type="linkage_review",
        object_id=review.pk,
        actor=actor,
        person_id=person.pk,
        reason=reason,
        data={"period_ids": ids, "person_id": person.pk, "previous": previous},
    )
    quality.flags_recompute_after_linkage(person_ids=[person.pk])
    return review


def _review_decision_set(review: LinkageReview, *, status: str, merged_into: Person | None, actor, note: str) -> None:
    """Record a decision on the review; reopening (status open) clears who decided and when."""
    decided = status != LinkageReview.Status.OPEN
    review.status = status
    review.merged_into = merged_into
    review.decided_by = actor if decided and getattr(actor, "pk", None) else None
    review.decided_at = timezone.now() if decided else None
    review.decision_note = note
    review.save(update_fields=["status", "merged_into", "decided_by", "decided_at", "decision_note"])
