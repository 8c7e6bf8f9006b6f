"""Data-quality flags of the insurance file (gaps, overlaps, conflicting months, outliers, unmatched).

Detection runs per person in Python over the person's counting periods (live, not duplicates),
loaded for a chunk of persons at a time, so that recomputation after importing a million rows
costs a few queries per chunk. Recomputation is idempotent: flags are upserted on
(person, code, key), a flag that applies again is reopened, and an open flag that no longer
applies is resolved (never deleted, so correction requests keep pointing at it).

The stored `message` is English (for staff search and logs); pages, the API and the CLI render
the message in the reader's language from `code` and `details` with `flag_message`.
"""
from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from pronoia.core.countries import country_rules
from pronoia.insurance.calendar_split import (
    add_months,
    allocate,
    days_in_month,
    month_buckets,
    month_keys,
    split_by_month,
    whole_months_between,
)
from pronoia.insurance.models import DataQualityFlag, InsurancePeriod, InsuranceType
from pronoia.people.models import Person

Code = DataQualityFlag.Code

# A gap longer than this many months between two periods is flagged (setting overrides).
CAREER_GAP_MONTHS = 6
# Daily earnings above HIGH or below LOW times the person's own median are flagged...
OUTLIER_HIGH_RATIO = Decimal(5)
OUTLIER_LOW_RATIO = Decimal("0.2")
# ...when the person has at least this many periods with earnings to compare with.
OUTLIER_MIN_PERIODS = 5
# Credited periods (benefits, military service) legitimately carry little or no earnings.
CREDIT_TYPES = frozenset(
    {
        InsuranceType.UNEMPLOYMENT_CREDIT,
        InsuranceType.MATERNITY_CREDIT,
        InsuranceType.SICKNESS_CREDIT,
        InsuranceType.MILITARY_SERVICE,
    }
)
CHUNK_SIZE = 1000
MESSAGE_MAX = 500

_PERIOD_FIELDS = (
    "id",
    "person_id",
    "employer_id",
    "employer__registry_no",
    "source__code",
    "insurance_type",
    "period_from",
    "period_to",
    "days",
    "earnings",
)


@dataclass(frozen=True)
class PeriodFacts:
    """The facts of one counting period that detection needs (a light row, not a model)."""

    id: int
    person_id: int
    employer_id: int | None
    employer_no: str | None
    source: str
    insurance_type: str
    period_from: dt.date
    period_to: dt.date
    days: int
    earnings: Decimal


@dataclass
class FlagSpec:
    code: str
    key: str
    details: dict
    period_id: int | None = None
    message: str = field(default="")


def flag_message(code: str, details: dict) -> str:
    """The human explanation of a flag in the active language ("" for an unknown code)."""
    try:
        if code == Code.CAREER_GAP:
            return _(
                "No insurance is recorded from %(start)s to %(end)s (%(months)s months) although "
                "you have periods before and after. If you worked, were self-employed or received a "
                "benefit then, request a correction."
            ) % details
        if code == Code.OVERLAP_EXCESS_DAYS:
            if details["first_month"] == details["last_month"]:
                return _(
                    "In %(first_month)s your periods add up to %(max_days)s days, more than the "
                    "%(limit)s days one month can count. Some days may be recorded twice."
                ) % details
            return _(
                "From %(first_month)s to %(last_month)s your overlapping periods add up to more days "
                "than a month can count (up to %(max_days)s days against a limit of %(limit)s). Some "
                "days may be recorded twice."
            ) % details
        if code == Code.CONFLICTING_MONTH:
            # Without an employer (self-employment, credits) the kind of insurance names the record.
            details = {**details, "employer": details["employer"] or InsuranceType(details["insurance_type"]).label}
            if details["first_month"] == details["last_month"]:
                return _(
                    "%(source_a)s and %(source_b)s report %(first_month)s differently for the same "
                    "employer (%(employer)s): %(days_a)s days and %(earnings_a)s against %(days_b)s days "
                    "and %(earnings_b)s."
                ) % details
            return _(
                "%(source_a)s and %(source_b)s report the months from %(first_month)s to %(last_month)s "
                "differently for the same employer (%(employer)s), for example %(days_a)s days and "
                "%(earnings_a)s against %(days_b)s days and %(earnings_b)s in %(first_month)s."
            ) % details
        if code == Code.EARNINGS_OUTLIER:
            return _(
                "Daily earnings of %(daily)s from %(period_from)s to %(period_to)s are %(ratio)s times "
                "your usual daily earnings (%(median)s). The amount may have been recorded wrongly."
            ) % details
        if code == Code.UNMATCHED_RECORD:
            return _(
                "Record %(source_record_id)s from %(source)s could not be linked to a person "
                "(reported identifier: %(reported_national_id)s)."
            ) % details
    except (KeyError, TypeError, ValueError):
        # Details written by an older version of the detection: fall back to the stored text.
        return ""
    return ""


