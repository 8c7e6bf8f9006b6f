import datetime as dt
from decimal import Decimal

import pytest

from pronoia.insurance.models import DataQualityFlag, InsurancePeriod
from pronoia.insurance.quality import flags_recompute_for_persons, flags_recompute_unmatched
from pronoia.insurance.tests.factories import InsurancePeriodFactory, SourceRegistryFactory
from pronoia.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def month(year: int, mon: int, **fields):
    import calendar

    return {"period_from": dt.date(year, mon, 1), "period_to": dt.date(year, mon, calendar.monthrange(year, mon)[1]), **fields}


def open_flags(person, code=None):
    qs = DataQualityFlag.objects.filter(person=person, status="open")
    if code:
        qs = qs.filter(code=code)
    return list(qs.order_by("key"))


def test_career_gap_longer_than_six_months_is_flagged_and_resolved_when_filled():
    person = PersonFactory()
    InsurancePeriodFactory(person=person, period_from=dt.date(2010, 1, 1), period_to=dt.date(2010, 12, 31))
    InsurancePeriodFactory(person=person, period_from=dt.date(2012, 1, 1), period_to=dt.date(2012, 12, 31))
    # Exactly six months without insurance is not "more than six".
    InsurancePeriodFactory(person=person, period_from=dt.date(2013, 7, 1), period_to=dt.date(2013, 12, 31))

    result = flags_recompute_for_persons(person_ids=[person.pk])

    [gap] = open_flags(person, "career_gap")
    assert gap.key == "2011-01-01..2011-12-31"
    assert gap.details["months"] == 12
    assert "2011-01-01" in gap.message and "2011-12-31" in gap.message
    assert result["created"] == 1

    filler = InsurancePeriodFactory(person=person, period_from=dt.date(2011, 1, 1), period_to=dt.date(2011, 12, 31))
    flags_recompute_for_persons(person_ids=[person.pk])
    gap.refresh_from_db()
    assert gap.status == "resolved" and gap.resolved_at is not None

    # Superseding the filler opens the gap again: the same flag is reopened, not duplicated.
    filler.status = InsurancePeriod.Status.SUPERSEDED
    filler.save()
    flags_recompute_for_persons(person_ids=[person.pk])
    gap.refresh_from_db()
    assert gap.status == "open" and gap.resolved_at is None
    assert DataQualityFlag.objects.filter(person=person, code="career_gap").count() == 1


def test_recompute_is_idempotent():
    person = PersonFactory()
    InsurancePeriodFactory(person=person, period_from=dt.date(2000, 1, 1), period_to=dt.date(2000, 1, 31), days=25)
    InsurancePeriodFactory(person=person, period_from=dt.date(2005, 1, 1), period_to=dt.date(2005, 1, 31), days=25)
    first = flags_recompute_for_persons(person_ids=[person.pk])
    second = flags_recompute_for_persons(person_ids=[person.pk, person.pk])
    assert first["created"] == 1
    assert second == {"created": 0, "updated": 0, "resolved": 0}


def test_overlap_excess_days_in_one_month():
    person = PersonFactory()
    InsurancePeriodFactory(person=person, **month(2011, 3, days=20))
    InsurancePeriodFactory(person=person, **month(2011, 3, days=15))
    InsurancePeriodFactory(person=person, **month(2011, 4, days=12))
    InsurancePeriodFactory(person=person, **month(2011, 4, days=12))  # 24 <= 26: fine
    flags_recompute_for_persons(person_ids=[person.pk])
    [flag] = open_flags(person, "overlap_excess_days")
    assert flag.key == "2011-03"
    assert flag.details["max_days"] == 35 and flag.details["limit"] == 26
    assert "35" in flag.message and "26" in flag.message


def test_overlap_limit_is_the_calendar_when_lower_than_the_country_maximum():
    person = PersonFactory(country="pl", national_id="85010112345")
    InsurancePeriodFactory(person=person, **month(2011, 2, days=20, currency="PLN"))
    InsurancePeriodFactory(person=person, **month(2011, 2, days=10, currency="PLN"))
    flags_recompute_for_persons(person_ids=[person.pk])
    [flag] = open_flags(person, "overlap_excess_days")
    assert flag.details["limit"] == 28


