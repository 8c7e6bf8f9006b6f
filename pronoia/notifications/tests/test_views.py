"""Pages: the inbox and choices (the person's own only), the staff delivery log, resend, templates."""
from __future__ import annotations

import pytest
from django.utils import timezone

from pronoia.accounts.roles import Role
from pronoia.accounts.tests.factories import client_sign_in_citizen, client_sign_in_staff, staff_user
from pronoia.audit.models import AuditEvent, DataAccessEntry
from pronoia.notifications.fanout import event_fanout
from pronoia.notifications.models import InboxEntry, Notification, Preference
from pronoia.notifications.template_versions import template_version_save
from pronoia.notifications.tests.factories import application_event, notification_for, person_with_contacts
from pronoia.notifications.models import LANGUAGES, NotificationTemplate

pytestmark = pytest.mark.django_db


def inbox_for(person, n: int = 1) -> list[InboxEntry]:
    for i in range(n):
        event_fanout(event_id=application_event(person, protocol=f"2026/{i + 1:07d}").pk)
    return list(InboxEntry.objects.filter(person=person).order_by("pk"))


def test_the_inbox_lists_the_persons_own_messages_with_the_unread_count(client, templates):
    me, other = person_with_contacts(), person_with_contacts()
    inbox_for(me, 2)
    (theirs,) = inbox_for(other)
    client_sign_in_citizen(client, me)
    html = client.get("/my/inbox").content.decode()
    assert "You have 2 unread messages." in html and "2026/0000002" in html
    assert f"/my/inbox/{theirs.pk}" not in html
    # The navigation shows the count on every page.
    assert 'href="/my/inbox"' in client.get("/my/applications").content.decode()


def test_opening_a_message_marks_it_read_and_links_to_the_application(client, templates):
    me = person_with_contacts()
    (entry,) = inbox_for(me)
    client_sign_in_citizen(client, me)
    response = client.get(f"/my/inbox/{entry.pk}")
    assert response.status_code == 200
    html = response.content.decode()
    assert entry.title in html and "/my/applications/42" in html
    entry.refresh_from_db()
    first_read = entry.read_at
    assert first_read is not None
    client.get(f"/my/inbox/{entry.pk}")
    entry.refresh_from_db()
    assert entry.read_at == first_read  # read once
    assert "You have 0 unread messages." in client.get("/my/inbox").content.decode()


def test_someone_elses_message_is_not_found_and_stays_unread(client, templates):
    me, other = person_with_contacts(), person_with_contacts()
    (theirs,) = inbox_for(other)
    client_sign_in_citizen(client, me)
    assert client.get(f"/my/inbox/{theirs.pk}").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None


def test_anonymous_and_staff_cannot_open_the_inbox(client):
    assert client.get("/my/inbox").status_code == 302
    client_sign_in_staff(client, staff_user(Role.CASE_HANDLER))
    assert client.get("/my/inbox").status_code == 403


def test_message_text_is_escaped(client, templates):
    me = person_with_contacts()
    (entry,) = inbox_for(me)
    InboxEntry.objects.filter(pk=entry.pk).update(body="<script>alert(1)</script>", title="<b>t</b>")
    client_sign_in_citizen(client, me)
    html = client.get(f"/my/inbox/{entry.pk}").content.decode()
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<b>t</b>" not in client.get("/my/inbox").content.decode()


def test_the_inbox_reads_with_constant_queries(client, templates, django_assert_max_num_queries):
    me = person_with_contacts()
    inbox_for(me, 2)
    client_sign_in_citizen(client, me)
    client.get("/my/inbox")
    with django_assert_max_num_queries(20) as few:
        client.get("/my/inbox")
    inbox_for(me, 12)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get("/my/inbox").status_code == 200


def test_preferences_are_saved_and_the_critical_rule_is_stated(client):
    me = person_with_contacts()
    client_sign_in_citizen(client, me)
    html = client.get("/my/notification-preferences").content.decode()
    assert "always reach your inbox" in html and 'name="applications"' in html
    assert 'href="/notifications/push/"' in html  # where browser notifications are turned on
    assert me.email and me.email in html and me.phone in html  # where e-mail and text messages go
    response = client.post("/my/notification-preferences", {"applications": ["sms", "email"], "documents": []})
    assert response.status_code == 302
    saved = dict(Preference.objects.filter(person=me).values_list("category", "channels"))
    assert saved["applications"] == ["email", "sms"] and saved["documents"] == []


