"""Session limits: idle timeout (staff 15 minutes, citizens 30) and ten hours for any staff session."""
from __future__ import annotations

import time

import pytest
from django.urls import reverse

from pronoia.accounts.staff.middleware import SESSION_SEEN_KEY, SESSION_STARTED_KEY
from pronoia.accounts.tests.factories import client_sign_in_citizen, client_sign_in_staff, staff_user
from pronoia.people.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


def shift(client, *, idle_minutes: float, age_minutes: float | None = None) -> None:
    """Pretend the last request was `idle_minutes` ago and the session started `age_minutes` ago."""
    session = client.session
    now = time.time()
    session[SESSION_SEEN_KEY] = now - idle_minutes * 60
    session[SESSION_STARTED_KEY] = now - (age_minutes if age_minutes is not None else idle_minutes) * 60
    session.save()


@pytest.fixture
def staff_client(client):
    client_sign_in_staff(client, staff_user("case_handler"))
    assert client.get(reverse("staff:home")).status_code == 200  # starts the session clock
    return client


def test_staff_session_survives_fourteen_idle_minutes(staff_client):
    shift(staff_client, idle_minutes=14)
    assert staff_client.get(reverse("staff:home")).status_code == 200
    # ...and that request counts as activity.
    assert time.time() - staff_client.session[SESSION_SEEN_KEY] < 5


def test_staff_session_ends_after_fifteen_idle_minutes_with_a_message(staff_client):
    shift(staff_client, idle_minutes=15.5)
    response = staff_client.get(reverse("staff:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("staff:login") + "?next=%2Fstaff%2F"
    page = staff_client.get(response["Location"])
    assert any("did nothing for 15 minutes" in m for m in _messages(page))
    # Really signed out: nothing of the old session is left.
    again = staff_client.get(reverse("staff:home"))
    assert again.status_code == 302 and again["Location"].startswith(reverse("staff:login"))
    assert "_auth_user_id" not in staff_client.session


def test_the_admin_times_out_too(staff_client):
    shift(staff_client, idle_minutes=16)
    response = staff_client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("staff:login"))


def test_a_post_after_the_timeout_changes_nothing_and_asks_to_sign_in(staff_client):
    shift(staff_client, idle_minutes=16)
    response = staff_client.post(reverse("staff:security"))
    assert response.status_code == 302 and response["Location"] == reverse("staff:login")


def test_staff_session_ends_after_ten_hours_however_active(staff_client):
    shift(staff_client, idle_minutes=1, age_minutes=9 * 60 + 59)
    assert staff_client.get(reverse("staff:home")).status_code == 200
    shift(staff_client, idle_minutes=1, age_minutes=10 * 60 + 1)
    response = staff_client.get(reverse("staff:home"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("staff:login"))
    assert any("at most 10 hours" in m for m in _messages(staff_client.get(response["Location"])))


def test_citizens_get_thirty_idle_minutes_and_land_on_the_citizen_sign_in(client):
    client_sign_in_citizen(client, PersonFactory())
    client.get("/")
    shift(client, idle_minutes=29)
    client.get("/")
    assert "_auth_user_id" in client.session
    shift(client, idle_minutes=31)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:sign_in"))
    assert "_auth_user_id" not in client.session


def test_citizen_sessions_have_no_ten_hour_limit(client):
    client_sign_in_citizen(client, PersonFactory())
    client.get("/")
    shift(client, idle_minutes=1, age_minutes=11 * 60)
    client.get("/")
    assert "_auth_user_id" in client.session


def test_an_api_call_after_the_timeout_is_anonymous(staff_client):
    shift(staff_client, idle_minutes=16)
    response = staff_client.get("/api/v1/me/data-access")
    assert response.status_code in (401, 404)
    assert "_auth_user_id" not in staff_client.session


def test_idle_limits_come_from_settings(staff_client, settings):
    settings.PRONOIA_STAFF_IDLE_TIMEOUT = 120
    shift(staff_client, idle_minutes=3)
    assert staff_client.get(reverse("staff:home")).status_code == 302
