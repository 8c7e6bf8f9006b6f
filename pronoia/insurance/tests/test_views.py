import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse

from pronoia.core.signed_in import SESSION_PERSON_KEY
from pronoia.insurance.models import CorrectionRequest, DataQualityFlag
from pronoia.insurance.record_csv import csv_cell
from pronoia.insurance.tests.factories import InsurancePeriodFactory
from pronoia.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


RECORD_URL = "/my/insurance-record"


@pytest.fixture
def person_client(client):
    person = PersonFactory(surname="Παπαδοπούλου", given_name="Μαρία")
    session = client.session
    session[SESSION_PERSON_KEY] = person.pk
    session.save()
    client.person = person
    return client


def test_urls():
    assert reverse("insurance:record") == RECORD_URL
    assert reverse("insurance:record_csv") == "/my/insurance-record.csv"
    assert reverse("core:demo_sign_in") == "/demo/sign-in"


def test_home_page_links_to_demo_sign_in_and_record(client):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert "/demo/sign-in" in html and RECORD_URL in html
    assert "pronoia/pronoia.css" in html and "pronoia/pronoia.mjs" in html
    assert 'class="govuk-skip-link"' in html
    for code in ("el", "pl", "bg", "ru"):
        assert f'name="language" value="{code}"' in html
    assert "crown" not in html.lower()


def test_language_switch_sets_the_language(client):
    response = client.post("/i18n/setlang/", {"language": "el", "next": "/"})
    assert response.status_code == 302
    assert '<html lang="el"' in client.get("/").content.decode()


def test_demo_sign_in_is_404_without_demo(client, settings):
    settings.PRONOIA_DEMO = False
    assert client.get("/demo/sign-in").status_code == 404
    assert client.post("/demo/sign-in", {"person": 1}).status_code == 404


def test_demo_sign_in_searches_and_signs_in(client):
    person = PersonFactory(surname="Νικολάου", given_name="Ελένη")
    PersonFactory(surname="Γεωργίου")
    response = client.get("/demo/sign-in", {"q": "nikolaou"})
    assert person.national_id in response.content.decode()
    assert "Γεωργίου" not in response.content.decode()
    assert person.national_id in client.get("/demo/sign-in", {"q": person.national_id[:6]}).content.decode()

    response = client.post("/demo/sign-in", {"person": person.pk, "next": "https://evil.example/"})
    assert response.status_code == 302 and response["Location"] == RECORD_URL
    assert client.session[SESSION_PERSON_KEY] == person.pk
    assert client.get(RECORD_URL).status_code == 200

    client.post("/sign-out")
    assert SESSION_PERSON_KEY not in client.session


def test_demo_sign_in_rejects_an_unknown_person(client):
    response = client.post("/demo/sign-in", {"person": 999999})
    assert response.status_code == 400
    assert "govuk-error-summary" in response.content.decode()


def test_record_requires_a_signed_in_person(client, settings):
    response = client.get(RECORD_URL)
    assert response.status_code == 302 and response["Location"].startswith("/demo/sign-in?next=")
    settings.PRONOIA_DEMO = False
    assert client.get(RECORD_URL).status_code == 401


def test_record_page_shows_totals_periods_provenance_and_flags(person_client, django_assert_max_num_queries):
    person = person_client.person
    period = InsurancePeriodFactory(person=person, days=300, earnings=Decimal("15000.00"))
    InsurancePeriodFactory(person=person, period_from=dt.date(2012, 1, 1), period_to=dt.date(2012, 12, 31), days=150, earnings=Decimal("7500.00"))
    flag = DataQualityFlag.objects.create(
        person=person, code="career_gap", key="2011-01-01..2011-12-31", message="x",
        details={"start": "2011-01-01", "end": "2011-12-31", "months": 12, "days": 365, "threshold_months": 6},
    )
    with django_assert_max_num_queries(6):
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