@pytest.mark.parametrize("value", ["fax", "<script>", "email\x00", "x" * 5000])
def test_hostile_preference_input_is_refused_and_nothing_changes(client, value):
    me = person_with_contacts()
    Preference.objects.create(person=me, category="applications", channels=["email"])
    client_sign_in_citizen(client, me)
    response = client.post("/my/notification-preferences", {"applications": ["sms", value]})
    assert response.status_code == 400
    html = response.content.decode()
    assert "There is a problem" in html and "Choose only the channels listed." in html
    assert Preference.objects.get(person=me, category="applications").channels == ["email"]


def log_client(client, role=Role.CASE_HANDLER):
    user = staff_user(role)
    client_sign_in_staff(client, user)
    return user


def failed_notification(person):
    n = notification_for(person, status="permanent-failure", protocol="2026/0000042")
    return n


def test_the_log_searches_by_protocol_status_and_channel(client):
    person = person_with_contacts()
    failed = failed_notification(person)
    notification_for(person, channel="sms", status="delivered", protocol="2026/0000007")
    log_client(client)
    html = client.get("/staff/notifications/", {"protocol": "2026/0000042"}).content.decode()
    assert f"/staff/notifications/{failed.pk}" in html and "1 message" in html
    html = client.get("/staff/notifications/", {"status": "delivered", "channel": "sms"}).content.decode()
    assert f"/staff/notifications/{failed.pk}\"" not in html and "2026/0000007" in html
    # Addresses are shortened.
    assert person.email not in client.get("/staff/notifications/").content.decode()


def test_a_search_by_national_id_needs_a_purpose_and_is_in_the_access_log(client):
    person = person_with_contacts()
    failed_notification(person)
    log_client(client)
    response = client.get("/staff/notifications/", {"national_id": person.national_id})
    assert response.status_code == 400 and "State the purpose" in response.content.decode()
    assert not DataAccessEntry.objects.filter(person_id=person.pk).exists()
    response = client.get("/staff/notifications/", {"national_id": person.national_id, "purpose": "Phone call: did the letter arrive"})
    assert response.status_code == 200 and "1 message" in response.content.decode()
    assert DataAccessEntry.objects.filter(person_id=person.pk, purpose="Phone call: did the letter arrive").exists()


@pytest.mark.parametrize("params", [{"national_id": "<script>"}, {"protocol": "2026/1'; DROP"}, {"status": "gone"}, {"national_id": "1" * 40}, {"purpose": "a\x00b"}])
def test_hostile_log_searches_are_refused_clearly(client, params):
    log_client(client)
    response = client.get("/staff/notifications/", params)
    assert response.status_code == 400
    assert "There is a problem" in response.content.decode() and "<script>" not in response.content.decode()


def test_the_log_reads_with_constant_queries(client, django_assert_max_num_queries):
    person = person_with_contacts()
    for _ in range(2):
        failed_notification(person)
    log_client(client)
    client.get("/staff/notifications/", {"status": "permanent-failure"})
    with django_assert_max_num_queries(30) as few:
        client.get("/staff/notifications/", {"status": "permanent-failure"})
    for _ in range(15):
        failed_notification(person_with_contacts())
    with django_assert_max_num_queries(len(few.captured_queries)):
        html = client.get("/staff/notifications/", {"status": "permanent-failure"}).content.decode()
    assert "17 messages" in html


