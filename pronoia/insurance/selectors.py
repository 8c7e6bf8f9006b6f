"""Reads of the insurance file: the digital insurance record (dossier) of one person.

Every selector that returns a person's data takes the actor and passes the access rule
(accounts.access.person_data_access_check), which logs every access by someone other than the
person. The record is a JSON-serialisable dict (dates as ISO strings, money as decimal strings); the
page, the API, the CLI and the CSV export all render this one structure. See
docs/insurance-record.md for the shape and the totals rules.
"""
from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.utils.translation import gettext as _

from pronoia.accounts.access import person_data_access_check, person_data_access_permits
from pronoia.accounts.actors import Actor
from pronoia.accounts.roles import DataCategory
from pronoia.core.countries import country_rules
from pronoia.core.errors import NotFound
from pronoia.insurance.calendar_split import split_by_year
from pronoia.insurance.models import CorrectionRequest, DataQualityFlag, InsurancePeriod, InsuranceType, LinkMethod
from pronoia.insurance.quality import flag_message
from pronoia.people.models import Person
from pronoia.people.selectors import person_get_by_national_id

ZERO = Decimal("0.00")
YEARS_QUANTUM = Decimal("0.01")


def _money(value: Decimal) -> str:
    return str(value.quantize(ZERO))


def _person_dict(person: Person) -> dict:
    return {
        "id": person.pk,
        "country": person.country,
        "national_id": person.national_id,
        "national_id_name": country_rules(person.country).national_id_name,
        "surname": person.surname,
        "given_name": person.given_name,
        "surname_latin": person.surname_latin,
        "given_name_latin": person.given_name_latin,
        "birth_date": person.birth_date.isoformat(),
    }


def _labels() -> dict[str, dict[str, str]]:
    """Choice labels in the active language, once per record: Django's get_FOO_display
    re-hashes every lazy label on each call, the main cost of a 40-period record."""
    return {
        "insurance_type": {value: str(label) for value, label in InsuranceType.choices},
        "status": {value: str(label) for value, label in InsurancePeriod.Status.choices},
        "link_method": {value: str(label) for value, label in LinkMethod.choices},
        "flag": {value: str(label) for value, label in DataQualityFlag.Code.choices},
    }


def _period_dict(period: InsurancePeriod, labels: dict[str, dict[str, str]]) -> dict:
    employer = period.employer
    return {
        "id": period.pk,
        "fund": period.fund.code,
        "fund_name": period.fund.name,
        "employer": {"id": employer.pk, "registry_no": employer.registry_no, "name": employer.name} if employer else None,
        "insurance_type": period.insurance_type,
        "insurance_type_label": labels["insurance_type"].get(period.insurance_type, period.insurance_type),
        "period_from": period.period_from.isoformat(),
        "period_to": period.period_to.isoformat(),
        "days": period.days,
        "earnings": _money(period.earnings),
        "contributions": _money(period.contributions),
        "currency": period.currency,
        "status": period.status,
        "status_label": labels["status"].get(period.status, period.status),
        "counts": period.counts,
        "superseded": period.status == InsurancePeriod.Status.SUPERSEDED,
        "superseded_by": period.superseded_by_id,
        "duplicate_of": period.duplicate_of_id,
        "link_method": period.link_method,
        "link_method_label": labels["link_method"].get(period.link_method, period.link_method),
        "provenance": {
            "source": period.source.code,
            "source_name": period.source.name,
            "source_record_id": period.source_record_id,
            "import_batch_id": period.import_batch_id,
            "source_line": period.source_line,
            "received_at": period.received_at.isoformat(),
        },
    }


def _flag_dict(flag: DataQualityFlag, labels: dict[str, dict[str, str]]) -> dict:
    return {
        "id": flag.pk,
        "code": flag.code,
        "title": labels["flag"].get(flag.code, flag.code),
        # Rendered in the reader's language from code + details; the stored text is English.
        "message": flag_message(flag.code, flag.details) or flag.message,
        "key": flag.key,
        "details": flag.details,
        "period_id": flag.period_id,
        "status": flag.status,
        "detected_at": flag.detected_at.isoformat(),
    }


def insurance_record_get(*, actor: Actor, person: Person, purpose: str = "") -> dict:
    """The person's insurance record, for `actor` under the access rules (accounts.access): the
    access is checked, and logged unless the actor is the person. See _insurance_record_build."""
    person_data_access_check(actor, person_id=person.pk, categories=[DataCategory.INSURANCE_RECORD], purpose=purpose)
    return _insurance_record_build(person=person)


