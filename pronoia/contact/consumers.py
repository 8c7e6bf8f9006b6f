"""The chat over a WebSocket (Django Channels): `ws/chat/<token>`, for the session that holds the token.

The socket carries the same actions as the plain form (a message, a picked or declined suggestion,
"talk to a person") and answers with the new messages rendered by the same template as the page,
so everything a person typed reaches the browser escaped. Operator replies reach the socket
through the channel layer as message ids only; the consumer loads and renders them for its own
session. When the socket is unavailable the page falls back to forms and reloading.
"""
from __future__ import annotations

import logging
import uuid

from asgiref.sync import async_to_sync
from channels.generic.websocket import JsonWebsocketConsumer
from channels.layers import get_channel_layer
from django.template.loader import render_to_string
from django.utils import timezone, translation

from pronoia.accounts.actors import Actor, actor_build
from pronoia.contact.models import Conversation
from pronoia.core.countries import display_time_zone
from pronoia.contact.selectors.conversations import conversation_for_session_get, conversation_messages_get
from pronoia.contact.services.conversations import (
    chat_rate_limit_check,
    conversation_handover_request,
    conversation_message_post,
    conversation_suggestion_pick,
    conversation_suggestions_decline,
    message_too_long_error,
)
from pronoia.core.errors import NotFound, PronoiaError

logger = logging.getLogger(__name__)

CLOSE_NOT_FOUND = 4404
# One JSON frame: a 2 000-character message fits many times over; anything larger is refused unread.
FRAME_MAX_CHARS = 16_000


def group_name(token: str) -> str:
    return f"contact_chat.{token}"


def conversation_event_push(*, token: str, message_ids: list[int]) -> None:
    """Tell the conversation's open sockets about new messages (called after commit)."""
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        async_to_sync(layer.group_send)(group_name(token), {"type": "chat.messages", "ids": list(message_ids)})
    except Exception:  # noqa: BLE001 - a layer outage must not undo the reply; the page reload shows it
        logger.exception("chat push to the channel layer failed")


class _ScopeRequest:
    """Just enough of an HttpRequest for accounts.actors.actor_build."""

    path = "/ws/chat/"

    def __init__(self, scope: dict):
        self.user = scope.get("user")
        self.session = scope.get("session")
        self.headers: dict[str, str] = {}
        self.request_id = uuid.uuid4().hex


def messages_render(conversation: Conversation, messages) -> str:
    """New messages as the page shows them, in the conversation's language and the institution's time zone (autoescaped)."""
    with translation.override(conversation.language), timezone.override(display_time_zone()):
        return render_to_string(
            "contact/chat/_messages.html",
            {"conversation": conversation, "chat_messages": messages, "live_suggestions_id": _live_suggestions_id(conversation, messages)},
        )


def _live_suggestions_id(conversation: Conversation, messages) -> int | None:
    if conversation.state != Conversation.State.PENDING or not conversation.pending_suggestions:
        return None
    ids = [m.pk for m in messages if m.decision == "suggest"]
    return ids[-1] if ids else None


def _typed_length(frame: str | bytes) -> int:
    """How long the person's message is, for the error (the frame's length when it is not one)."""
    import json

    try:
        text = json.loads(frame).get("text")
    except (ValueError, AttributeError, RecursionError):
        text = None
    return len(text) if isinstance(text, str) else len(frame)


class ChatConsumer(JsonWebsocketConsumer):
    def connect(self):
        self.token = self.scope["url_route"]["kwargs"]["token"]
        session = self.scope.get("session")
        try:
            conversation = conversation_for_session_get(token=self.token, session=session or {}, actor=self._actor())
        except NotFound:
            # Accepted first: a close before the handshake reaches the browser as 1006, not as the
            # code that tells the page its stored conversation is gone.
            self.accept()
            self.close(code=CLOSE_NOT_FOUND)
            return
        self.language = conversation.language
        self.group = group_name(self.token)
        async_to_sync(self.channel_layer.group_add)(self.group, self.channel_name)
        self.accept()

    def disconnect(self, code):
        if getattr(self, "group", None):
            async_to_sync(self.channel_layer.group_discard)(self.group, self.channel_name)

    def _actor(self) -> Actor:
        return actor_build(_ScopeRequest(self.scope))

    def _conversation(self, actor: Actor) -> Conversation:
        return conversation_for_session_get(token=self.token, session=self.scope.get("session") or {}, actor=actor)

    def receive(self, text_data=None, bytes_data=None, **kwargs):
        if text_data is None or len(text_data) > FRAME_MAX_CHARS:
            with translation.override(getattr(self, "language", None) or translation.get_language()):
                self.send_json({"type": "error", **message_too_long_error(_typed_length(text_data or bytes_data or "")).as_dict()})
            return
        super().receive(text_data=text_data, bytes_data=bytes_data, **kwargs)

    @classmethod
    def decode_json(cls, text_data):
        import json

        try:
            value = json.loads(text_data)
        except ValueError:
            return {}
        return value if isinstance(value, dict) else {}

    def receive_json(self, content, **kwargs):
        actor = self._actor()
        try:
            conversation = self._conversation(actor)
        except NotFound:
            self.close(code=CLOSE_NOT_FOUND)
            return
        session = self.scope.get("session")
        client = self.scope.get("client") or ("unknown", 0)
        retry_after = chat_rate_limit_check(session_key=getattr(session, "session_key", None) or "", address=str(client[0]))
        with translation.override(conversation.language):
            if retry_after:
                self._error(conversation, "rate_limited", retry_after=retry_after)
                return
            action = content.get("action")
            try:
                if action == "message":
                    new = conversation_message_post(conversation=conversation, actor=actor, text=str(content.get("text", "")))
                elif action == "pick":
                    new = conversation_suggestion_pick(conversation=conversation, actor=actor, item_id=str(content.get("item_id", "")))
                elif action == "decline":
                    new = conversation_suggestions_decline(conversation=conversation, actor=actor)
                elif action == "handover":
                    new = conversation_handover_request(conversation=conversation, actor=actor)
                else:
                    self._error(conversation, "action_unknown")
                    return
            except PronoiaError as exc:
                self.send_json({"type": "error", **exc.as_dict()})
                return
            conversation.refresh_from_db()
            self.send_json({"type": "messages", "state": conversation.state, "html": messages_render(conversation, new)})

    def _error(self, conversation, code: str, **values) -> None:
        from django.utils.translation import gettext as _
        from django.utils.translation import ngettext

        messages = {"action_unknown": _("The chat did not understand that request. Reload the page.")}
        if code == "rate_limited":
            seconds = values["retry_after"]
            message = ngettext(
                "You have sent too many messages. Try again in %(seconds)d second.",
                "You have sent too many messages. Try again in %(seconds)d seconds.",
                seconds,
            ) % {"seconds": seconds}
        else:
            message = messages[code]
        self.send_json({"type": "error", "code": code, "message": message, "field": "text"})

    def chat_messages(self, event):
        """New messages from elsewhere (an operator): rendered for this socket's own session."""
        actor = self._actor()
        try:
            conversation = self._conversation(actor)
        except NotFound:
            self.close(code=CLOSE_NOT_FOUND)
            return
        messages = conversation_messages_get(conversation=conversation, message_ids=[int(i) for i in event.get("ids", [])])
        if messages:
            self.send_json({"type": "messages", "state": conversation.state, "html": messages_render(conversation, messages)})
