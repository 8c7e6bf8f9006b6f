"""Accessibility: axe-core (run in Debian's Chromium) finds no serious or critical violation on the
home, record, e-service, document and pension pages, as a citizen and as a case handler sees them."""
from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from pronoia.accounts.tests.factories import client_sign_in_citizen, client_sign_in_staff, staff_user
from pronoia.core.browser_testing import chromium_open, click_and_wait_for_page, session_cookie, tools_or_skip
from pronoia.documents.tests.factories import person_with_history
from pronoia.services.services import application_submit
from pronoia.services.tests.application_factories import A1, a1_answers, citizen_actor

# Installed by bin/run-tests (npm ci in tests/a11y), pinned by its package-lock.json.
AXE = Path(__file__).resolve().parent / "a11y" / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.usefixtures("data_access_log_purgeable")]


def axe_violations(page) -> list[str]:
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['impact']}: {v['id']} ({v['help']}) at {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def test_pages_have_no_serious_accessibility_violations(live_server):
    tools_or_skip("the accessibility check", AXE)
    person = person_with_history(periods=3, given_name="Ελένη", surname="Νικολάου")
    citizen, staff = Client(), Client()
    user = client_sign_in_citizen(citizen, person, loa="high")
    actor = citizen_actor(person, user_id=user.pk)
    application = application_submit(actor=actor, service_code=A1, data=a1_answers(person), language="en")
    client_sign_in_staff(staff, staff_user("case_handler", username="a11y-handler", unit="international-relations"), fresh=True)
    from pronoia.documents.selectors import documents_for_person

    code = documents_for_person(actor=actor, person_id=person.pk)[0].verification_code
    citizen_pages = [
        "/services/", "/services/gr-insurance-history-certificate/", "/services/gr-a1-document/apply",
        "/my/applications", f"/my/applications/{application.pk}", "/my/documents", "/verify/", f"/verify/{code}",
        "/my/pension-forecast", "/", "/my/insurance-record", "/my/data-access", "/my/mandates",
    ]
    staff_pages = ["/staff/cases/", f"/staff/cases/{application.pk}"]
    found: dict[str, list[str]] = {}
    with chromium_open() as browser:
        for client, pages in ((citizen, citizen_pages), (staff, staff_pages)):
            context = browser.new_context(bypass_csp=True)
            context.add_cookies([session_cookie(client, live_server.url)])
            page = context.new_page()
            for path in pages:
                assert page.goto(live_server.url + path).status == 200, path
                found[path] = axe_violations(page)
            # The apply form after a submission with errors (error summary, field errors).
            if client is citizen:
                page.goto(live_server.url + "/services/gr-a1-document/apply")
                click_and_wait_for_page(page, page.get_by_role("button", name="Submit application"))
                found["apply with errors"] = axe_violations(page)
    problems = {path: v for path, v in found.items() if v}
    assert not problems, "\n".join(f"{path}: {v}" for path, v in problems.items())
