import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from pronoia.audit.models import DataAccessEntry
from pronoia.insurance.tests.factories import InsurancePeriodFactory

pytestmark = pytest.mark.django_db


def test_json_output_matches_the_record_shape():
    period = InsurancePeriodFactory()
    out = io.StringIO()
    call_command("insurance_record", period.person.national_id, "--purpose", "Audit of 2010 contributions", "--format", "json", stdout=out)
    record = json.loads(out.getvalue())
    assert set(record) >= {"person", "totals", "by_year", "by_fund", "periods", "flags"}
    assert record["totals"]["days"] == 300 and record["totals"]["earnings"] == "15000.00"
    assert record["totals"]["insured_years"] == 1.0
    assert record["by_year"] == [{"year": 2010, "days": 300, "earnings": "15000.00"}]


def test_csv_output():
    period = InsurancePeriodFactory()
    out = io.StringIO()
    call_command("insurance_record", period.person.national_id, "--purpose", "Export for the person", "--format", "csv", stdout=out)
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert rows[0]["period_id"] == str(period.pk) and rows[0]["source_record_id"] == period.source_record_id


def test_unknown_id_is_a_clear_error():
    with pytest.raises(CommandError, match="person_not_found"):
        call_command("insurance_record", "00000000000", "--purpose", "x")


def test_the_read_is_logged_with_the_purpose():
    period = InsurancePeriodFactory()
    call_command("insurance_record", period.person.national_id, "--purpose", "  Court request 42/2026 ", stdout=io.StringIO())
    entry = DataAccessEntry.objects.get()
    assert (entry.person_id, entry.purpose, entry.channel, entry.actor_label) == (period.person_id, "Court request 42/2026", "command", "command:insurance_record")
    assert entry.actor_user_id is None and entry.categories == "insurance_record"


@pytest.mark.parametrize("purpose,code", [("", "purpose_required"), ("   ", "purpose_required"), ("x" * 501, "purpose_too_long")])
def test_a_purpose_is_required_and_bounded(purpose, code):
    period = InsurancePeriodFactory()
    with pytest.raises(CommandError, match=code):
        call_command("insurance_record", period.person.national_id, "--purpose", purpose, stdout=io.StringIO())
    assert not DataAccessEntry.objects.exists()


def test_the_purpose_option_is_mandatory():
    period = InsurancePeriodFactory()
    with pytest.raises(CommandError, match="--purpose"):
        call_command("insurance_record", period.person.national_id, stdout=io.StringIO())


def test_flags_recompute_command():
    InsurancePeriodFactory(person=None, link_method="none")
    out = io.StringIO()
    call_command("flags_recompute", stdout=out)
    assert "unmatched: {'created': 1" in out.getvalue()
