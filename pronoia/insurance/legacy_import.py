"""Import of legacy fund exports (CSV) into the insurance file, with record linkage.

The format, the linkage rules, the error codes and the idempotency guarantees are documented
in docs/legacy-import.md. In short: each line is validated on its own (a bad line is reported
with its line number, field and reason; good lines are kept), rows are processed in chunks of
``CHUNK_ROWS`` (one transaction each, so an interrupted run keeps what it committed and a
re-run completes it), every lookup is done in bulk per chunk, and nothing is overwritten: a
changed record supersedes the live one, a record repeated by another source is stored as a
duplicate.
"""
from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import repeat
from operator import itemgetter
from pathlib import Path

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from pronoia.core.countries import country_rules
from pronoia.core.errors import PronoiaError
from pronoia.employers.models import Employer
from pronoia.employers.services import employer_get_or_create
from pronoia.insurance.models import (
    Fund,
    ImportBatch,
    ImportRowError,
    InsurancePeriod,
    InsuranceType,
    LinkageCandidate,
    LinkageReview,
    LinkMethod,
    SourceRegistry,
)
from pronoia.insurance.quality import flags_recompute_after_linkage
from pronoia.people.linkage import (
    LegacyKey,
    LinkDecision,
    identity_key,
    legacy_identifiers_learn_bulk,
    legacy_identifiers_lookup,
    match_name_birth_date,
    name_key_cached,
    persons_by_birth_date_lookup,
    persons_by_national_id_lookup,
)
from pronoia.people.models import Person
from pronoia.people.national_ids import NationalIdFacts, validate_national_id
from pronoia.people.services import person_build

HEADER: tuple[str, ...] = (
    "source_record_id", "national_id", "legacy_fund", "legacy_member_no", "surname", "given_name", "birth_date",
    "employer_registry_no", "employer_name", "period_from", "period_to", "days", "earnings", "currency",
    "contributions", "insurance_type",
)
CHUNK_ROWS = 10_000
# Euro and the national currencies (current and pre-redenomination) of the country packs.
CURRENCIES = frozenset({"EUR", "GRD", "PLN", "PLZ", "BGN", "BGL", "USD", "GBP", "CHF"})
MAX_AMOUNT = Decimal("999999999999.99")  # InsurancePeriod.earnings: 14 digits, 2 decimals
# Cells starting with these are executed as formulas by spreadsheets when staff export records.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMULA_CHECKED_FIELDS = ("source_record_id", "legacy_member_no", "surname", "given_name", "employer_registry_no", "employer_name")
REQUIRED_FIELDS = (
    "source_record_id", "legacy_fund", "surname", "given_name", "birth_date", "period_from", "period_to", "days",
    "earnings", "currency", "contributions", "insurance_type",
)
# Column widths of the models the values land in.
FIELD_MAX_LENGTH = {
    "source_record_id": 64, "national_id": 16, "legacy_fund": 32, "legacy_member_no": 40, "surname": 100,
    "given_name": 100, "employer_registry_no": 32, "employer_name": 200, "currency": 3, "insurance_type": 32,
}
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}\Z")
_INTEGER = re.compile(r"-?\d+\Z")
_DECIMAL = re.compile(r"-?\d+(?:\.(\d+))?\Z")
_INSURANCE_TYPES = frozenset(InsuranceType.values)
_FIRST_ERRORS_IN_MESSAGE = 20
_COLUMNS = len(HEADER)
_INDEX = {name: index for index, name in enumerate(HEADER)}
_formula_checked = itemgetter(*(_INDEX[name] for name in FORMULA_CHECKED_FIELDS))
_required = itemgetter(*(_INDEX[name] for name in REQUIRED_FIELDS))
_limited = itemgetter(*(_INDEX[name] for name in FIELD_MAX_LENGTH))
_LIMITS = tuple(FIELD_MAX_LENGTH.values())
_CACHE_MAX = 500_000
# The columns of an insurance period, in the order of the plain rows the writer builds.
_PERIOD_COLUMNS: tuple[str, ...] = (
    "id", "person_id", "employer_id", "fund_id", "insurance_type", "period_from", "period_to", "days", "earnings",
    "contributions", "currency", "status", "superseded_by_id", "duplicate_of_id", "link_method", "review_id",
    "source_id", "source_record_id", "import_batch_id", "source_line", "received_at", "record_hash", "fact_hash",
    "reported_national_id", "legacy_fund_code", "legacy_member_no", "reported_surname", "reported_given_name",
    "reported_birth_date",
)
_ID, _PERSON, _DUPLICATE_OF, _RECORD_ID, _FACT_HASH = (
    _PERIOD_COLUMNS.index(n) for n in ("id", "person_id", "duplicate_of_id", "source_record_id", "fact_hash")
)
_CONFIRMED = InsurancePeriod.Status.CONFIRMED.value


@dataclass(slots=True)
class LegacyRow:
    """One validated line of the export."""

    line_no: int
    source_record_id: str
    national_id: str
    legacy_fund: str
    legacy_member_no: str
    surname: str
    given_name: str
    birth_date: dt.date
    employer_registry_no: str
    employer_name: str
    period_from: dt.date
    period_to: dt.date
    days: int
    earnings: Decimal
    currency: str
    contributions: Decimal
    insurance_type: str
    record_hash: str = ""


