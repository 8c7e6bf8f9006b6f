"""End to end in a real browser: headless Chromium signs in through the demo eID provider's page
as a synthetic person and lands on their insurance record (live server + demo-mode provider).
"""
from __future__ import annotations

import pytest

from pronoia.accounts.eid.oidc import metadata_cache_clear
from pronoia.accounts.tests.conftest import demo_provider_start, node_ready_or_skip
from pronoia.core.browser_testing import chromium_launch, tools_or_skip
from pronoia.people.tests.factories import PersonFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def demo_provider(settings, live_server, tmp_path):
    """The demo-mode provider configured by `demo_eid_accounts` for the live server's port."""
    tools_or_skip("the eID browser test")
    node_ready_or_skip()
    settings.PRONOIA_EID_PROVIDERS = [{**settings.PRONOIA_EID_DEMO_PROVIDER, "private_key_file": str(tmp_path / "rp-key.json")}]
    settings.PRONOIA_RATE_LIMITS_ENABLED = False

    def start():
        return demo_provider_start(settings, tmp_path, portal_port=int(live_server.url.rsplit(":", 1)[1]))

    processes = []
    yield lambda: processes.append(start()) or processes[-1]
    for process in processes:
        process.terminate()
        process.wait(timeout=10)
    metadata_cache_clear()


def test_sign_in_through_the_demo_eid_and_see_the_record(demo_provider, live_server, tmp_path):
    from playwright.sync_api import sync_playwright

    person = PersonFactory(surname="Νικολάου", given_name="Ελένη", surname_latin="Nikolaou", given_name_latin="Eleni")
    PersonFactory(surname="Γεωργίου", given_name="Νίκος")
    demo_provider()
    # The Django ORM stays out of the way while Playwright's event loop runs.
    base = live_server.url
    screenshots = tmp_path / "screenshots"
    screenshots.mkdir()
    with sync_playwright() as playwright:
        browser = chromium_launch(playwright)
        try:
            page = browser.new_page()
            page.goto(f"{base}/", wait_until="domcontentloaded")
            page.get_by_role("button", name="Sign in to see your record").click()
            page.wait_for_url(lambda url: "/sign-in?next=" in url, wait_until="domcontentloaded")
            assert page.get_by_label("Demo eID (synthetic persons)").is_checked()
            page.get_by_role("button", name="Continue").click()

            page.wait_for_url(lambda url: "/interaction/" in url, wait_until="domcontentloaded")
            assert page.get_by_role("heading", name="Sign in with the demo eID").is_visible()
            page.get_by_label("Search by name or national identifier").fill("nikolaou")
            page.get_by_role("button", name="Search").click()
            page.get_by_label("High (eIDAS level of assurance)").check()
            page.screenshot(path=str(screenshots / "demo-eid.png"), full_page=True)
            page.get_by_role("button", name="Sign in as Νικολάου Ελένη").click()

            page.wait_for_url(f"{base}/my/insurance-record", wait_until="domcontentloaded")
            body = page.locator("main").inner_text()
            final_url = page.url
        finally:
            browser.close()
    assert final_url == f"{base}/my/insurance-record"
    assert "Ελένη" in body and "Νικολάου" in body, body[:500]
    from pronoia.accounts.models import EidIdentity

    identity = EidIdentity.objects.get(provider="demo")
    assert identity.person == person and identity.last_loa == "high"
