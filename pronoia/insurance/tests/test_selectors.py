import datetime as dt
import json
from decimal import Decimal

import pytest

from pronoia.accounts.roles import Role
from pronoia.audit.models import DataAccessEntry
from pronoia.core.errors import NotFound, PermissionDenied
from pronoia.insurance.calendar_split import allocate, split_by_month, split_by_year, whole_months_between
from pronoia.insurance.models import CorrectionRequest, DataQualityFlag, InsurancePeriod
from pronoia.insurance.selectors import (
    correction_form_target_get,
    correction_request_get_for_person,
    correction_requests_for_person,
    insurance_file_get,
    insurance_record_get,
    insurance_record_get_by_national_id,
)
from pronoia.insurance.tests.actors import person_actor, staff_actor
from pronoia.insurance.tests.factories import InsurancePeriodFactory, SourceRegistryFactory, fund
from pronoia.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_allocate_keeps_the_total_and_is_proportional():
    assert allocate(300, [184, 181]) == [151, 149]
    assert sum(allocate(7, [1, 1, 1])) == 7
    assert allocate(5, [0, 0]) == [5, 0]


def test_split_by_year_is_pro_rata_and_exact():
    parts = split_by_year(dt.date(2010, 7, 1), dt.date(2011, 6, 30), 300, Decimal("15000.00"))
    assert [p[0] for p in parts] == [2010, 2011]
    assert sum(p[1] for p in parts) == 300
    assert sum(p[2] for p in parts) == Decimal("15000.00")
    assert parts[0][1] == 151  # 300 * 184 / 365


def test_split_by_month_single_month_is_unchanged():
    assert split_by_month(dt.date(2011, 3, 1), dt.date(2011, 3, 31), 25, Decimal("1000.00")) == [("2011-03", 25, Decimal("1000.00"))]
    assert whole_months_between(dt.date(2010, 1, 1), dt.date(2010, 6, 30)) == 6


def test_record_totals_count_only_live_non_duplicate_periods():
    person = PersonFactory()
    a = InsurancePeriodFactory(person=person, period_from=dt.date(2010, 1, 1), period_to=dt.date(2010, 12, 31), days=300, earnings=Decimal("15000.00"))
    InsurancePeriodFactory(person=person, period_from=dt.date(2011, 1, 1), period_to=dt.date(2011, 12, 31), days=150, earnings=Decimal("9000.50"))
    other_source = SourceRegistryFactory(code="EFKA", name="e-EFKA")
    InsurancePeriodFactory(person=person, source=other_source, duplicate_of=a, days=300, earnings=Decimal("15000.00"))
    old = InsurancePeriodFactory(person=person, status=InsurancePeriod.Status.SUPERSEDED, days=999, earnings=Decimal("1.00"))
    InsurancePeriodFactory()  # someone else's

    record = insurance_record_get(actor=person_actor(person), person=person)

    assert record["totals"]["days"] == 450
    assert record["totals"]["insured_years"] == 1.5  # 450 / 300 (Greece)
    assert record["totals"]["earnings"] == "24000.50"
    assert record["totals"]["periods_counted"] == 2
    assert record["totals"]["periods_not_counted"] == 2
    assert record["by_year"] == [
        {"year": 2010, "days": 300, "earnings": "15000.00"},
        {"year": 2011, "days": 150, "earnings": "9000.50"},
    ]
    assert record["by_fund"] == [{"fund": "IKA-ETAM", "fund_name": fund().name, "days": 450, "earnings": "24000.50"}]
    assert len(record["periods"]) == 4
    by_id = {p["id"]: p for p in record["periods"]}
    assert by_id[old.pk]["superseded"] is True and by_id[old.pk]["counts"] is False
    duplicate = next(p for p in record["periods"] if p["duplicate_of"])
    assert duplicate["duplicate_of"] == a.pk and duplicate["provenance"]["source"] == "EFKA"
    assert by_id[a.pk]["provenance"]["source_record_id"] == a.source_record_id
    assert by_id[a.pk]["provenance"]["received_at"] == a.received_at.isoformat()
    assert len(record["employers"]) == 2
    assert record["person"]["national_id"] == person.national_id
    json.dumps(record)  # JSON-serialisable as is


