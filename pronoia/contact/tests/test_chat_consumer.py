"""The chat's WebSocket (channels.testing.WebsocketCommunicator through config.asgi's whole stack:
origin check, session cookie, URL route): a foreign token is refused, a message gets the assistant's
reply, an operator's reply reaches the person's socket, hostile input comes back escaped."""
import importlib.util
import json
import sys
import types

import pytest
from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async

if importlib.util.find_spec("daphne") is None:
    # channels.testing imports daphne for ChannelsLiveServerTestCase only (not used here); daphne is
    # not in requirements.txt. A placeholder lets WebsocketCommunicator, the real one, be imported.
    sys.modules.setdefault("daphne", types.ModuleType("daphne"))
    sys.modules.setdefault("daphne.testing", types.SimpleNamespace(DaphneProcess=None))
from channels.testing import WebsocketCommunicator  # noqa: E402
from django.conf import settings
from django.test import Client
from django.utils.html import escape

from pronoia.accounts.actors import Actor
from pronoia.accounts.roles import Role
from pronoia.accounts.tests.factories import staff_user
from pronoia.contact.models import Conversation, ConversationMessage
from pronoia.contact.services.conversations import conversation_operator_reply, conversation_take
from pronoia.contact.tests.factories import chat_kb  # noqa: F401  (fixture)

# Transactional: Channels closes the database connection around each consumer handler
# (close_old_connections), which would end a test wrapped in one transaction on PostgreSQL.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("chat_kb")]


@pytest.fixture
def application(settings):
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
    from channels.layers import channel_layers

    channel_layers.backends.clear()
    from config.asgi import application

    return application


def started(client, text="What is the retirement age?"):
    response = client.post("/chat/", {"text": text})
    assert response.status_code == 302
    return Conversation.objects.order_by("-pk").first()


def communicator(application, client, token, *, origin="http://testserver"):
    headers = [(b"origin", origin.encode())]
    cookie = client.cookies.get(settings.SESSION_COOKIE_NAME)
    if cookie is not None:
        headers.append((b"cookie", f"{settings.SESSION_COOKIE_NAME}={cookie.value}".encode()))
    return WebsocketCommunicator(application, f"/ws/chat/{token}", headers=headers)


def test_a_token_the_session_does_not_hold_is_refused(application):
    owner, stranger = Client(), Client()
    conversation = started(owner)
    stranger.post("/chat/", {"text": "my cat is sick"})  # the stranger has a session of their own

    async def scenario():
        for client in (stranger, Client()):
            # Accepted and closed at once with 4404, the code that tells the page its conversation is gone.
            socket = communicator(application, client, conversation.token)
            connected, _subprotocol = await socket.connect()
            assert connected
            assert await socket.receive_output() == {"type": "websocket.close", "code": 4404}
            await socket.disconnect()
        socket = communicator(application, owner, conversation.token, origin="http://evil.example")
        connected, _code = await socket.connect()  # another site's page: refused at the handshake
        assert not connected
        await socket.disconnect()

    async_to_sync(scenario)()


