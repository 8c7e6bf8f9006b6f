"""Accessibility: axe-core (run in Debian's Chromium) finds no serious or critical violation on the
home, record, e-service, document and pension pages, as a citizen and as a case handler sees them."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from pronoia.accounts.tests.factories import client_sign_in_citizen, client_sign_in_staff, staff_user
from pronoia.documents.tests.factories import person_with_history
from pronoia.services.services import application_submit
from pronoia.services.tests.application_factories import A1, a1_answers, citizen_actor

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]
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


def tools_or_skip() -> None:
    missing = [str(path) for path in (CHROMIUM, AXE) if not path.exists()]
    if missing:
        message = f"the accessibility check needs {', '.join(missing)} (`make test` installs them)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)


def test_pages_have_no_serious_accessibility_violations(live_server):
    tools_or_skip()
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
    from playwright.sync_api import sync_playwright

    found: dict[str, list[str]] = {}
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            for client, pages in ((citizen, citizen_pages), (staff, staff_pages)):
                context = browser.new_context(bypass_csp=True)
                context.add_cookies([{"name": django_settings.SESSION_COOKIE_NAME, "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value, "url": live_server.url}])
                page = context.new_page()
                for path in pages:
                    assert page.goto(live_server.url + path).status == 200, path
                    found[path] = axe_violations(page)
                # The apply form after a submission with errors (error summary, field errors).
                if client is citizen:
                    page.goto(live_server.url + "/services/gr-a1-document/apply")
                    page.get_by_role("button", name="Submit application").click()
                    page.wait_for_load_state("domcontentloaded")
                    found["apply with errors"] = axe_violations(page)
        finally:
            browser.close()
    problems = {path: v for path, v in found.items() if v}
    assert not problems, "\n".join(f"{path}: {v}" for path, v in problems.items())