def test_record_splits_a_period_across_years():
    person = PersonFactory()
    InsurancePeriodFactory(person=person, period_from=dt.date(2010, 7, 1), period_to=dt.date(2011, 6, 30), days=300, earnings=Decimal("15000.00"))
    record = insurance_record_get(actor=person_actor(person), person=person)
    assert [r["year"] for r in record["by_year"]] == [2010, 2011]
    assert sum(r["days"] for r in record["by_year"]) == 300
    assert sum(Decimal(r["earnings"]) for r in record["by_year"]) == Decimal("15000.00")


def test_record_lists_open_flags_only_with_a_message():
    person = PersonFactory()
    DataQualityFlag.objects.create(
        person=person, code="career_gap", key="2011-01-01..2011-12-31", message="stored",
        details={"start": "2011-01-01", "end": "2011-12-31", "months": 12, "days": 365, "threshold_months": 6},
    )
    DataQualityFlag.objects.create(person=person, code="career_gap", key="old", message="old", status="resolved")
    record = insurance_record_get(actor=person_actor(person), person=person)
    assert [f["key"] for f in record["flags"]] == ["2011-01-01..2011-12-31"]
    assert "2011-01-01" in record["flags"][0]["message"] and "12 months" in record["flags"][0]["message"]


def test_record_of_a_person_with_40_periods_takes_two_queries(django_assert_num_queries):
    person = PersonFactory()
    for i in range(40):
        InsurancePeriodFactory(person=person, period_from=dt.date(1990 + i, 1, 1), period_to=dt.date(1990 + i, 12, 31))
    DataQualityFlag.objects.create(person=person, code="career_gap", key="k", message="m", details={})
    actor = person_actor(person)
    with django_assert_num_queries(2):
        record = insurance_record_get(actor=actor, person=person)
    assert len(record["periods"]) == 40 and record["totals"]["days"] == 12000


def test_record_by_national_id_unknown_is_not_found():
    with pytest.raises(NotFound) as exc:
        insurance_record_get_by_national_id(actor=staff_actor(Role.CASE_HANDLER), national_id="00000000000", purpose="test")
    assert exc.value.code == "person_not_found"


def test_a_case_handler_reads_with_a_purpose_and_the_read_is_logged():
    period = InsurancePeriodFactory()
    actor = staff_actor(Role.CASE_HANDLER)
    with pytest.raises(PermissionDenied):
        insurance_record_get(actor=actor, person=period.person)
    record = insurance_record_get_by_national_id(actor=actor, national_id=f" {period.person.national_id} ", purpose="Pension application")
    assert record["person"]["id"] == period.person_id
    entry = DataAccessEntry.objects.get()
    assert (entry.person_id, entry.purpose, entry.categories) == (period.person_id, "Pension application", "insurance_record")


@pytest.mark.parametrize("role", [Role.OPERATOR_L1, Role.SUPERVISOR, Role.AUDITOR])
def test_roles_without_access_read_nothing(role):
    person = InsurancePeriodFactory().person
    actor = staff_actor(role)
    with pytest.raises(PermissionDenied):
        insurance_record_get(actor=actor, person=person, purpose="x")
    with pytest.raises(PermissionDenied):
        correction_requests_for_person(actor=actor, person=person, purpose="x")
    with pytest.raises(PermissionDenied):
        correction_request_get_for_person(actor=actor, person=person, correction_id=1, purpose="x")
    with pytest.raises(PermissionDenied):
        insurance_file_get(actor=actor, person=person, purpose="x")
    assert not DataAccessEntry.objects.exists()


def test_another_citizen_reads_nothing():
    person, other = InsurancePeriodFactory().person, PersonFactory()
    with pytest.raises(PermissionDenied):
        insurance_record_get(actor=person_actor(other), person=person)
    with pytest.raises(PermissionDenied):
        correction_form_target_get(actor=person_actor(other), person=person)


def test_the_file_is_one_logged_access_with_the_categories_allowed():
    person = InsurancePeriodFactory().person
    CorrectionRequest.objects.create(person=person, message="m")
    data = insurance_file_get(actor=staff_actor(Role.BRANCH_STAFF), person=person, purpose="Counter visit")
    assert len(data["corrections"]) == 1 and data["record"]["person"]["id"] == person.pk
    assert DataAccessEntry.objects.get().categories == "corrections,insurance_record"
    own = insurance_file_get(actor=person_actor(person), person=person)
    assert len(own["corrections"]) == 1 and DataAccessEntry.objects.count() == 1