def _english_message(spec: FlagSpec) -> str:
    with translation.override("en"):
        return flag_message(spec.code, spec.details)[:MESSAGE_MAX]


def _money(value: Decimal) -> str:
    return str(value.quantize(Decimal("0.01")))


# --- detection for one person -------------------------------------------------------------


def _career_gaps(periods: list[PeriodFacts], months: int) -> list[FlagSpec]:
    flags = []
    ordered = sorted(periods, key=lambda p: (p.period_from, p.period_to))
    covered_to: dt.date | None = None
    for period in ordered:
        if covered_to is not None and period.period_from > covered_to + dt.timedelta(days=1):
            gap_start = covered_to + dt.timedelta(days=1)
            gap_end = period.period_from - dt.timedelta(days=1)
            # "More than N months": the gap reaches the same day N months after it started.
            if gap_end >= add_months(gap_start, months):
                flags.append(
                    FlagSpec(
                        code=Code.CAREER_GAP,
                        key=f"{gap_start.isoformat()}..{gap_end.isoformat()}",
                        details={
                            "start": gap_start.isoformat(),
                            "end": gap_end.isoformat(),
                            "months": whole_months_between(gap_start, gap_end),
                            "days": (gap_end - gap_start).days + 1,
                            "threshold_months": months,
                        },
                    )
                )
        covered_to = period.period_to if covered_to is None else max(covered_to, period.period_to)
    return flags


def _month_runs(months: Iterable[str]) -> list[list[str]]:
    """Consecutive calendar months grouped into runs: one flag per run, not one per month."""
    runs: list[list[str]] = []
    for month in sorted(months):
        if runs:
            year, mon = (int(x) for x in runs[-1][-1].split("-"))
            following = f"{year + (mon == 12):04d}-{1 if mon == 12 else mon + 1:02d}"
            if month == following:
                runs[-1].append(month)
                continue
        runs.append([month])
    return runs


def _run_key(run: list[str]) -> str:
    return run[0] if len(run) == 1 else f"{run[0]}..{run[-1]}"


def _conflicting_months(periods: list[PeriodFacts], currency: str) -> tuple[list[FlagSpec], set[str]]:
    """Two sources cover the same dates for the same employer (or the same kind of self-insurance)
    with different days or earnings in a month. Exact duplicates are already `duplicate_of` and
    never reach here; months both sources report identically are not a conflict."""
    groups: dict[tuple, list[PeriodFacts]] = defaultdict(list)
    for period in periods:
        groups[(period.employer_id, "" if period.employer_id else period.insurance_type)].append(period)

    # (group, source pair) -> month -> (a's share, b's share)
    conflicts: dict[tuple, dict[str, tuple]] = defaultdict(dict)
    for group_key, members in groups.items():
        if len({p.source for p in members}) < 2:
            continue
        members.sort(key=lambda p: (p.period_from, p.id))
        month_shares = _LazyMonthShares()
        for i, a in enumerate(members):
            for b in members[i + 1 :]:
                if b.period_from > a.period_to:
                    break
                if a.source == b.source or b.period_to < a.period_from:
                    continue
                first, second = (a, b) if a.source < b.source else (b, a)
                start, end = max(a.period_from, b.period_from), min(a.period_to, b.period_to)
                shares_first, shares_second = month_shares.of(first), month_shares.of(second)
                for month in month_keys(start, end):
                    share_a = shares_first.get(month)
                    share_b = shares_second.get(month)
                    if share_a and share_b and share_a != share_b:
                        conflicts[(group_key, first.source, second.source)].setdefault(month, (share_a, share_b, first, second))

    flags = []
    months_in_conflict: set[str] = set()
    for (group_key, source_a, source_b), by_month in conflicts.items():
        employer_no = next(iter(by_month.values()))[2].employer_no
        for run in _month_runs(by_month):
            (days_a, earn_a), (days_b, earn_b), first, second = by_month[run[0]]
            months_in_conflict.update(run)
            flags.append(
                FlagSpec(
                    code=Code.CONFLICTING_MONTH,
                    key=f"{employer_no or group_key[1]}:{source_a}/{source_b}:{_run_key(run)}"[:100],
                    period_id=first.id,
                    details={
                        "first_month": run[0],
                        "last_month": run[-1],
                        "employer": employer_no or "",
                        "insurance_type": group_key[1],
                        "source_a": source_a,
                        "source_b": source_b,
                        "days_a": days_a,
                        "days_b": days_b,
                        "earnings_a": f"{_money(earn_a)} {currency}",
                        "earnings_b": f"{_money(earn_b)} {currency}",
                        "period_ids": sorted({first.id, second.id}),
                        "months": [
                            {
                                "month": m,
                                "days_a": by_month[m][0][0],
                                "earnings_a": _money(by_month[m][0][1]),
                                "days_b": by_month[m][1][0],
                                "earnings_b": _money(by_month[m][1][1]),
                            }
                            for m in run
                        ],
                    },
                )
            )
    return flags, months_in_conflict