def _insurance_record_build(*, person: Person) -> dict:
    """The person's insurance record (no access check: callers are the checked selectors): identity, totals, by year, by fund, periods with
    provenance, employers and open data-quality flags. Two queries.

    Only periods that count (not superseded, not a duplicate of another source's record) enter
    the totals, by_year, by_fund and employers; every period is listed in `periods` with
    `counts`, `superseded` and `duplicate_of` so that its provenance stays visible. A period
    spanning several calendar years is split pro rata by calendar days (calendar_split).
    """
    periods = list(
        InsurancePeriod.objects.filter(person=person)
        .select_related("fund", "employer", "source")
        # Linkage and hash columns are not shown: leave them in the database.
        .defer(
            "record_hash", "fact_hash", "review", "reported_national_id", "legacy_fund_code", "legacy_member_no",
            "reported_surname", "reported_given_name", "reported_birth_date",
            "fund__kind", "fund__country", "employer__sector", "employer__region", "employer__created_at", "source__country",
        )
        .order_by("period_from", "period_to", "pk")
    )
    flags = list(
        DataQualityFlag.objects.filter(person=person, status=DataQualityFlag.Status.OPEN).order_by("code", "key", "pk")
    )

    total_days = 0
    total_earnings = ZERO
    years: dict[int, list] = defaultdict(lambda: [0, ZERO])
    funds: dict[str, list] = {}
    employers: dict[int, dict] = {}
    for period in periods:
        if not period.counts:
            continue
        total_days += period.days
        total_earnings += period.earnings
        for year, days, earnings in split_by_year(period.period_from, period.period_to, period.days, period.earnings):
            years[year][0] += days
            years[year][1] += earnings
        fund_row = funds.setdefault(period.fund.code, [period.fund.name, 0, ZERO])
        fund_row[1] += period.days
        fund_row[2] += period.earnings
        if period.employer is not None:
            row = employers.setdefault(
                period.employer_id,
                {
                    "id": period.employer_id,
                    "registry_no": period.employer.registry_no,
                    "name": period.employer.name,
                    "first_from": period.period_from,
                    "last_to": period.period_to,
                    "days": 0,
                    "earnings": ZERO,
                    "periods": 0,
                },
            )
            row["last_to"] = max(row["last_to"], period.period_to)
            row["days"] += period.days
            row["earnings"] += period.earnings
            row["periods"] += 1

    rules = country_rules(person.country)
    labels = _labels()
    insured_years = (Decimal(total_days) / rules.days_per_insured_year).quantize(YEARS_QUANTUM)
    return {
        "person": _person_dict(person),
        "totals": {
            "days": total_days,
            "insured_years": float(insured_years),
            "days_per_insured_year": rules.days_per_insured_year,
            "earnings": _money(total_earnings),
            "currency": rules.currency,
            "periods_counted": sum(1 for p in periods if p.counts),
            "periods_not_counted": sum(1 for p in periods if not p.counts),
        },
        "by_year": [{"year": y, "days": d, "earnings": _money(e)} for y, (d, e) in sorted(years.items())],
        "by_fund": [
            {"fund": code, "fund_name": name, "days": d, "earnings": _money(e)}
            for code, (name, d, e) in sorted(funds.items(), key=lambda item: (-item[1][1], item[0]))
        ],
        "periods": [_period_dict(p, labels) for p in periods],
        "employers": [
            {
                **row,
                "first_from": row["first_from"].isoformat(),
                "last_to": row["last_to"].isoformat(),
                "earnings": _money(row["earnings"]),
            }
            for row in sorted(employers.values(), key=lambda r: (r["first_from"], r["id"]))
        ],
        "flags": [_flag_dict(f, labels) for f in flags],
    }


def insurance_record_get_by_national_id(*, actor: Actor, national_id: str, country: str | None = None, purpose: str = "") -> dict:
    """The record of the person with this national identifier, for `actor` (checked and logged);
    NotFound(person_not_found) when there is no such person."""
    person = person_get_by_national_id(national_id=national_id.strip(), country=country)
    return insurance_record_get(actor=actor, person=person, purpose=purpose)


def insurance_file_get(*, actor: Actor, person: Person, purpose: str = "") -> dict:
    """The record page's data in one checked (and logged) access: {"record", "corrections"}.

    `corrections` is the person's correction requests when the actor may see them (a mandate may
    cover the record but not the corrections), else None.
    """
    categories = [DataCategory.INSURANCE_RECORD]
    with_corrections = person_data_access_permits(
        actor, person_id=person.pk, categories=[DataCategory.INSURANCE_RECORD, DataCategory.CORRECTIONS], purpose=purpose
    )
    if with_corrections:
        categories.append(DataCategory.CORRECTIONS)
    person_data_access_check(actor, person_id=person.pk, categories=categories, purpose=purpose)
    return {
        "record": _insurance_record_build(person=person),
        "corrections": _correction_requests(person) if with_corrections else None,
    }


def correction_form_target_get(*, actor: Actor, person: Person, period_id: int | None = None, flag_id: int | None = None) -> dict:
    """The period and/or flag a correction request is about, checked to belong to `person`;
    the actor must be allowed the person's record and corrections (checked and logged)."""
    person_data_access_check(actor, person_id=person.pk, categories=[DataCategory.INSURANCE_RECORD, DataCategory.CORRECTIONS])
    period = flag = None
    if period_id is not None:
        period = InsurancePeriod.objects.select_related("fund", "employer").filter(pk=period_id, person=person).first()
        if period is None:
            raise NotFound(code="period_not_found", message=_("This period is not in your insurance record."), field="period")
    if flag_id is not None:
        flag = DataQualityFlag.objects.filter(pk=flag_id, person=person).first()
        if flag is None:
            raise NotFound(code="flag_not_found", message=_("This flag is not in your insurance record."), field="flag")
    return {"period": period, "flag": flag}


def _correction_requests(person: Person) -> list[CorrectionRequest]:
    return list(
        CorrectionRequest.objects.filter(person=person).select_related("period", "period__fund").order_by("-created_at", "-pk")
    )


def correction_requests_for_person(*, actor: Actor, person: Person, purpose: str = "") -> list[CorrectionRequest]:
    """The person's correction requests, newest first, with the period each is about (checked and logged)."""
    person_data_access_check(actor, person_id=person.pk, categories=[DataCategory.CORRECTIONS], purpose=purpose)
    return _correction_requests(person)


def correction_request_get_for_person(*, actor: Actor, person: Person, correction_id: int, purpose: str = "") -> CorrectionRequest | None:
    """One of the person's correction requests, or None when it is not theirs (checked and logged)."""
    person_data_access_check(actor, person_id=person.pk, categories=[DataCategory.CORRECTIONS], purpose=purpose)
    return (
        CorrectionRequest.objects.filter(person=person, pk=correction_id)
        .select_related("period", "period__fund", "flag")
        .first()
    )
