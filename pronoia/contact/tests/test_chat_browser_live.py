"""The chat's WebSocket path in a real browser: config.asgi served by uvicorn (in a thread, on a free
loopback port) to Debian's Chromium. The operator's reply reaches the person's open page without a
reload, and the widget on another page sends over the socket and shows the answer in place."""
from __future__ import annotations

import socket
import threading
import time

import pytest
from django.test import Client

from pronoia.accounts.roles import Role
from pronoia.accounts.tests.factories import client_sign_in_staff, staff_user
from pronoia.contact.models import ConversationMessage
from pronoia.contact.tests.factories import chat_kb  # noqa: F401  (fixture)
from pronoia.core.browser_testing import chromium_open, session_cookie, tools_or_skip

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow, pytest.mark.usefixtures("chat_kb")]


@pytest.fixture
def asgi_server(settings):
    """The portal's ASGI application (HTTP and WebSocket) with static files, on 127.0.0.1:<free port>."""
    import uvicorn
    from channels.layers import channel_layers
    from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler

    from config.asgi import application

    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    channel_layers.backends.clear()
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(ASGIStaticFilesHandler(application), log_level="warning", lifespan="off", ws="websockets-sansio"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [listener]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.started, "uvicorn did not start"
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(10)
    listener.close()


def test_operator_reply_arrives_live_and_the_widget_talks_over_the_socket(asgi_server):
    tools_or_skip("the chat WebSocket browser test")
    staff = Client()
    client_sign_in_staff(staff, staff_user(Role.OPERATOR_L1))
    operator_cookie = session_cookie(staff, asgi_server)
    errors: list[str] = []
    with chromium_open() as browser:
        person = browser.new_context().new_page()
        person.on("pageerror", lambda error: errors.append(str(error)))
        person.goto(f"{asgi_server}/", wait_until="load")
        widget = person.locator("[data-chat-widget]")
        widget.get_by_label("Your question").fill("I want to talk to a person")
        with person.expect_websocket() as opened:
            widget.get_by_role("button", name="Send").click()
            person.wait_for_url("**/chat/*")
        socket_ = opened.value
        person.wait_for_selector("text=Your conversation is waiting for the next free operator")
        chat_url = person.url
        person.evaluate("window.pronoiaTestMarker = 'no reload'")

        operator = browser.new_context()
        operator.add_cookies([operator_cookie])
        staff_page = operator.new_page()
        staff_page.goto(f"{asgi_server}/contact/chat/", wait_until="load")
        staff_page.locator("#chat-queue a").first.click()
        staff_page.get_by_role("button", name="Take this conversation").click()
        staff_page.get_by_label("Your reply").fill("Hello, this is Maria <i>from the contact centre</i>.")
        staff_page.get_by_role("button", name="Send reply").click()
        staff_page.wait_for_selector("text=Hello, this is Maria")

        # The person's page shows both without reloading (the marker survives).
        person.wait_for_selector("#chat-log >> text=An operator has joined the conversation.", timeout=10_000)
        person.wait_for_selector("#chat-log >> text=Hello, this is Maria <i>from the contact centre</i>.", timeout=10_000)
        assert person.evaluate("window.pronoiaTestMarker") == "no reload" and person.url == chat_url
        assert person.locator("#chat-log i").count() == 0 and not socket_.is_closed()

        # The widget on another page uses the same conversation's socket: the message is shown in place.
        with person.expect_websocket():
            person.goto(f"{asgi_server}/services/", wait_until="load")
        person.evaluate("window.pronoiaTestMarker = 'still here'")
        widget = person.locator("[data-chat-widget]")
        person.wait_for_selector("[data-chat-open]:not(.govuk-\\!-display-none)")
        widget.get_by_label("Your question").fill("Thank you, one more question")
        widget.get_by_role("button", name="Send").click()
        person.wait_for_selector("#chat-widget-log >> text=Thank you, one more question", timeout=10_000)
        assert person.evaluate("window.pronoiaTestMarker") == "still here" and person.url.endswith("/services/")
        # A message the server refuses over the socket (nothing left once control characters are
        # taken out) comes back into the box with the error: nothing typed is lost.
        unusable = " \u0007\u202e "
        widget.get_by_label("Your question").fill(unusable)
        widget.get_by_role("button", name="Send").click()
        person.wait_for_selector("text=Type your question before sending it.", timeout=10_000)
        assert widget.get_by_label("Your question").input_value() == unusable
        # One over the limit is stopped before it is sent, the text kept.
        too_long = "x" * 2001
        widget.get_by_label("Your question").fill(too_long)
        widget.get_by_role("button", name="Send").click()
        person.wait_for_selector("text=Your message is too long for the chat.", timeout=10_000)
        assert widget.get_by_label("Your question").input_value() == too_long
    assert not errors, errors
    assert ConversationMessage.objects.filter(sender="person", text="Thank you, one more question").count() == 1