class _LazyMonthShares(dict):
    """period id -> {month: (days, earnings)}, split only for the periods that overlap another source's."""

    def of(self, period: PeriodFacts) -> dict[str, tuple[int, Decimal]]:
        shares = self.get(period.id)
        if shares is None:
            shares = self[period.id] = {
                m: (d, e) for m, d, e in split_by_month(period.period_from, period.period_to, period.days, period.earnings)
            }
        return shares


def _overlap_excess(periods: list[PeriodFacts], max_days_per_month: int, skip_months: set[str]) -> list[FlagSpec]:
    """A month whose days from two or more periods exceed what one month can carry: the country's
    maximum or the calendar, whichever is lower. Months already flagged as conflicting are left
    to that more specific flag."""
    # Only a month that two or more periods touch can exceed: split just the periods that share a
    # month with another one (a career is mostly back-to-back periods; splitting all is the cost).
    spans = sorted(
        (
            (p.period_from.year * 12 + p.period_from.month - 1, p.period_to.year * 12 + p.period_to.month - 1, index)
            for index, p in enumerate(periods)
        ),
        key=lambda span: (span[0], span[1]),
    )
    shared: set[int] = set()
    involved = [False] * len(periods)
    for i, (first, last, index) in enumerate(spans):
        for j in range(i + 1, len(spans)):
            other_first, other_last, other_index = spans[j]
            if other_first > last:
                break
            shared.update(range(other_first, min(last, other_last) + 1))
            involved[index] = involved[other_index] = True
    if not shared:
        return []
    shared_months = {f"{m // 12:04d}-{m % 12 + 1:02d}" for m in shared}

    month_days: dict[str, int] = defaultdict(int)
    month_periods: dict[str, list[int]] = defaultdict(list)
    for period, touches_shared in zip(periods, involved):
        if not touches_shared:
            continue
        # The days of split_by_month without its earnings part (the same largest-remainder allocation).
        buckets = month_buckets(period.period_from, period.period_to)
        for (month, _calendar_days), days in zip(buckets, allocate(period.days, [w for _m, w in buckets])):
            if days and month in shared_months:
                month_days[month] += days
                month_periods[month].append(period.id)
    excess = {}
    for month, days in month_days.items():
        if len(month_periods[month]) < 2 or month in skip_months:
            continue
        limit = min(max_days_per_month, days_in_month(month))
        if days > limit:
            excess[month] = (days, limit)
    flags = []
    for run in _month_runs(excess):
        flags.append(
            FlagSpec(
                code=Code.OVERLAP_EXCESS_DAYS,
                key=_run_key(run),
                details={
                    "first_month": run[0],
                    "last_month": run[-1],
                    "max_days": max(excess[m][0] for m in run),
                    "limit": min(excess[m][1] for m in run),
                    "period_ids": sorted({pid for m in run for pid in month_periods[m]}),
                    "months": [{"month": m, "days": excess[m][0], "limit": excess[m][1]} for m in run],
                },
            )
        )
    return flags