def test_overlapping_months_are_grouped_into_one_flag():
    person = PersonFactory()
    InsurancePeriodFactory(person=person, period_from=dt.date(2011, 1, 1), period_to=dt.date(2011, 12, 31), days=300)
    InsurancePeriodFactory(person=person, period_from=dt.date(2011, 3, 1), period_to=dt.date(2011, 5, 31), days=75)
    flags_recompute_for_persons(person_ids=[person.pk])
    [flag] = open_flags(person, "overlap_excess_days")
    assert flag.key == "2011-03..2011-05"
    assert [m["month"] for m in flag.details["months"]] == ["2011-03", "2011-04", "2011-05"]


def test_conflicting_month_from_two_sources_for_the_same_employer():
    person = PersonFactory()
    ika = SourceRegistryFactory(code="IKA")
    efka = SourceRegistryFactory(code="EFKA", name="e-EFKA")
    a = InsurancePeriodFactory(person=person, source=ika, **month(2011, 3, days=25, earnings=Decimal("1000.00")))
    InsurancePeriodFactory(person=person, source=efka, employer=a.employer, **month(2011, 3, days=20, earnings=Decimal("900.00")))
    flags_recompute_for_persons(person_ids=[person.pk])
    [flag] = open_flags(person, "conflicting_month")
    assert flag.details["first_month"] == "2011-03"
    assert {flag.details["source_a"], flag.details["source_b"]} == {"IKA", "EFKA"}
    assert "EFKA" in flag.message and "IKA" in flag.message
    # The more specific conflict replaces the overlap flag for that month.
    assert open_flags(person, "overlap_excess_days") == []


def test_exact_duplicates_and_same_values_are_not_conflicts():
    person = PersonFactory()
    efka = SourceRegistryFactory(code="EFKA", name="e-EFKA")
    a = InsurancePeriodFactory(person=person, **month(2011, 3, days=12, earnings=Decimal("500.00")))
    InsurancePeriodFactory(person=person, source=efka, employer=a.employer, duplicate_of=a, **month(2011, 3, days=25, earnings=Decimal("900.00")))
    InsurancePeriodFactory(person=person, source=efka, employer=a.employer, **month(2011, 3, days=12, earnings=Decimal("500.00")))
    flags_recompute_for_persons(person_ids=[person.pk])
    assert open_flags(person, "conflicting_month") == []


def test_different_employers_in_the_same_month_are_not_conflicts():
    person = PersonFactory()
    efka = SourceRegistryFactory(code="EFKA", name="e-EFKA")
    InsurancePeriodFactory(person=person, **month(2011, 3, days=10, earnings=Decimal("400.00")))
    InsurancePeriodFactory(person=person, source=efka, **month(2011, 3, days=12, earnings=Decimal("500.00")))
    flags_recompute_for_persons(person_ids=[person.pk])
    assert open_flags(person) == []


def test_earnings_outlier_against_the_persons_own_median():
    person = PersonFactory()
    for year in range(2000, 2006):
        InsurancePeriodFactory(person=person, period_from=dt.date(year, 1, 1), period_to=dt.date(year, 12, 31), days=300, earnings=Decimal("15000.00"))
    high = InsurancePeriodFactory(person=person, period_from=dt.date(2006, 1, 1), period_to=dt.date(2006, 12, 31), days=300, earnings=Decimal("90000.00"))
    # Credited periods carry no earnings by nature: never outliers.
    InsurancePeriodFactory(person=person, period_from=dt.date(2007, 1, 1), period_to=dt.date(2007, 6, 30), days=150, earnings=Decimal("0.00"), insurance_type="unemployment_credit", employer=None)
    flags_recompute_for_persons(person_ids=[person.pk])
    [flag] = open_flags(person, "earnings_outlier")
    assert flag.period_id == high.pk and flag.key == f"period:{high.pk}"
    assert flag.details["ratio"] == "6.0"
    assert "300.00 EUR" in flag.message and "50.00 EUR" in flag.message


def test_few_periods_give_no_outlier():
    person = PersonFactory()
    InsurancePeriodFactory(person=person, period_from=dt.date(2000, 1, 1), period_to=dt.date(2000, 12, 31), earnings=Decimal("100.00"))
    InsurancePeriodFactory(person=person, period_from=dt.date(2001, 1, 1), period_to=dt.date(2001, 12, 31), earnings=Decimal("90000.00"))
    flags_recompute_for_persons(person_ids=[person.pk])
    assert open_flags(person, "earnings_outlier") == []


