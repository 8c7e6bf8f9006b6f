"""In a real browser (Debian's Chromium, JavaScript on): a visitor asks through the widget on the home
page, the assistant does not know twice and hands over, the transcript is shown to the person and
to the operator who opens it. The test server speaks HTTP only, so the page's module finds no
WebSocket and the forms post as without JavaScript (the fallback under test)."""
from __future__ import annotations

from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client

from pronoia.accounts.roles import Role
from pronoia.accounts.tests.factories import client_sign_in_staff, staff_user
from pronoia.contact.models import Conversation
from pronoia.contact.tests.factories import chat_kb  # noqa: F401  (fixture)
from pronoia.core.browser_testing import chromium_open, session_cookie, tools_or_skip

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.usefixtures("chat_kb")]


def test_asking_through_the_widget_hands_over_with_the_transcript(live_server):
    tools_or_skip("the chat browser test")
    staff = Client()
    client_sign_in_staff(staff, staff_user(Role.OPERATOR_L1))
    operator_cookie = session_cookie(staff, live_server.url)
    violations: list[str] = []
    with chromium_open() as browser:
        context = browser.new_context()
        page = context.new_page()
        page.on("console", lambda message: violations.append(message.text) if "Content Security Policy" in message.text else None)
        page.on("pageerror", lambda error: violations.append(str(error)))
        module = []
        page.on("response", lambda response: module.append(response.status) if response.url.endswith("/contact/chat.mjs") else None)
        page.goto(f"{live_server.url}/", wait_until="load")
        widget = page.locator("[data-chat-widget]")
        # A first message over the limit is stopped on the page with the text kept (a plain post
        # would come back refused and empty).
        too_long = "x" * 2001
        widget.get_by_label("Your question").fill(too_long)
        widget.get_by_role("button", name="Send").click()
        page.wait_for_selector("text=Your message is too long for the chat.")
        assert page.url == f"{live_server.url}/" and widget.get_by_label("Your question").input_value() == too_long
        widget.get_by_label("Your question").fill("My cat is sick <b>today</b>")
        widget.get_by_role("button", name="Send").click()
        page.wait_for_url("**/chat/*")
        assert page.get_by_text("I do not know the answer to that").is_visible()
        page.get_by_label("Your question").fill("The moon is made of cheese")
        page.get_by_role("button", name="Send", exact=True).click()
        page.wait_for_selector("text=Your conversation is waiting for the next free operator")
        log = page.locator("#chat-log").inner_text()
        assert "My cat is sick <b>today</b>" in log and "The moon is made of cheese" in log
        assert "I am passing this conversation to an operator" in log
        assert page.locator("#chat-log b").count() == 0  # the person's markup is text, not markup
        assert not page.get_by_role("button", name="Talk to a person").count()

        # No ORM call while Playwright's loop runs (browser_testing): the database is checked after.
        staff_context = browser.new_context()
        staff_context.add_cookies([operator_cookie])
        staff_page = staff_context.new_page()
        staff_page.goto(f"{live_server.url}/contact/chat/", wait_until="load")
        staff_page.locator("#chat-queue a").first.click()
        history = staff_page.locator("#chat-history").inner_text()
        assert "My cat is sick <b>today</b>" in history and "The moon is made of cheese" in history
        assert "The assistant could not answer twice" in staff_page.locator("#handover-card").inner_text()
    assert not violations, violations
    assert module and set(module) <= {200, 304}  # the chat module loaded (and ran without errors)
    conversation = Conversation.objects.get()
    assert (conversation.state, conversation.queue, conversation.handover_reason) == ("open", "line1", "two_misses")
    assert list(conversation.messages.filter(sender="person").values_list("text", flat=True)) == ["My cat is sick <b>today</b>", "The moon is made of cheese"]


AXE = Path(settings.BASE_DIR) / "tests" / "a11y" / "node_modules" / "axe-core" / "axe.min.js"


def axe_violations(page) -> list[str]:
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [f"{v['impact']}: {v['id']} at {[n['target'] for n in v['nodes']][:3]}" for v in result["violations"] if v["impact"] in ("serious", "critical")]


def test_chat_pages_have_no_serious_accessibility_violations(live_server):
    tools_or_skip("the chat accessibility check", AXE)
    person = Client()
    url = person.post("/chat/", {"text": "certificate"})["Location"].split("#")[0]  # suggestions as buttons
    answered = Client()
    answered_url = answered.post("/chat/", {"text": "What is the retirement age?"})["Location"].split("#")[0]  # rating form
    error = Client()
    handed = Client()
    handed.post("/chat/", {"text": "I want to talk to a person"})
    conversation = Conversation.objects.get(state="open")
    staff = Client()
    client_sign_in_staff(staff, staff_user(Role.OPERATOR_L2))
    visits = [(person, url), (person, "/"), (answered, answered_url), (error, "/chat/"), (staff, "/contact/chat/"), (staff, f"/contact/chat/{conversation.pk}")]
    cookies = [session_cookie(client, live_server.url) if client.cookies.get(settings.SESSION_COOKIE_NAME) else None for client, _ in visits]
    found = {}
    with chromium_open() as browser:
        for (client, path), cookie in zip(visits, cookies):
            context = browser.new_context(bypass_csp=True)
            if cookie:
                context.add_cookies([cookie])
            page = context.new_page()
            assert page.goto(live_server.url + path).status == 200, path
            if client is error:  # the page after a refused (empty) message: error summary and field error
                page.get_by_role("button", name="Send", exact=True).click()
                page.wait_for_selector(".govuk-error-summary")
            found[path] = axe_violations(page)
            context.close()
    assert not any(found.values()), found