def _earnings_outliers(periods: list[PeriodFacts], currency: str) -> list[FlagSpec]:
    rated = [p for p in periods if p.days > 0 and p.insurance_type not in CREDIT_TYPES]
    if len(rated) < OUTLIER_MIN_PERIODS:
        return []
    daily = {p.id: p.earnings / p.days for p in rated}
    median = statistics.median(daily.values())
    if median <= 0:
        return []
    flags = []
    for period in rated:
        ratio = daily[period.id] / median
        if ratio > OUTLIER_HIGH_RATIO or ratio < OUTLIER_LOW_RATIO:
            flags.append(
                FlagSpec(
                    code=Code.EARNINGS_OUTLIER,
                    key=f"period:{period.id}",
                    period_id=period.id,
                    details={
                        "period_from": period.period_from.isoformat(),
                        "period_to": period.period_to.isoformat(),
                        "daily": f"{_money(daily[period.id])} {currency}",
                        "median": f"{_money(median)} {currency}",
                        "ratio": str(ratio.quantize(Decimal("0.1"))),
                    },
                )
            )
    return flags


def flags_detect_for_person(*, periods: list[PeriodFacts], country: str) -> list[FlagSpec]:
    """All flags that apply to one person's counting periods (pure: no database access)."""
    rules = country_rules(country)
    gap_months = getattr(settings, "PRONOIA_CAREER_GAP_MONTHS", CAREER_GAP_MONTHS)
    conflicts, conflict_months = _conflicting_months(periods, rules.currency)
    specs = [
        *_career_gaps(periods, gap_months),
        *_overlap_excess(periods, rules.max_days_per_month, conflict_months),
        *conflicts,
        *_earnings_outliers(periods, rules.currency),
    ]
    for spec in specs:
        spec.message = _english_message(spec)
    return specs


# --- recomputation (database) -------------------------------------------------------------


