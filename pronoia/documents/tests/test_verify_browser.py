"""In a real browser (Debian's Chromium): a citizen downloads a sealed certificate from "Your
documents", opens its verification page, uploads the file and reads the verdict."""
from __future__ import annotations

import pytest
from django.test import Client

from pronoia.accounts.tests.factories import client_sign_in_citizen
from pronoia.core.browser_testing import chromium_open, click_and_wait_for_page, session_cookie, tools_or_skip
from pronoia.documents.services import insurance_history_certificate_issue
from pronoia.documents.tests.factories import citizen_actor, person_with_history

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


def test_download_then_verify_in_the_browser(live_server, tmp_path):
    tools_or_skip("the verification browser test")
    person = person_with_history(periods=3, given_name="Ελένη", surname="Νικολάου")
    info = insurance_history_certificate_issue(actor=citizen_actor(person), person_id=person.pk, language="el", protocol="2026/0000077")
    client = Client()
    client_sign_in_citizen(client, person, loa="high")
    cookie = session_cookie(client, live_server.url)

    with chromium_open() as browser:
        context = browser.new_context(accept_downloads=True)
        context.add_cookies([cookie])
        page = context.new_page()
        assert page.goto(f"{live_server.url}/my/documents").status == 200
        with page.expect_download() as download_info:
            page.get_by_role("link", name="Download PDF").first.click()
        downloaded = tmp_path / download_info.value.suggested_filename
        download_info.value.save_as(downloaded)
        assert downloaded.name == info.filename and downloaded.read_bytes().startswith(b"%PDF-")

        page.get_by_role("link", name="Verification page").first.click()
        page.wait_for_url(f"**{info.verify_url}")
        assert page.locator("#metadata").get_by_text(info.sha256).is_visible()
        assert page.get_by_text("Ε.Ν.").is_visible()
        page.get_by_label("Check a file").set_input_files(str(downloaded))
        click_and_wait_for_page(page, page.get_by_role("button", name="Check the file"))
        page.wait_for_selector("#verdict")
        assert page.locator(".govuk-panel--confirmation").get_by_text("Authentic").first.is_visible()

        # The same page with a file changed by one byte.
        tampered = tmp_path / "tampered.pdf"
        data = bytearray(downloaded.read_bytes())
        position = bytes(data).index(b"stream", bytes(data).index(b"/Contents")) + 40
        data[position] ^= 0x01
        tampered.write_bytes(bytes(data))
        page.get_by_label("Check a file").set_input_files(str(tampered))
        click_and_wait_for_page(page, page.get_by_role("button", name="Check the file"))
        page.wait_for_selector("#verdict")
        assert page.get_by_text("Not authentic", exact=True).is_visible()