def test_resend_makes_a_new_attempt_and_is_audited(client, django_capture_on_commit_callbacks):
    person = person_with_contacts()
    failed = failed_notification(person)
    user = log_client(client)
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(f"/staff/notifications/{failed.pk}/resend", {"reason": "The person corrected the address"})
    copy = Notification.objects.get(resend_of=failed)
    assert response.status_code == 302 and response["Location"] == f"/staff/notifications/{copy.pk}"
    assert copy.resend_no == 1 and copy.status == "created" and copy.reference != failed.reference
    failed.refresh_from_db()
    assert failed.status == "permanent-failure"  # the original's final status stands
    audit = AuditEvent.objects.get(action="notification_resent")
    assert audit.actor_id == user.pk and audit.reason == "The person corrected the address" and audit.data["new_notification_id"] == copy.pk


def test_resend_needs_a_reason_and_a_failed_message(client):
    person = person_with_contacts()
    failed = failed_notification(person)
    delivered = notification_for(person, channel="sms", status="delivered")
    log_client(client)
    response = client.post(f"/staff/notifications/{failed.pk}/resend", {"reason": ""})
    assert response.status_code == 400 and "Enter the reason" in response.content.decode()
    response = client.post(f"/staff/notifications/{delivered.pk}/resend", {"reason": "again"})
    assert response.status_code == 409 and "finally failed" in response.content.decode()
    assert client.post("/staff/notifications/999999/resend", {"reason": "x"}).status_code == 404
    assert not Notification.objects.filter(resend_of__isnull=False).exists()


def test_a_citizen_cannot_open_the_log(client):
    client_sign_in_citizen(client, person_with_contacts())
    assert client.get("/staff/notifications/").status_code == 403


def test_template_preview_uses_sample_values_and_escapes_the_text(client, templates):
    template_version_save(
        code="test.hostile", channel="email", category="applications", placeholders=["protocol_number"],
        texts={lang: {"subject": "<img src=x onerror=alert(1)>", "body": "<script>alert(1)</script> {protocol_number}"} for lang in LANGUAGES},
    )
    client_sign_in_staff(client, staff_user(Role.CONTENT_MANAGER))
    html = client.get("/staff/notifications/templates/").content.decode()
    assert "application.submitted" in html and "test.hostile" in html
    template = NotificationTemplate.objects.get(code="test.hostile")
    html = client.get(f"/staff/notifications/templates/{template.pk}", {"language": "el"}).content.decode()
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 2026/0000042" in html and "<script>alert(1)</script>" not in html
    assert "<img src=x" not in html
    assert client.get("/staff/notifications/templates/999999").status_code == 404


def test_templates_are_for_content_managers_and_administrators(client):
    client_sign_in_staff(client, staff_user(Role.CASE_HANDLER))
    assert client.get("/staff/notifications/templates/").status_code == 403




def test_the_navigation_count_follows_the_inbox(client, templates, django_capture_on_commit_callbacks):
    me = person_with_contacts()
    entries = inbox_for(me, 2)
    client_sign_in_citizen(client, me)

    def nav_count() -> str:
        html = client.get("/my/applications").content.decode()
        start = html.index('href="/my/inbox"')
        return html[start : start + 300]

    assert "2<span" in nav_count()
    client.get(f"/my/inbox/{entries[0].pk}")  # read one: the count drops at once
    assert "1<span" in nav_count()
    with django_capture_on_commit_callbacks(execute=True):
        inbox_for(me, 3)  # three new deliveries (committed) drop the cached count too
    assert "4<span" in nav_count()


@pytest.mark.parametrize(("country", "shown"), [("gr", "03/12/2026 19:51"), ("pl", "03/12/2026 18:51"), ("bg", "03/12/2026 19:51")])
def test_times_are_shown_in_the_institutions_time_zone(client, templates, settings, country, shown):
    import datetime as dt

    settings.PRONOIA_COUNTRY = country
    me = person_with_contacts()
    (entry,) = inbox_for(me)
    InboxEntry.objects.filter(pk=entry.pk).update(created_at=dt.datetime(2026, 12, 3, 17, 51, tzinfo=dt.UTC))
    client_sign_in_citizen(client, me)
    assert shown in client.get("/my/inbox").content.decode()
    assert "3 December 2026, " + shown[-5:] in client.get(f"/my/inbox/{entry.pk}").content.decode()
    # Outside a request (tasks, commands) nothing stays switched on: the stored times are UTC.
    assert timezone.get_current_timezone_name() == "UTC"
