"""In a real browser (Debian's Chromium): conditional questions of a definition-built form are hidden
until their condition holds when JavaScript runs, and shown with a note when it does not."""
from __future__ import annotations

import pytest
from django.test import Client

from pronoia.accounts.tests.factories import client_sign_in_citizen
from pronoia.core.browser_testing import chromium_open, session_cookie, tools_or_skip
from pronoia.people.tests.factories import PersonFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def signed_in_cookie(live_server):
    tools_or_skip("the conditional-questions browser test")
    client = Client()
    client_sign_in_citizen(client, PersonFactory(surname="Νικολάου", given_name="Ελένη"), loa="high")
    return session_cookie(client, live_server.url)


def _visible(page, field_id: str) -> bool:
    return page.locator(f"#conditional-{field_id}").is_visible()


@pytest.mark.parametrize("javascript", [True, False])
def test_conditional_reveal(live_server, signed_in_cookie, javascript):
    with chromium_open() as browser:
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
