"""In a real browser (Debian's Chromium): conditional questions of a definition-built form are hidden
until their condition holds when JavaScript runs, and shown with a note when it does not."""
from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client

from pronoia.accounts.tests.factories import client_sign_in_citizen
from pronoia.people.tests.factories import PersonFactory

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"]

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def signed_in_cookie(live_server):
    if not CHROMIUM.exists():
        message = "the browser test needs Debian's chromium at /usr/bin/chromium (`make chromium`)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    client = Client()
    client_sign_in_citizen(client, PersonFactory(surname="Νικολάου", given_name="Ελένη"), loa="high")
    return {"name": django_settings.SESSION_COOKIE_NAME, "value": client.cookies[django_settings.SESSION_COOKIE_NAME].value, "url": live_server.url}


def _visible(page, field_id: str) -> bool:
    return page.locator(f"#conditional-{field_id}").is_visible()


@pytest.mark.parametrize("javascript", [True, False])
def test_conditional_reveal(live_server, signed_in_cookie, javascript):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(java_script_enabled=javascript)
            context.add_cookies([signed_in_cookie])
            page = context.new_page()
            response = page.goto(f"{live_server.url}/services/gr-a1-document/apply", wait_until="load")
            assert response.status == 200, page.content()[:2000]
            assert page.get_by_text("Details from your file").is_visible()
            note = page.get_by_text("Answer this only if you chose “In a country outside the EU, the EEA and Switzerland”").first
            if not javascript:
                # Every question is there, with the note saying when to answer it.
                assert _visible(page, "non_eu_country") and _visible(page, "work_country")
                assert note.is_visible()
                return
            assert not _visible(page, "non_eu_country") and not _visible(page, "work_country")
            assert not note.is_visible()
            outside = page.get_by_label("In a country outside the EU, the EEA and Switzerland")
            outside.check()
            assert _visible(page, "non_eu_country") and _visible(page, "foreign_employer_name")
            assert not _visible(page, "work_country")
            # Radios point at what they reveal; aria-expanded is not allowed on a radio (axe-core).
            assert outside.get_attribute("aria-controls") and outside.get_attribute("aria-expanded") is None
            page.get_by_label("In another EU or EEA country or in Switzerland").check()
            assert _visible(page, "work_country") and not _visible(page, "non_eu_country")
        finally:
            browser.close()