@dataclass(slots=True)
class RowError:
    line_no: int
    field: str
    code: str
    message: str
    excerpt: str = ""


def _error(code: str, message: str, field: str = "") -> PronoiaError:
    return PronoiaError(code=code, message=message, field=field)


def _safe_excerpt(text: str) -> str:
    """A short, printable excerpt for staff screens; never starts like a spreadsheet formula."""
    clean = "".join(c if c.isprintable() else "?" for c in text[:290])
    return "'" + clean if clean.startswith(FORMULA_PREFIXES) else clean


def record_hash(row: LegacyRow) -> str:
    """sha256 of the normalised content of a row (everything but its line and record id)."""
    parts = (
        row.national_id, row.legacy_fund, row.legacy_member_no,
        unicodedata.normalize("NFC", row.surname), unicodedata.normalize("NFC", row.given_name),
        row.birth_date.isoformat(), row.employer_registry_no, unicodedata.normalize("NFC", row.employer_name),
        row.period_from.isoformat(), row.period_to.isoformat(), str(row.days), f"{row.earnings:.2f}",
        row.currency, f"{row.contributions:.2f}", row.insurance_type,
    )
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def period_fact_hash(
    *, person_id: int, employer_id: int | None, period_from: dt.date, period_to: dt.date,
    insurance_type: str, days: int, earnings: Decimal,
) -> str:
    """sha256 of the facts of a linked period: the same facts from two sources give the same hash."""
    raw = f"{person_id}|{employer_id or ''}|{period_from.isoformat()}|{period_to.isoformat()}|{insurance_type}|{days}|{earnings:.2f}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _months_touched(start: dt.date, end: dt.date) -> int:
    return (end.year - start.year) * 12 + end.month - start.month + 1


