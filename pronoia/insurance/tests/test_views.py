import csv
import datetime as dt
import io
from urllib.parse import quote
from decimal import Decimal

import pytest
from django.urls import reverse

from pronoia.accounts.roles import Role
from pronoia.accounts.tests.factories import client_sign_in_citizen, client_sign_in_staff, staff_user
from pronoia.audit.models import DataAccessEntry
from pronoia.insurance.models import CorrectionRequest, DataQualityFlag
from pronoia.insurance.record_csv import csv_cell
from pronoia.insurance.tests.factories import InsurancePeriodFactory
from pronoia.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


RECORD_URL = "/my/insurance-record"


@pytest.fixture
def person_client(client):
    person = PersonFactory(surname="Παπαδοπούλου", given_name="Μαρία")
    client_sign_in_citizen(client, person)
    client.person = person
    return client


def test_urls():
    assert reverse("insurance:record") == RECORD_URL
    assert reverse("insurance:record_csv") == "/my/insurance-record.csv"


def test_language_switch_sets_the_language(client):
    response = client.post("/i18n/setlang/", {"language": "el", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="el"' in client.get("/").content.decode()


@pytest.mark.parametrize("url", [RECORD_URL, "/my/insurance-record.csv", "/my/insurance-record/corrections/new", "/my/insurance-record/corrections/1"])
def test_anonymous_visitors_go_to_sign_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"/sign-in?next={quote(url, safe='')}"


def test_staff_cannot_open_the_citizen_pages(client):
    client_sign_in_staff(client, staff_user(Role.CASE_HANDLER))
    assert client.get(RECORD_URL).status_code == 403
    assert not DataAccessEntry.objects.exists()


def test_own_record_is_not_logged(person_client):
    InsurancePeriodFactory(person=person_client.person)
    assert person_client.get(RECORD_URL).status_code == 200
    assert person_client.get("/my/insurance-record.csv").status_code == 200
    assert not DataAccessEntry.objects.exists()


def test_record_page_shows_totals_periods_provenance_and_flags(person_client, django_assert_max_num_queries):
    person = person_client.person
    period = InsurancePeriodFactory(person=person, days=300, earnings=Decimal("15000.00"))
    InsurancePeriodFactory(person=person, period_from=dt.date(2012, 1, 1), period_to=dt.date(2012, 12, 31), days=150, earnings=Decimal("7500.00"))
    flag = DataQualityFlag.objects.create(
        person=person, code="career_gap", key="2011-01-01..2011-12-31", message="x",
        details={"start": "2011-01-01", "end": "2011-12-31", "months": 12, "days": 365, "threshold_months": 6},
    )
    person_client.get(RECORD_URL)  # the first request of a session records when it started
    # Session, user, roles (the actor), person, periods, flags, correction requests.
    with django_assert_max_num_queries(7):
        response = person_client.get(RECORD_URL)
    html = response.content.decode()
    assert response.status_code == 200
    assert "450" in html and "1.50" in html and "22,500.00" in html
    assert html.index("Totals") < html.index("By year") < html.index("By fund") < html.index("Periods") < html.index("Things to check")
    assert period.source_record_id in html
    assert f"/my/insurance-record/corrections/new?period={period.pk}" in html
    assert f"/my/insurance-record/corrections/new?flag={flag.pk}" in html
    assert "No insurance is recorded from 2011-01-01 to 2011-12-31" in html
    assert "pronoia-table-scroll" in html


def test_csv_download_protects_against_formulas(person_client):
    person = person_client.person
    InsurancePeriodFactory(person=person, employer__name="=HYPERLINK(\"http://evil\")", source_record_id="-1+1")
    response = person_client.get("/my/insurance-record.csv")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0]["employer_name"] == "'=HYPERLINK(\"http://evil\")"
    assert rows[0]["source_record_id"] == "'-1+1"
    assert rows[0]["counts"] == "yes" and rows[0]["source"] == "IKA"
    assert csv_cell("@SUM(A1)") == "'@SUM(A1)" and csv_cell("+1") == "'+1" and csv_cell("plain") == "plain" and csv_cell(None) == ""


def test_correction_form_for_a_period_and_success(person_client):
    period = InsurancePeriodFactory(person=person_client.person)
    url = f"/my/insurance-record/corrections/new?period={period.pk}"
    assert person_client.get(url).status_code == 200
    response = person_client.post(url, {"message": "<script>alert(1)</script> wrong employer"})
    correction = CorrectionRequest.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/my/insurance-record/corrections/{correction.pk}"
    assert correction.period == period and correction.message.startswith("<script>")
    html = person_client.get(response["Location"]).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html and "<script>alert(1)" not in html
    assert f"#{correction.pk}" in person_client.get(RECORD_URL).content.decode()


def test_correction_form_shows_an_accessible_error_summary(person_client):
    flag = DataQualityFlag.objects.create(person=person_client.person, code="career_gap", key="k", message="gap", details={})
    url = f"/my/insurance-record/corrections/new?flag={flag.pk}"
    response = person_client.post(url, {"message": "   "})
    html = response.content.decode()
    assert response.status_code == 400
    assert "govuk-error-summary" in html and 'href="#message"' in html
    assert 'id="message-error"' in html and "govuk-textarea--error" in html
    assert "<title>Error:" in html
    too_long = person_client.post(url, {"message": "x" * 4001})
    assert too_long.status_code == 400 and "4000 characters or fewer" in too_long.content.decode()
    assert not CorrectionRequest.objects.exists()


def test_correction_form_for_someone_elses_period_is_404(person_client):
    other = InsurancePeriodFactory()
    assert person_client.get(f"/my/insurance-record/corrections/new?period={other.pk}").status_code == 404
    assert person_client.post(f"/my/insurance-record/corrections/new?period={other.pk}", {"message": "x"}).status_code == 404
    assert person_client.get("/my/insurance-record/corrections/new?period=abc").status_code == 404


def test_someone_elses_correction_is_404(person_client):
    other = InsurancePeriodFactory()
    correction = CorrectionRequest.objects.create(person=other.person, message="theirs")
    assert person_client.get(f"/my/insurance-record/corrections/{correction.pk}").status_code == 404
