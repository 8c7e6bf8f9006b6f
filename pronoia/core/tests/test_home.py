import pytest

from pronoia.accounts.tests.factories import client_sign_in_citizen
from pronoia.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def test_home_page_links_to_sign_in_and_record(client):
    response = client.get("/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'href="/sign-in?next=/my/insurance-record"' in html and "/my/insurance-record" in html
    assert "/demo/sign-in" not in html
    assert "pronoia/pronoia.css" in html and "pronoia/pronoia.mjs" in html
    assert 'class="govuk-skip-link"' in html
    for code in ("el", "pl", "bg", "ru"):
        assert f'name="language" value="{code}"' in html
    assert "crown" not in html.lower()


def test_home_page_names_the_signed_in_person(client):
    person = PersonFactory(given_name="Ελένη", surname="Νικολάου")
    client_sign_in_citizen(client, person)
    html = client.get("/").content.decode()
    assert "You are signed in as Ελένη Νικολάου." in html
    assert 'href="/sign-in?next=' not in html


def test_the_demo_person_picker_is_gone(client):
    assert client.get("/demo/sign-in").status_code == 404


def test_health(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}