def _chunks(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _apply(existing: dict[tuple, DataQualityFlag], wanted: dict[tuple, FlagSpec], person_ids: dict[tuple, int | None]) -> dict[str, int]:
    """Upsert `wanted` over `existing` (both keyed by (person_id, code, key)); resolve the rest."""
    now = timezone.now()
    to_create: list[DataQualityFlag] = []
    to_update: list[DataQualityFlag] = []
    for ident, spec in wanted.items():
        flag = existing.get(ident)
        if flag is None:
            to_create.append(
                DataQualityFlag(
                    person_id=person_ids[ident],
                    period_id=spec.period_id,
                    code=spec.code,
                    key=spec.key,
                    message=spec.message,
                    details=spec.details,
                )
            )
        elif (
            flag.status != DataQualityFlag.Status.OPEN
            or flag.period_id != spec.period_id
            or flag.message != spec.message
            or flag.details != spec.details
        ):
            flag.status, flag.resolved_at = DataQualityFlag.Status.OPEN, None
            flag.period_id, flag.message, flag.details = spec.period_id, spec.message, spec.details
            to_update.append(flag)
    to_resolve = [f.pk for ident, f in existing.items() if ident not in wanted and f.status == DataQualityFlag.Status.OPEN]

    if to_create:
        if all(f.person_id is not None for f in to_create):
            # A concurrent run may have inserted the same flag meanwhile: update it instead.
            DataQualityFlag.objects.bulk_create(
                to_create,
                batch_size=500,
                update_conflicts=True,
                unique_fields=["person", "code", "key"],
                update_fields=["period", "message", "details", "status", "resolved_at"],
            )
        else:
            # Unmatched flags (person NULL): their partial unique constraint cannot be named as a
            # conflict target through Django, so these are plain inserts; a concurrent duplicate fails.
            DataQualityFlag.objects.bulk_create(to_create, batch_size=500)
    if to_update:
        DataQualityFlag.objects.bulk_update(to_update, ["period", "message", "details", "status", "resolved_at"], batch_size=500)
    if to_resolve:
        DataQualityFlag.objects.filter(pk__in=to_resolve).update(status=DataQualityFlag.Status.RESOLVED, resolved_at=now)
    return {"created": len(to_create), "updated": len(to_update), "resolved": len(to_resolve)}


def flags_recompute_for_persons(*, person_ids: Iterable[int]) -> dict[str, int]:
    """Recompute the flags of these persons from their live periods (idempotent).

    Per chunk of persons: one query for the persons' countries, one for their counting periods,
    one for their existing flags, then bulk inserts/updates. Unmatched-record flags of periods
    that now belong to one of these persons are resolved. Returns counts of created, updated
    (reopened or changed) and resolved flags.
    """
    totals = {"created": 0, "updated": 0, "resolved": 0}
    ids = sorted({int(pk) for pk in person_ids if pk is not None})
    for chunk in _chunks(ids, CHUNK_SIZE):
        countries = dict(Person.objects.filter(pk__in=chunk).values_list("pk", "country"))
        by_person: dict[int, list[PeriodFacts]] = defaultdict(list)
        rows = (
            InsurancePeriod.objects.filter(person_id__in=chunk, duplicate_of__isnull=True)
            .exclude(status=InsurancePeriod.Status.SUPERSEDED)
            .order_by()
            .values_list(*_PERIOD_FIELDS)
        )
        for row in rows.iterator(chunk_size=5000):
            by_person[row[1]].append(PeriodFacts(*row))

        wanted: dict[tuple, FlagSpec] = {}
        owners: dict[tuple, int | None] = {}
        for person_id, country in countries.items():
            for spec in flags_detect_for_person(periods=by_person.get(person_id, []), country=country):
                ident = (person_id, spec.code, spec.key)
                wanted[ident] = spec
                owners[ident] = person_id
        existing = {
            (f.person_id, f.code, f.key): f
            for f in DataQualityFlag.objects.filter(person_id__in=chunk).exclude(code=Code.UNMATCHED_RECORD)
        }
        with transaction.atomic():
            for name, count in _apply(existing, wanted, owners).items():
                totals[name] += count
            # The import relinks records and then recomputes: their "unmatched" flags are over.
            totals["resolved"] += DataQualityFlag.objects.filter(
                person__isnull=True,
                code=Code.UNMATCHED_RECORD,
                status=DataQualityFlag.Status.OPEN,
                period__person_id__in=chunk,
            ).update(status=DataQualityFlag.Status.RESOLVED, resolved_at=timezone.now())
    return totals


def flags_recompute_unmatched() -> dict[str, int]:
    """One open `unmatched_record` flag (person NULL, key "SOURCE:record id") per live period that
    is linked to no person; such flags whose record got linked or superseded are resolved.

    A partial unique constraint (code, key where person is NULL) keeps concurrent runs from
    creating the same flag twice: the later one fails instead.
    """
    wanted: dict[tuple, FlagSpec] = {}
    rows = (
        InsurancePeriod.objects.filter(person__isnull=True)
        .exclude(status=InsurancePeriod.Status.SUPERSEDED)
        .order_by()
        .values_list("id", "source__code", "source_record_id", "reported_national_id", "source_line", "import_batch_id")
    )
    for period_id, source, record_id, national_id, line, batch_id in rows.iterator(chunk_size=5000):
        spec = FlagSpec(
            code=Code.UNMATCHED_RECORD,
            key=f"{source}:{record_id}"[:100],
            period_id=period_id,
            details={
                "source": source,
                "source_record_id": record_id,
                "reported_national_id": national_id or "-",
                "source_line": line,
                "import_batch_id": batch_id,
            },
        )
        spec.message = _english_message(spec)
        wanted[(None, spec.code, spec.key)] = spec
    existing = {
        (None, flag.code, flag.key): flag
        for flag in DataQualityFlag.objects.filter(person__isnull=True, code=Code.UNMATCHED_RECORD).iterator(chunk_size=5000)
    }
    with transaction.atomic():
        result = _apply(existing, wanted, {ident: None for ident in wanted})
    return result


def flags_recompute_after_linkage(*, person_ids: Iterable[int]) -> None:
    """After records were imported, linked or unlinked: the persons' flags and the unmatched-record flags."""
    person_ids = set(person_ids)
    if person_ids:
        flags_recompute_for_persons(person_ids=person_ids)
    flags_recompute_unmatched()