@dataclass
class _RowParser:
    """Turns one physical line into a ``LegacyRow`` or raises ``PronoiaError`` (with its field)."""

    country: str
    encoding: str
    funds: dict[str, Fund]
    max_field_chars: int
    max_days_per_month: int
    today: dt.date = field(default_factory=dt.date.today)
    seen_record_ids: set[str] = field(default_factory=set)
    _national_ids: dict[str, NationalIdFacts | PronoiaError] = field(default_factory=dict)
    # Parsed values of the strings seen so far (only valid ones: a miss runs the full check).
    _dates: dict[str, dt.date] = field(default_factory=dict)
    _integers: dict[str, int] = field(default_factory=dict)
    _amounts: dict[str, Decimal] = field(default_factory=dict)

    def decode(self, raw: bytes, line_no: int) -> str:
        if b"\x00" in raw:
            raise _error("nul_byte", _("Line %(line)d contains a NUL byte (binary data).") % {"line": line_no})
        try:
            return raw.decode(self.encoding)
        except UnicodeDecodeError as exc:
            raise _error(
                "bad_encoding",
                _("Line %(line)d is not valid %(encoding)s (byte 0x%(byte)02x at position %(pos)d). "
                  "If the file comes from a Greek Windows system, re-run with --encoding cp1253.")
                % {"line": line_no, "encoding": self.encoding, "byte": raw[exc.start], "pos": exc.start},
            ) from None

    @staticmethod
    def split(text: str) -> list[str]:
        if '"' not in text:
            return text.split(",")
        try:
            # One record per physical line: an unterminated quote is an error, not a multi-line field.
            return next(csv.reader([text], strict=True))
        except csv.Error as exc:
            raise _error("bad_csv", _("The line is not valid CSV: %(error)s.") % {"error": exc}) from None

    def parse(self, text: str, line_no: int) -> LegacyRow:
        # The checks run in the documented order (the first failing one names the error); each
        # group is tested as a whole with C-level builtins first, so a good line costs little.
        values = self.split(text)
        if len(values) != _COLUMNS:
            raise _error(
                "column_count",
                _("Expected %(expected)d columns, found %(found)d.") % {"expected": len(HEADER), "found": len(values)},
            )
        max_chars = self.max_field_chars
        if max(map(len, values)) > max_chars:
            for name, value in zip(HEADER, values):
                if len(value) > max_chars:
                    raise _error("field_too_long", _("The value is longer than %(max)d characters.") % {"max": max_chars}, name)
        if any(map(str.startswith, _formula_checked(values), repeat(FORMULA_PREFIXES))):
            for name in FORMULA_CHECKED_FIELDS:
                value = values[_INDEX[name]]
                if value.startswith(FORMULA_PREFIXES):
                    raise _error(
                        "formula_injection",
                        _("The value starts with %(char)r, which spreadsheets run as a formula; rejected.") % {"char": value[0]},
                        name,
                    )
        v = [value.strip() for value in values]
        if not all(_required(v)):
            for name in REQUIRED_FIELDS:
                if not v[_INDEX[name]]:
                    raise _error("missing_field", _("The field %(field)s is required.") % {"field": name}, name)
        if any(map(int.__gt__, map(len, _limited(v)), _LIMITS)):
            for name, limit in FIELD_MAX_LENGTH.items():
                if len(v[_INDEX[name]]) > limit:
                    raise _error("too_long", _("The value is longer than %(max)d characters.") % {"max": limit}, name)
        (
            record_id, national_id, fund_code, member_no, surname, given_name, birth_text, employer_no,
            employer_name, from_text, to_text, days_text, earnings_text, currency, contributions_text, insurance_type,
        ) = v

        fund = self.funds.get(fund_code)
        if fund is None:
            raise _error("unknown_fund", _("Unknown fund %(fund)s.") % {"fund": fund_code}, "legacy_fund")
        if fund.country != self.country:
            raise _error("fund_wrong_country", _("The fund %(fund)s is not a fund of this country.") % {"fund": fund.code}, "legacy_fund")

        dates = self._dates
        birth_date = dates.get(birth_text) or self._date(birth_text, "birth_date")
        period_from = dates.get(from_text) or self._date(from_text, "period_from")
        period_to = dates.get(to_text) or self._date(to_text, "period_to")
        if birth_date > self.today:
            raise _error("birth_date_in_future", _("The birth date is in the future."), "birth_date")
        if period_from > period_to:
            raise _error("period_dates_reversed", _("period_from is after period_to."), "period_to")
        if period_from < birth_date:
            raise _error("period_before_birth", _("The period starts before the birth date."), "period_from")

        days = self._days(days_text, period_from, period_to)
        earnings = self._amounts.get(earnings_text)
        if earnings is None:
            earnings = self._amount(earnings_text, "earnings")
        contributions = self._amounts.get(contributions_text)
        if contributions is None:
            contributions = self._amount(contributions_text, "contributions")
        # Every accepted currency is three capital letters: membership is the whole check.
        if currency not in CURRENCIES:
            raise _error("unknown_currency", _("Unknown currency %(c)s.") % {"c": currency}, "currency")
        if insurance_type not in _INSURANCE_TYPES:
            raise _error("unknown_insurance_type", _("Unknown insurance type %(t)s.") % {"t": insurance_type}, "insurance_type")
        if insurance_type == InsuranceType.EMPLOYMENT and not employer_no:
            raise _error("employer_required", _("An employment period needs an employer."), "employer_registry_no")
        if employer_no and not employer_name:
            raise _error("missing_field", _("The field %(field)s is required.") % {"field": "employer_name"}, "employer_name")

        if national_id:
            facts = self._national_id(national_id)
            if facts.birth_date != birth_date:
                raise _error(
                    "birth_date_mismatch",
                    _("The birth date %(date)s does not match the one in the national identifier (%(id_date)s).")
                    % {"date": birth_date.isoformat(), "id_date": facts.birth_date.isoformat()},
                    "birth_date",
                )
            national_id = facts.national_id

        # Checked last so that a bad line does not reserve its id.
        if record_id in self.seen_record_ids:
            raise _error("duplicate_in_file", _("The source_record_id %(id)s appears earlier in this file.") % {"id": record_id}, "source_record_id")
        self.seen_record_ids.add(record_id)

        row = LegacyRow(
            line_no, record_id, national_id, fund.code, member_no, surname, given_name, birth_date, employer_no,
            employer_name, period_from, period_to, days, earnings, currency, contributions, insurance_type,
        )
        row.record_hash = record_hash(row)
        return row

    def _national_id(self, value: str) -> NationalIdFacts:
        # Cached: a person's id repeats on every one of their periods.
        cached = self._national_ids.get(value)
        if cached is None:
            try:
                cached = validate_national_id(self.country, value)
            except PronoiaError as exc:
                cached = exc
            if len(self._national_ids) > _CACHE_MAX:
                self._national_ids.clear()
            self._national_ids[value] = cached
        if isinstance(cached, PronoiaError):
            raise _error(cached.code, cached.message, "national_id")
        return cached

    def _date(self, value: str, name: str) -> dt.date:
        if not _DATE.match(value):
            raise _error("bad_date", _("%(value)r is not a date in the form YYYY-MM-DD.") % {"value": value}, name)
        try:
            date = dt.date.fromisoformat(value)
        except ValueError:
            raise _error("impossible_date", _("%(value)s is not a calendar date.") % {"value": value}, name) from None
        # Cached: birth dates and period boundaries repeat on many lines.
        if len(self._dates) > _CACHE_MAX:
            self._dates.clear()
        self._dates[value] = date
        return date

    def _days(self, value: str, start: dt.date, end: dt.date) -> int:
        days = self._integers.get(value)
        if days is None:
            if not _INTEGER.match(value):
                raise _error("not_a_number", _("%(value)r is not a whole number.") % {"value": value}, "days")
            days = int(value)
            if len(self._integers) > _CACHE_MAX:
                self._integers.clear()
            self._integers[value] = days
        if days < 0:
            raise _error("negative", _("Days cannot be negative."), "days")
        calendar_days = (end - start).days + 1
        if days > calendar_days:
            raise _error(
                "too_many_days",
                _("%(days)d days do not fit in the %(n)d calendar days of the period.") % {"days": days, "n": calendar_days},
                "days",
            )
        limit = self.max_days_per_month * _months_touched(start, end)
        if days > limit:
            raise _error(
                "too_many_days",
                _("%(days)d days exceed the limit of %(max)d days a month (%(limit)d for this period).")
                % {"days": days, "max": self.max_days_per_month, "limit": limit},
                "days",
            )
        return days

    def _amount(self, value: str, name: str) -> Decimal:
        match = _DECIMAL.match(value)
        if not match:
            raise _error("not_a_number", _("%(value)r is not a decimal number with a dot.") % {"value": value}, name)
        if value.startswith("-"):
            raise _error("negative", _("The amount cannot be negative."), name)
        if match.group(1) and len(match.group(1)) > 2:
            raise _error("too_many_decimals", _("The amount has more than 2 decimals."), name)
        amount = Decimal(value)
        if amount > MAX_AMOUNT:
            raise _error("too_large", _("The amount is larger than %(max)s.") % {"max": MAX_AMOUNT}, name)
        # Cached only when valid for both amount columns (the checks above do not depend on the name).
        if len(self._amounts) > _CACHE_MAX:
            self._amounts.clear()
        self._amounts[value] = amount
        return amount


