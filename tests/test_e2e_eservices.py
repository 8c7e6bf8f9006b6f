"""The e-services journeys of issue 4 in a real browser (Debian's Chromium, Playwright):

1. a citizen finds the insurance history certificate in the catalogue, applies, gets the sealed
   certificate at once, downloads it and checks it on the public verification page;
2. a citizen requests a correction of a period from their insurance record, a case handler
   decides it in the back office, and the citizen sees the outcome.

Sign-in is not what is tested here (the eID journeys are, in pronoia/accounts): the browser gets the
session cookie of a signed-in citizen or staff member.
"""
from __future__ import annotations

import re

import pytest
from django.test import Client

from pronoia.accounts.tests.factories import client_sign_in_citizen, client_sign_in_staff, staff_user
from pronoia.core.browser_testing import chromium_open, click_and_wait_for_page, session_cookie, tools_or_skip
from pronoia.documents.tests.factories import person_with_history

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.usefixtures("data_access_log_purgeable")]


@pytest.fixture(autouse=True)
def _chromium_required():
    tools_or_skip("the e-services browser journeys")


def test_request_the_certificate_download_it_and_verify_it(live_server, tmp_path):
    person = person_with_history(periods=4, given_name="Ελένη", surname="Νικολάου")
    citizen = Client()
    client_sign_in_citizen(citizen, person, loa="high")
    with chromium_open() as browser:
        certificate_journey(browser, live_server, tmp_path, person, citizen)


def certificate_journey(browser, live_server, tmp_path, person, citizen) -> None:
    context = browser.new_context(accept_downloads=True)
    context.add_cookies([session_cookie(citizen, live_server.url)])
    page = context.new_page()

    assert page.goto(f"{live_server.url}/services/").status == 200
    page.get_by_role("link", name=re.compile("Insurance history certificate")).first.click()
    page.get_by_role("button", name="Apply").click()
    page.wait_for_url("**/services/gr-insurance-history-certificate/apply")
    # Known facts are prefilled and not asked again.
    assert person.national_id in page.content()
    page.get_by_label("Greek").check()
    page.get_by_label("What is the certificate for?").select_option("bank")
    page.get_by_role("button", name="Submit application").click()

    page.wait_for_selector("#protocol-number")
    protocol = page.locator("#protocol-number").inner_text()
    assert re.fullmatch(r"\d{4}/\d{7}", protocol)
    assert page.get_by_role("heading", name="Your document is ready").is_visible()

    certificate_link = page.locator('a[data-document-kind="insurance_history_certificate"]').first
    with page.expect_download() as download_info:
        certificate_link.click()
    downloaded = tmp_path / download_info.value.suggested_filename
    download_info.value.save_as(downloaded)
    assert downloaded.read_bytes().startswith(b"%PDF-")

    # Anyone can check it: a fresh browser without a session opens the verification page.
    role = certificate_link.get_attribute("data-document-role")
    verify_path = page.locator(f'a[data-verify-role="{role}"]').first.get_attribute("href")
    public = browser.new_context().new_page()
    assert public.goto(f"{live_server.url}{verify_path}").status == 200
    public.get_by_label("Check a file").set_input_files(str(downloaded))
    click_and_wait_for_page(public, public.get_by_role("button", name="Check the file"))
    public.wait_for_selector("#verdict")
    assert public.locator(".govuk-panel--confirmation").get_by_text("Authentic").first.is_visible(), public.locator("#verdict").inner_text()

    # The application is listed with its status.
    page.goto(f"{live_server.url}/my/applications")
    assert protocol in page.content()


def test_correction_request_decided_by_a_handler_and_seen_by_the_citizen(live_server):
    person = person_with_history(periods=2, given_name="Νίκος", surname="Γεωργίου")
    citizen = Client()
    client_sign_in_citizen(citizen, person, loa="substantial")
    handler = staff_user("case_handler", username="handler-e2e", unit="insurance-records")
    staff = Client()
    client_sign_in_staff(staff, handler, fresh=True)
    with chromium_open() as browser:
        correction_journey(browser, live_server, citizen, staff)


def correction_journey(browser, live_server, citizen, staff) -> None:
    citizen_page = browser.new_context().new_page()
    citizen_page.context.add_cookies([session_cookie(citizen, live_server.url)])
    assert citizen_page.goto(f"{live_server.url}/my/insurance-record").status == 200
    citizen_page.get_by_role("link", name=re.compile("Request a correction")).first.click()
    citizen_page.locator("#message").fill("I worked the whole year: 12 days of December are missing from this period.")
    click_and_wait_for_page(citizen_page, citizen_page.get_by_role("button", name="Send the request"))
    # The request is tracked as an application of the correction service, with a protocol number.
    protocol = re.search(r"\d{4}/\d{7}", citizen_page.locator("main").inner_text())
    assert protocol, citizen_page.locator("main").inner_text()

    staff_page = browser.new_context().new_page()
    staff_page.context.add_cookies([session_cookie(staff, live_server.url)])
    assert staff_page.goto(f"{live_server.url}/staff/cases/").status == 200
    staff_page.get_by_role("link", name=protocol.group(0)).click()
    staff_page.wait_for_url(re.compile(r".*/staff/cases/\d+$"))
    if staff_page.locator("#take-case").count():
        click_and_wait_for_page(staff_page, staff_page.locator("#take-case"))
    staff_page.locator("#outcome-approve").check()
    staff_page.get_by_label("Reasons (the person reads them)").fill("The employer's payroll confirms 12 more days in December.")
    click_and_wait_for_page(staff_page, staff_page.get_by_role("button", name="Record the decision"))
    # Approved, and the decision document issued at once.
    assert staff_page.locator("#case-status").inner_text() in {"Approved", "Issued"}

    citizen_page.goto(f"{live_server.url}/my/applications")
    click_and_wait_for_page(citizen_page, citizen_page.get_by_role("link", name=protocol.group(0)).first)
    body = citizen_page.content()
    assert "The employer&#x27;s payroll confirms 12 more days in December." in body or "The employer's payroll confirms 12 more days in December." in body
    assert re.search(r"[Aa]pproved", body)
