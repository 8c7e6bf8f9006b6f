"""Accessibility of the notification pages: axe-core in Debian's Chromium finds no serious or
critical violation on the inbox, a message, the choices, the delivery log and the template pages."""
from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from pronoia.accounts.roles import Role
from pronoia.accounts.tests.factories import client_sign_in_citizen, client_sign_in_staff, staff_user
from pronoia.core.browser_testing import chromium_open, click_and_wait_for_page, session_cookie, tools_or_skip
from pronoia.notifications.fanout import event_fanout
from pronoia.notifications.models import InboxEntry, Notification, NotificationTemplate
from pronoia.notifications.template_versions import templates_default_load
from pronoia.notifications.tests.factories import application_event, person_with_contacts

AXE = Path(__file__).resolve().parents[3] / "tests" / "a11y" / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.usefixtures("data_access_log_purgeable")]


def axe_violations(page) -> list[str]:
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['impact']}: {v['id']} ({v['help']}) at {[n['target'] for n in v['nodes']][:3]}" for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_notification_pages_have_no_serious_accessibility_violations(live_server):
    tools_or_skip("the accessibility check", AXE)
    templates_default_load()
    person = person_with_contacts()
    event_fanout(event_id=application_event(person).pk)
    event_fanout(event_id=application_event(person, name="application.decided", outcome="approved", protocol="2026/0000043").pk)
    entry = InboxEntry.objects.filter(person=person).first()
    Notification.objects.filter(channel="email").update(status="permanent-failure")
    failed = Notification.objects.filter(channel="email").first()
    template = NotificationTemplate.objects.get(code="application.submitted", channel="email")
    citizen, staff, content = Client(), Client(), Client()
    client_sign_in_citizen(citizen, person)
    client_sign_in_staff(staff, staff_user(Role.CASE_HANDLER), fresh=True)
    client_sign_in_staff(content, staff_user(Role.CONTENT_MANAGER), fresh=True)
    runs = [
        (citizen, ["/my/inbox", f"/my/inbox/{entry.pk}", "/my/notification-preferences"]),
        (staff, ["/staff/notifications/", "/staff/notifications/?status=permanent-failure", f"/staff/notifications/{failed.pk}"]),
        (content, ["/staff/notifications/templates/", f"/staff/notifications/templates/{template.pk}"]),
    ]
    found: dict[str, list[str]] = {}
    with chromium_open() as browser:
        for client, pages in runs:
            context = browser.new_context(bypass_csp=True)
            context.add_cookies([session_cookie(client, live_server.url)])
            page = context.new_page()
            for path in pages:
                assert page.goto(live_server.url + path).status == 200, path
                found[path] = axe_violations(page)
            if client is staff:
                # The search form and the resend form after errors (error summary, field errors).
                page.goto(live_server.url + "/staff/notifications/?national_id=%3Cx%3E")
                found["log search with errors"] = axe_violations(page)
                page.goto(live_server.url + f"/staff/notifications/{failed.pk}")
                click_and_wait_for_page(page, page.get_by_role("button", name="Send the message again"))
                found["resend with errors"] = axe_violations(page)
    problems = {path: v for path, v in found.items() if v}
    assert not problems, "\n".join(f"{path}: {v}" for path, v in problems.items())