def test_a_message_gets_the_assistants_reply_rendered_and_escaped(application, client):
    conversation = started(client, "my cat is sick")

    async def scenario():
        socket = communicator(application, client, conversation.token)
        connected, _ = await socket.connect()
        assert connected
        await socket.send_json_to({"action": "message", "text": "What is the retirement age?"})
        answer = await socket.receive_json_from(timeout=5)
        assert answer["type"] == "messages" and answer["state"] == "pending"
        assert "The statutory retirement age is 67" in answer["html"] and "What is the retirement age?" in answer["html"]
        payload = '"><img src=x onerror=alert(1)><script>alert(1)</script>'
        await socket.send_json_to({"action": "message", "text": payload})
        raw = await socket.receive_from(timeout=5)
        assert payload not in raw and "<script>" not in json.loads(raw)["html"] and escape(payload) in json.loads(raw)["html"]
        await socket.send_json_to({"action": "message", "text": ""})
        error = await socket.receive_json_from(timeout=5)
        assert error == {"type": "error", "code": "message_empty", "message": "Type your question before sending it.", "field": "text"}
        await socket.send_to(text_data="x" * 20_000)
        error = await socket.receive_json_from(timeout=5)
        assert error["code"] == "message_too_long"
        await socket.send_to(text_data="not json")
        assert (await socket.receive_json_from(timeout=5))["code"] == "action_unknown"
        await socket.send_json_to({"action": "handover"})
        handed = await socket.receive_json_from(timeout=5)
        assert handed["state"] == "open"
        await socket.disconnect()

    async_to_sync(scenario)()
    assert ConversationMessage.objects.filter(conversation=conversation, sender="person").count() == 3
    assert not ConversationMessage.objects.filter(text__startswith="x" * 100).exists()


def test_an_operators_reply_reaches_the_persons_socket(application, client, django_capture_on_commit_callbacks):
    conversation = started(client, "I want to talk to a person")
    user = staff_user(Role.OPERATOR_L1)
    operator = Actor(user_id=user.pk, username=user.username, roles=frozenset({Role.OPERATOR_L1}), otp_verified=True, request_id="test-operator")

    def reply(text):
        with django_capture_on_commit_callbacks(execute=True):
            conversation_operator_reply(conversation=conversation, actor=operator, text=text)

    def take():
        with django_capture_on_commit_callbacks(execute=True):
            conversation_take(conversation=conversation, actor=operator)

    async def scenario():
        socket = communicator(application, client, conversation.token)
        connected, _ = await socket.connect()
        assert connected
        await database_sync_to_async(take)()
        joined = await socket.receive_json_from(timeout=5)
        assert "An operator has joined the conversation." in joined["html"]
        await database_sync_to_async(reply)("Hello, <b>I am</b> here to help.")
        pushed = await socket.receive_json_from(timeout=5)
        assert pushed["type"] == "messages" and "Hello, &lt;b&gt;I am&lt;/b&gt; here to help." in pushed["html"]
        assert "Operator" in pushed["html"]
        await socket.disconnect()

    async_to_sync(scenario)()


def test_the_chat_rate_limit_applies_to_the_socket(application, client, settings):
    from django.core.cache import cache

    conversation = started(client)
    settings.PRONOIA_RATE_LIMITS_ENABLED = True
    settings.CONTACT_CHAT_RATE_LIMIT = (1, 60)
    cache.clear()

    async def scenario():
        socket = communicator(application, client, conversation.token)
        await socket.connect()
        await socket.send_json_to({"action": "message", "text": "my cat is sick"})
        assert (await socket.receive_json_from(timeout=5))["type"] == "messages"
        await socket.send_json_to({"action": "message", "text": "my dog too"})
        limited = await socket.receive_json_from(timeout=5)
        assert limited["code"] == "rate_limited" and "too many messages" in limited["message"]
        await socket.disconnect()

    try:
        async_to_sync(scenario)()
    finally:
        cache.clear()
    assert not ConversationMessage.objects.filter(text="my dog too").exists()


def test_an_oversized_frame_is_refused_in_the_conversations_language_counting_the_message(application, client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "el"
    conversation = started(client, "Ποια είναι η ηλικία συνταξιοδότησης;")
    assert conversation.language == "el"

    async def scenario():
        socket = communicator(application, client, conversation.token)
        connected, _ = await socket.connect()
        assert connected
        await socket.send_json_to({"action": "message", "text": "α" * 20_000})
        error = await socket.receive_json_from(timeout=5)
        assert error["code"] == "message_too_long" and "20.000" in error["message"], error  # the text's length, Greek grouping
        assert "χαρακτήρες" in error["message"], error
        await socket.disconnect()

    async_to_sync(scenario)()