def _read_lines(path: Path) -> Iterator[tuple[int, bytes, bool]]:
    """(line number, line without its terminator, whether the line was terminated)."""
    with path.open("rb") as handle:
        for line_no, raw in enumerate(handle, start=1):
            terminated = raw.endswith(b"\n")
            yield line_no, raw.rstrip(b"\r\n") if terminated else raw.rstrip(b"\r"), terminated


def _file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass
class _Outcome:
    """What one chunk did, for the batch counters."""

    created: int = 0
    unchanged: int = 0
    superseding: int = 0
    duplicate: int = 0
    unmatched: int = 0
    review: int = 0
    errors: list[RowError] = field(default_factory=list)
    persons: set[int] = field(default_factory=set)


class _ChunkWriter:
    """Links and stores the rows of one chunk with a fixed number of queries."""

    def __init__(self, *, batch: ImportBatch, source: SourceRegistry, country: str, funds: dict[str, Fund]):
        self.batch = batch
        self.source = source
        self.country = country
        self.fund_ids = {code: fund.pk for code, fund in funds.items()}
        self.received_at = batch.started_at or timezone.now()
        self.legacy_keys: set[LegacyKey] = set()
        # Persons who got periods in committed chunks: their flags are recomputed once, at the end.
        self.persons: set[int] = set()

    def write(self, rows: list[LegacyRow], out: _Outcome) -> None:
        existing = {
            record_id: (pk, stored_hash)
            for record_id, pk, stored_hash in InsurancePeriod.objects.filter(
                source=self.source, source_record_id__in=[r.source_record_id for r in rows]
            )
            .exclude(status=InsurancePeriod.Status.SUPERSEDED)
            .values_list("source_record_id", "pk", "record_hash")
        }
        todo: list[LegacyRow] = []
        supersedes: dict[str, int] = {}
        for row in rows:
            old = existing.get(row.source_record_id)
            if old is None:
                todo.append(row)
            elif old[1] == row.record_hash:
                out.unchanged += 1
            else:
                supersedes[row.source_record_id] = old[0]
                todo.append(row)
        self.legacy_keys.update((row.legacy_fund, row.legacy_member_no) for row in todo if row.legacy_member_no)
        if not todo:
            return

        employers = self._employers(todo)
        decisions, todo = self._link(todo, out)
        reviews = self._reviews(todo, decisions)

        # Plain lists in _PERIOD_COLUMNS order, not model instances: the hot loop of the import.
        periods: list[list] = []
        fund_ids, source_id, batch_id, received_at = self.fund_ids, self.source.pk, self.batch.pk, self.received_at
        merged, open_ = LinkageReview.Status.MERGED, LinkageReview.Status.OPEN
        for row in todo:
            decision = decisions[row.line_no]
            person_id = decision.person_id
            method = decision.method
            review = reviews.get(row.line_no) if reviews else None
            if review is not None and review.status == merged and review.merged_into_id:
                # Staff already decided who this reported identity is.
                person_id, method = review.merged_into_id, LinkMethod.MANUAL
            employer_id = employers.get(row.employer_registry_no) if row.employer_registry_no else None
            periods.append([
                None, person_id, employer_id, fund_ids[row.legacy_fund], row.insurance_type, row.period_from,
                row.period_to, row.days, row.earnings, row.contributions, row.currency, _CONFIRMED, None, None, method,
                review.pk if review is not None else None, source_id, row.source_record_id, batch_id, row.line_no,
                received_at, row.record_hash,
                period_fact_hash(
                    person_id=person_id, employer_id=employer_id, period_from=row.period_from, period_to=row.period_to,
                    insurance_type=row.insurance_type, days=row.days, earnings=row.earnings,
                ) if person_id else "",
                row.national_id, row.legacy_fund, row.legacy_member_no, row.surname, row.given_name, row.birth_date,
            ])
            if person_id:
                out.persons.add(person_id)
            elif review is not None and review.status == open_:
                out.review += 1
            else:
                out.unmatched += 1

        # The partial unique constraint allows one live version: retire the old ones first.
        if supersedes:
            InsurancePeriod.objects.filter(pk__in=supersedes.values()).update(status=InsurancePeriod.Status.SUPERSEDED)
        out.duplicate += _period_rows_store(periods, exclude_pks=set(supersedes.values()))
        if supersedes:
            by_record = {p[_RECORD_ID]: p[_ID] for p in periods}
            InsurancePeriod.objects.bulk_update(
                [InsurancePeriod(pk=old, superseded_by_id=by_record[rid]) for rid, old in supersedes.items()],
                ["superseded_by"],
            )
        out.superseding += len(supersedes)
        out.created += len(periods) - len(supersedes)

    def _employers(self, rows: list[LegacyRow]) -> dict[str, int]:
        names: dict[str, str] = {}
        for row in rows:
            if row.employer_registry_no:
                names.setdefault(row.employer_registry_no, row.employer_name)
        if not names:
            return {}
        found = dict(
            Employer.objects.filter(country=self.country, registry_no__in=list(names)).values_list("registry_no", "pk")
        )
        missing = {no: name for no, name in names.items() if no not in found}
        if len(missing) == 1:
            (registry_no, name), = missing.items()
            found[registry_no] = employer_get_or_create(country=self.country, registry_no=registry_no, name=name).pk
        elif missing:
            # Same semantics as employer_get_or_create (existing names are never overwritten),
            # in two queries instead of four per new employer.
            Employer.objects.bulk_create(
                [Employer(country=self.country, registry_no=no, name=name) for no, name in missing.items()],
                ignore_conflicts=True,
            )
            found.update(
                Employer.objects.filter(country=self.country, registry_no__in=list(missing)).values_list("registry_no", "pk")
            )
        return found

    def _link(self, rows: list[LegacyRow], out: _Outcome) -> tuple[dict[int, LinkDecision], list[LegacyRow]]:
        """Decide every row's person; rows whose person cannot be created become errors."""
        decisions: dict[int, LinkDecision] = {}
        with_id = [r for r in rows if r.national_id]
        persons = persons_by_national_id_lookup(country=self.country, national_ids=[r.national_id for r in with_id])
        new_persons: dict[str, Person] = {}
        failed: dict[str, PronoiaError] = {}
        for row in with_id:
            if row.national_id in persons or row.national_id in new_persons or row.national_id in failed:
                continue
            try:
                new_persons[row.national_id] = person_build(
                    country=self.country, national_id=row.national_id, surname=row.surname,
                    given_name=row.given_name, birth_date=row.birth_date,
                )
            except PronoiaError as exc:
                failed[row.national_id] = exc
        if new_persons:
            Person.objects.bulk_create(list(new_persons.values()))
            persons.update({nid: p.pk for nid, p in new_persons.items()})

        kept: list[LegacyRow] = []
        learn: dict[LegacyKey, int] = {}
        learn_rows: dict[LegacyKey, LegacyRow] = {}
        by_id: dict[int, LinkDecision] = {}  # decisions are immutable: one per person
        for row in rows:
            if row.national_id in failed:
                exc = failed[row.national_id]
                out.errors.append(RowError(row.line_no, exc.field or "national_id", exc.code, exc.message))
                continue
            kept.append(row)
            if row.national_id:
                person_id = persons[row.national_id]
                decision = by_id.get(person_id)
                if decision is None:
                    decision = by_id[person_id] = LinkDecision(method=LinkMethod.NATIONAL_ID, person_id=person_id)
                decisions[row.line_no] = decision
                if row.legacy_member_no:
                    key = (row.legacy_fund, row.legacy_member_no)
                    if learn.setdefault(key, person_id) != person_id:
                        out.errors.append(self._legacy_conflict(row))
                    learn_rows.setdefault(key, row)
        for key, _wanted, _existing in legacy_identifiers_learn_bulk(links=learn, learnt_from=self.source.code):
            out.errors.append(self._legacy_conflict(learn_rows[key]))

        pending = [r for r in kept if not r.national_id]
        legacy = legacy_identifiers_lookup(keys=[(r.legacy_fund, r.legacy_member_no) for r in pending if r.legacy_member_no])
        by_name: list[LegacyRow] = []
        by_legacy: dict[int, LinkDecision] = {}
        for row in pending:
            person_id = legacy.get((row.legacy_fund, row.legacy_member_no)) if row.legacy_member_no else None
            if person_id:
                decision = by_legacy.get(person_id)
                if decision is None:
                    decision = by_legacy[person_id] = LinkDecision(method=LinkMethod.LEGACY_ID, person_id=person_id)
                decisions[row.line_no] = decision
            else:
                by_name.append(row)
        born = persons_by_birth_date_lookup(country=self.country, birth_dates=[r.birth_date for r in by_name])
        for row in by_name:
            decisions[row.line_no] = match_name_birth_date(
                key=name_key_cached(row.surname, row.given_name), candidates=born.get(row.birth_date, ())
            )
        return decisions, kept

    @staticmethod
    def _legacy_conflict(row: LegacyRow) -> RowError:
        # A warning: the row is stored (linked by its national id); the member number is not learnt.
        return RowError(
            row.line_no, "legacy_member_no", "legacy_identifier_conflict",
            _("Member number %(no)s of fund %(fund)s already belongs to another person; not learnt (row imported).")
            % {"no": row.legacy_member_no, "fund": row.legacy_fund},
        )

    def _reviews(self, rows: list[LegacyRow], decisions: dict[int, LinkDecision]) -> dict[int, LinkageReview]:
        """One review per reported identity for the uncertain rows: line number -> review."""
        keys: dict[int, str] = {}
        first: dict[str, tuple[LegacyRow, LinkDecision]] = {}
        for row in rows:
            decision = decisions[row.line_no]
            if not decision.uncertain:
                continue
            key = identity_key(
                source_code=self.source.code, fund_code=row.legacy_fund, member_no=row.legacy_member_no,
                name_key=name_key_cached(row.surname, row.given_name), birth_date=row.birth_date,
            )
            keys[row.line_no] = key
            first.setdefault(key, (row, decision))
        if not keys:
            return {}
        reviews = LinkageReview.objects.in_bulk(list(first), field_name="identity_key")
        new = [LinkageReview(identity_key=k, reason=d.reason[:300]) for k, (_r, d) in first.items() if k not in reviews]
        if new:
            LinkageReview.objects.bulk_create(new)
            reviews.update({r.identity_key: r for r in new})
        LinkageCandidate.objects.bulk_create(
            [
                LinkageCandidate(review=reviews[k], person_id=c.person_id, score=c.score, reasons=c.reasons[:300])
                for k, (_r, d) in first.items()
                for c in d.candidates
            ],
            ignore_conflicts=True,
        )
        return {line: reviews[key] for line, key in keys.items()}