def test_unmatched_records_get_a_flag_without_person_until_linked():
    period = InsurancePeriodFactory(person=None, link_method="none", reported_national_id="12345678901")
    result = flags_recompute_unmatched()
    assert result["created"] == 1
    flag = DataQualityFlag.objects.get(code="unmatched_record")
    assert flag.person_id is None and flag.period_id == period.pk
    assert flag.key == f"IKA:{period.source_record_id}"
    assert "12345678901" in flag.message
    assert flags_recompute_unmatched() == {"created": 0, "updated": 0, "resolved": 0}

    person = PersonFactory()
    period.person = person
    period.save()
    flags_recompute_for_persons(person_ids=[person.pk])  # as the import does after relinking
    flag.refresh_from_db()
    assert flag.status == "resolved"
    assert flags_recompute_unmatched() == {"created": 0, "updated": 0, "resolved": 0}


def test_recompute_for_many_persons_uses_few_queries(django_assert_max_num_queries):
    persons = [PersonFactory() for _ in range(30)]
    for person in persons:
        InsurancePeriodFactory(person=person, period_from=dt.date(2000, 1, 1), period_to=dt.date(2000, 12, 31))
        InsurancePeriodFactory(person=person, period_from=dt.date(2003, 1, 1), period_to=dt.date(2003, 12, 31))
    with django_assert_max_num_queries(8):
        result = flags_recompute_for_persons(person_ids=[p.pk for p in persons])
    assert result["created"] == 30


def test_flag_messages_are_translated_on_display(settings):
    from django.utils import translation

    from pronoia.insurance.quality import flag_message

    details = {"start": "2011-01-01", "end": "2011-12-31", "months": 12, "days": 365, "threshold_months": 6}
    with translation.override("en"):
        assert flag_message("career_gap", details).startswith("No insurance is recorded")
    assert flag_message("career_gap", {}) == ""  # old details: caller falls back to the stored text


def test_back_to_back_periods_sharing_a_month_can_exceed_it():
    # Not overlapping, but both touch March: 12 (pro rata) + 16 days is more than the 26 a month counts.
    person = PersonFactory()
    InsurancePeriodFactory(person=person, period_from=dt.date(2010, 6, 1), period_to=dt.date(2011, 3, 15), days=240)
    InsurancePeriodFactory(person=person, period_from=dt.date(2011, 3, 16), period_to=dt.date(2011, 3, 31), days=16)
    # Ending and starting on month boundaries shares no month: never an excess.
    InsurancePeriodFactory(person=person, period_from=dt.date(2011, 4, 1), period_to=dt.date(2011, 9, 30), days=156)
    InsurancePeriodFactory(person=person, period_from=dt.date(2011, 10, 1), period_to=dt.date(2011, 12, 31), days=78)
    flags_recompute_for_persons(person_ids=[person.pk])
    [flag] = open_flags(person, "overlap_excess_days")
    assert flag.key == "2011-03" and flag.details["max_days"] == 28 and len(flag.details["period_ids"]) == 2


@pytest.mark.django_db
def test_the_database_refuses_a_second_flag_for_the_same_unlinked_record():
    from django.db import IntegrityError, transaction

    DataQualityFlag.objects.create(person=None, code="unmatched_record", key="IKA:R1", message="m")
    with pytest.raises(IntegrityError), transaction.atomic():
        DataQualityFlag.objects.create(person=None, code="unmatched_record", key="IKA:R1", message="m")


@pytest.mark.django_db
def test_import_flags_unmatched_records_and_a_later_link_resolves_them(tmp_path, funds):
    from pronoia.insurance.services import legacy_import_file
    from pronoia.insurance.tests.legacy_csv import legacy_row, write_export

    orphan = legacy_row(source_record_id="U1", national_id="", legacy_member_no="M-404", surname="Nobody", given_name="Known")
    legacy_import_file(path=write_export(tmp_path, [orphan], name="orphan.csv"), source_code="IKA", country="gr")
    flag = DataQualityFlag.objects.get(code="unmatched_record", person=None)
    assert flag.key == "IKA:U1" and flag.status == "open"

    # A later export names the member number together with a national id: the orphan is relinked.
    teacher = legacy_row(source_record_id="T1", legacy_member_no="M-404", period_from="2011-01-01", period_to="2011-01-31")
    legacy_import_file(path=write_export(tmp_path, [teacher], name="teacher.csv"), source_code="IKA", country="gr")
    flag.refresh_from_db()
    assert flag.status == "resolved"
