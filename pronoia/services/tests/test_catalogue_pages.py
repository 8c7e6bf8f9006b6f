"""Catalogue pages: public, in the user's language, with filters that report bad values."""
from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_list_shows_the_portal_country_services(client, settings):
    settings.PRONOIA_COUNTRY = "gr"
    response = client.get("/services/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Insurance history certificate" in html
    assert 'href="/services/gr-a1-document/"' in html
    assert "/services/pl-" not in html


def test_list_follows_the_configured_country(client, settings):
    settings.PRONOIA_COUNTRY = "pl"
    html = client.get("/services/").content.decode()
    assert "/services/pl-" in html and "/services/gr-" not in html


def test_filters(client):
    html = client.get("/services/", {"at_once": "on"}).content.decode()
    assert "gr-insurance-history-certificate" in html and "gr-a1-document/" not in html
    searched = client.get("/services/", {"q": "pension"}).content.decode()
    assert "gr-old-age-pension-application" in searched and "gr-a1-document/" not in searched
    nothing = client.get("/services/", {"q": "zzzz"}).content.decode()
    assert "No service matches these filters." in nothing


def test_search_in_the_user_language(client):
    client.cookies["django_language"] = "el"
    html = client.get("/services/", {"q": "σύνταξη"}).content.decode()
    assert "Αίτηση για σύνταξη γήρατος" in html


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"country": "xx"}, "Select a valid choice."),
        ({"q": "x" * 101}, "Ensure this value has at most 100 characters"),
        ({"q": "a\x00b"}, ""),
    ],
)
def test_bad_filters_are_reported_and_ignored(client, params, message):
    response = client.get("/services/", params)
    assert response.status_code == 200
    html = response.content.decode()
    assert "govuk-error-summary" in html
    assert message in html
    assert "gr-a1-document/" in html  # the rest of the page still works, with the default country


def test_detail_page(client):
    response = client.get("/services/gr-a1-document/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "A1 document – applicable legislation when working abroad" in html
    assert 'href="/services/gr-a1-document/apply"' in html
    assert 'href="http://data.europa.eu/eli/reg/2004/883/oj"' in html
    assert "Details of the work abroad" in html  # evidence
    assert "Up to 30 working days" in html
    assert "Free of charge." in html
    assert "https://www.efka.gov.gr/" in html
    assert "“substantial”" in html
    other_ways = html.split("Other ways to apply")[1].split("Legal basis")[0]
    assert "In person at a local branch of e-EFKA" in other_ways and "through this portal" not in other_ways


def test_detail_page_in_greek(client):
    client.cookies["django_language"] = "el"
    html = client.get("/services/gr-insurance-history-certificate/").content.decode()
    assert "Βεβαίωση ασφαλιστικού ιστορικού" in html
    assert "Χωρίς χρέωση." in html


@pytest.mark.parametrize("code", ["nope", "gr-a1-document-x", "GR-A1-DOCUMENT"])
def test_unknown_service_is_404(client, code):
    assert client.get(f"/services/{code}/").status_code == 404


def test_pages_are_public_for_signed_in_people_too(client):
    from pronoia.accounts.tests.factories import client_sign_in_citizen
    from pronoia.people.tests.factories import PersonFactory

    client_sign_in_citizen(client, PersonFactory())
    assert client.get("/services/").status_code == 200
    assert client.get("/services/gr-a1-document/").status_code == 200