def _period_rows_store(rows: list[list], *, exclude_pks: set[int] = frozenset()) -> int:
    """Insert period rows (``_PERIOD_COLUMNS`` order), setting their id; each linked one whose facts a
    live period already has gets ``duplicate_of``. ``exclude_pks``: periods being superseded by
    these (a corrected record is not its own duplicate). Returns how many are duplicates."""
    originals = _live_originals(
        facts={(r[_PERSON], r[_FACT_HASH]) for r in rows if r[_FACT_HASH]}, exclude_pks=exclude_pks
    )
    first_pass: list[list] = []
    second_pass: list[list] = []
    claimed: dict[str, list] = {}
    for row in rows:
        fact_hash = row[_FACT_HASH]
        if not fact_hash:
            first_pass.append(row)
        elif fact_hash in originals:
            row[_DUPLICATE_OF] = originals[fact_hash]
            first_pass.append(row)
        elif fact_hash in claimed:
            second_pass.append(row)  # duplicate of a row of this same insert: needs its id first
        else:
            claimed[fact_hash] = row
            first_pass.append(row)
    if connection.vendor == "postgresql":
        # Ids from the sequence in the order bulk_create would give them, then one COPY (the
        # foreign keys are deferred, so a duplicate may point at a row of the same COPY).
        ordered = first_pass + second_pass
        _ids_assign(ordered)
        for row in second_pass:
            row[_DUPLICATE_OF] = claimed[row[_FACT_HASH]][_ID]
        _period_rows_copy(ordered)
    else:
        _period_rows_bulk_create(first_pass)
        for row in second_pass:
            row[_DUPLICATE_OF] = claimed[row[_FACT_HASH]][_ID]
        _period_rows_bulk_create(second_pass)
    return sum(1 for row in rows if row[_DUPLICATE_OF])


