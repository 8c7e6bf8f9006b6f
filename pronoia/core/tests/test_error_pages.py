import pytest
from django.test import RequestFactory
from django.utils import translation
from django.views.defaults import server_error


@pytest.mark.django_db
def test_not_found_page_is_in_the_users_language(client):
    response = client.get("/no-such-page", HTTP_ACCEPT_LANGUAGE="el")
    assert response.status_code == 404
    assert "Η σελίδα δεν βρέθηκε" in response.content.decode()


def test_server_error_page_renders_without_a_request_context():
    with translation.override("bg"):
        response = server_error(RequestFactory().get("/"))
    assert response.status_code == 500
    assert "Съжаляваме, възникна проблем с услугата" in response.content.decode()


@pytest.mark.django_db
def test_api_not_found_error_is_translated(client):
    from pronoia.accounts.roles import Role
    from pronoia.accounts.tests.factories import client_sign_in_staff, staff_user

    client_sign_in_staff(client, staff_user(Role.CASE_HANDLER))
    response = client.get("/api/v1/persons/00000000000/insurance-record", {"purpose": "test"}, HTTP_ACCEPT_LANGUAGE="pl")
    assert response.status_code == 404
    assert response.json() == {"code": "person_not_found", "message": "Brak osoby o tym numerze identyfikacyjnym.", "field": "national_id"}