def _ids_assign(rows: list[list]) -> None:
    if not rows:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [InsurancePeriod._meta.db_table, len(rows)],
        )
        for row, (pk,) in zip(rows, cursor.fetchall()):
            row[_ID] = pk


def _period_rows_copy(rows: list[list]) -> None:
    if not rows:
        return
    quote = connection.ops.quote_name
    columns = ", ".join(quote(InsurancePeriod._meta.get_field(name).column) for name in _PERIOD_COLUMNS)
    with connection.cursor() as cursor:
        # The psycopg cursor under Django's wrapper: Django has no API for COPY.
        with cursor.cursor.copy(f"COPY {quote(InsurancePeriod._meta.db_table)} ({columns}) FROM STDIN") as copy:
            write_row = copy.write_row
            for row in rows:
                write_row(row)


def _period_rows_bulk_create(rows: list[list]) -> None:
    if not rows:
        return
    periods = [InsurancePeriod(**dict(zip(_PERIOD_COLUMNS, row))) for row in rows]
    InsurancePeriod.objects.bulk_create(periods)
    for row, period in zip(rows, periods):
        row[_ID] = period.pk


def _live_originals(*, facts: set[tuple[int, str]], exclude_pks: Iterable[int] = ()) -> dict[str, int]:
    """fact hash -> pk of the first live, non-duplicate period with that hash, for ``facts``
    (person id, fact hash) pairs.

    The fact hash covers the person, so a period with the same hash belongs to the same person:
    the lookup reads the persons' periods through the (person, period_from) index instead of an
    index on the random hash, which is costly to maintain once a large table's indexes no longer
    fit in memory. It also binds fewer parameters (persons, not hashes).
    """
    if not facts:
        return {}
    wanted = {fact_hash for _person, fact_hash in facts}
    rows = (
        InsurancePeriod.objects.filter(person_id__in={person for person, _hash in facts}, duplicate_of__isnull=True)
        .exclude(status=InsurancePeriod.Status.SUPERSEDED)
        .exclude(pk__in=list(exclude_pks))
        .order_by("pk")
        .values_list("fact_hash", "pk")
    )
    originals: dict[str, int] = {}
    for fact_hash, pk in rows:
        if fact_hash in wanted:
            originals.setdefault(fact_hash, pk)
    return originals


def periods_relink_unlinked(*, legacy_keys: Iterable[LegacyKey], chunk_size: int = CHUNK_ROWS) -> set[int]:
    """Link the live, unlinked periods reported with these (fund, member number) pairs whose pair
    is now known as a ``LegacyIdentifier`` (learnt later in the file, or by a later import).

    Sets person, ``link_method=legacy_id`` and the fact hash (a repeated fact becomes a duplicate);
    a period waiting in the review queue leaves it (the member number is a certain link).
    Returns the ids of the persons who got periods.
    """
    keys = sorted(set(legacy_keys))
    touched: set[int] = set()
    for start in range(0, len(keys), chunk_size):
        part = keys[start : start + chunk_size]
        known = legacy_identifiers_lookup(keys=part)
        if not known:
            continue
        with transaction.atomic():
            wanted = set(known)
            candidates = [
                p
                for p in InsurancePeriod.objects.select_for_update()
                .filter(
                    person__isnull=True,
                    legacy_fund_code__in={fund for fund, _no in known},
                    legacy_member_no__in={no for _f, no in known},
                )
                .exclude(status=InsurancePeriod.Status.SUPERSEDED)
                .order_by("pk")
                if (p.legacy_fund_code, p.legacy_member_no) in wanted
            ]
            if not candidates:
                continue
            for period in candidates:
                period.person_id = known[(period.legacy_fund_code, period.legacy_member_no)]
                period.link_method = LinkMethod.LEGACY_ID
                period.review = None
                period.fact_hash = period_fact_hash(
                    person_id=period.person_id, employer_id=period.employer_id, period_from=period.period_from,
                    period_to=period.period_to, insurance_type=period.insurance_type, days=period.days,
                    earnings=period.earnings,
                )
                touched.add(period.person_id)
            originals = _live_originals(
                facts={(p.person_id, p.fact_hash) for p in candidates}, exclude_pks={p.pk for p in candidates}
            )
            for period in candidates:
                if period.fact_hash in originals:
                    period.duplicate_of_id = originals[period.fact_hash]
                else:
                    originals[period.fact_hash] = period.pk  # the first relinked one is the original
                    period.duplicate_of_id = None
            InsurancePeriod.objects.bulk_update(candidates, ["person", "link_method", "review", "fact_hash", "duplicate_of"])
    return touched


def _source_get_or_create(*, code: str, country: str) -> SourceRegistry:
    source, _created = SourceRegistry.objects.get_or_create(
        code=code, defaults={"name": _("Legacy export %(code)s") % {"code": code}, "country": country}
    )
    return source


def _batch_add(batch: ImportBatch, out: _Outcome, *, rows_read: int, last_line: int) -> None:
    batch.rows_read += rows_read
    batch.rows_created += out.created
    batch.rows_unchanged += out.unchanged
    batch.rows_superseding += out.superseding
    batch.rows_duplicate += out.duplicate
    batch.rows_unmatched += out.unmatched
    batch.rows_review += out.review
    batch.last_line = last_line


def legacy_import_file(
    *, path: str | Path, source_code: str, country: str | None = None, encoding: str = "utf-8",
    progress: bool = False, chunk_size: int = CHUNK_ROWS,
) -> ImportBatch:
    """Import a legacy fund export; returns the finished ``ImportBatch`` with its counters.

    Bad lines become ``ImportRowError`` rows and the good ones are kept. A wrong header or an
    unreadable file raises ``PronoiaError`` (the batch is marked failed, nothing imported).
    Re-importing the same file changes nothing; a changed record supersedes the live one.
    """
    path = Path(path)
    country = country or settings.PRONOIA_COUNTRY
    rules = country_rules(country)
    source_code = source_code.strip()
    if not source_code or len(source_code) > 32:
        raise PronoiaError(code="bad_source", message=_("The source code must be 1 to 32 characters."), field="source")
    try:
        "".encode(encoding)
    except LookupError:
        raise PronoiaError(code="unknown_encoding", message=_("Unknown encoding %(e)s.") % {"e": encoding}, field="encoding") from None
    if not path.is_file():
        raise PronoiaError(code="file_not_found", message=_("No such file: %(p)s.") % {"p": path}, field="file")

    source = _source_get_or_create(code=source_code, country=country)
    batch = ImportBatch.objects.create(
        source=source, file_name=path.name[:300], file_sha256=_file_sha256(path), encoding=encoding
    )
    funds = {f.code: f for f in Fund.objects.all()}
    parser = _RowParser(
        country=country, encoding=encoding, funds=funds,
        max_field_chars=settings.PRONOIA_IMPORT_MAX_FIELD_CHARS, max_days_per_month=rules.max_days_per_month,
    )
    writer = _ChunkWriter(batch=batch, source=source, country=country, funds=funds)
    try:
        _import_lines(path=path, batch=batch, parser=parser, writer=writer, progress=progress, chunk_size=chunk_size)
        writer.persons |= periods_relink_unlinked(legacy_keys=writer.legacy_keys)
        # Once per file, not per chunk: a person's periods often span chunks (and files repeat persons).
        persons, writer.persons = writer.persons, set()
        flags_recompute_after_linkage(person_ids=persons)
    except BaseException as exc:  # also KeyboardInterrupt: committed chunks stay, the batch says where it stopped
        batch.status = ImportBatch.Status.FAILED
        batch.finished_at = timezone.now()
        batch.message = (exc.message if isinstance(exc, PronoiaError) else f"{type(exc).__name__}: {exc}")[:2000]
        batch.save(update_fields=["status", "finished_at", "message"])
        # The committed chunks keep their periods: their persons' flags must match them.
        flags_recompute_after_linkage(person_ids=writer.persons)
        raise
    # Relinking may have linked rows counted as unmatched or for review: count again.
    unlinked = batch.periods.filter(person__isnull=True)
    batch.rows_unmatched = unlinked.exclude(Q(review__isnull=False) & Q(review__status=LinkageReview.Status.OPEN)).count()
    batch.rows_review = unlinked.filter(review__status=LinkageReview.Status.OPEN).count()
    batch.status = ImportBatch.Status.COMPLETED
    batch.finished_at = timezone.now()
    batch.message = _first_errors_message(batch)
    batch.save()
    return batch


def _first_errors_message(batch: ImportBatch) -> str:
    lines = [
        f"line {e.line_no}: {e.field or '-'}: {e.code}: {e.message}"
        for e in batch.row_errors.order_by("line_no", "pk")[:_FIRST_ERRORS_IN_MESSAGE]
    ]
    return "\n".join(lines)


def _import_lines(
    *, path: Path, batch: ImportBatch, parser: _RowParser, writer: _ChunkWriter, progress: bool, chunk_size: int
) -> None:
    from tqdm import tqdm

    lines = _read_lines(path)
    with tqdm(total=path.stat().st_size, unit="B", unit_scale=True, disable=not progress, desc=path.name) as bar:
        header = next(lines, None)
        if header is None:
            raise PronoiaError(code="empty_file", message=_("The file is empty."), field="file")
        _line_no, raw_header, _terminated = header
        bar.update(len(raw_header) + 1)
        try:
            header_text = parser.decode(raw_header, 1).lstrip("\ufeff")
            columns = [c.strip() for c in parser.split(header_text)]
        except PronoiaError as exc:
            raise PronoiaError(code="bad_header", message=exc.message, field="header") from None
        if tuple(columns) != HEADER:
            raise PronoiaError(
                code="bad_header",
                message=_("The header must be exactly: %(expected)s. Found: %(found)s. Nothing was imported.")
                % {"expected": ",".join(HEADER), "found": _safe_excerpt(header_text)[:200]},
                field="header",
            )

        rows: list[LegacyRow] = []
        errors: list[RowError] = []
        read = 0
        last_line = 1
        for line_no, raw, terminated in lines:
            bar.update(len(raw) + 1)
            last_line = line_no
            if not raw.strip():
                continue  # blank lines (e.g. at the end) carry no record
            read += 1
            text = ""
            try:
                text = parser.decode(raw, line_no)
                if not terminated:
                    # A truncated file ends in the middle of a line: never import a possibly cut value.
                    raise _error("incomplete_line", _("The last line has no line ending: the file looks truncated; line not imported."))
                rows.append(parser.parse(text, line_no))
            except PronoiaError as exc:
                excerpt = _safe_excerpt(text or raw[:290].decode("ascii", "replace"))
                errors.append(RowError(line_no, exc.field or "", exc.code, exc.message[:500], excerpt))
            if len(rows) >= chunk_size:
                _flush(batch, writer, rows, errors, read, last_line)
                rows, errors, read = [], [], 0
        _flush(batch, writer, rows, errors, read, last_line)


def _flush(batch: ImportBatch, writer: _ChunkWriter, rows: list[LegacyRow], errors: list[RowError], read: int, last_line: int) -> None:
    out = _Outcome(errors=list(errors))
    with transaction.atomic():
        if rows:
            writer.write(rows, out)
        ImportRowError.objects.bulk_create(
            [
                ImportRowError(batch=batch, line_no=e.line_no, field=e.field[:64], code=e.code[:64], message=e.message[:500], excerpt=e.excerpt[:300])
                for e in out.errors
            ]
        )
        _batch_add(batch, out, rows_read=read, last_line=last_line)
        # Warnings (legacy_identifier_conflict) do not make a row an error.
        batch.rows_error += sum(1 for e in out.errors if e.code != "legacy_identifier_conflict")
        batch.save()
    writer.persons |= out.persons
