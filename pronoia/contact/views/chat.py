"""The chat pages: the person's conversation with the assistant (open to everyone, anonymous
included; the conversation token lives in the session) and the operators' queue and conversation
page. Without JavaScript everything is forms and redirects; with it, the page's module talks to
the same services over the WebSocket (consumers.py)."""
from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views import View

from pronoia.accounts.mandates.views import denied_render
from pronoia.accounts.permissions import ANYONE, RoleRequiredMixin
from pronoia.accounts.roles import Role
from pronoia.contact.models import Conversation
from pronoia.contact.models.conversations import COMMENT_MAX_CHARS, MESSAGE_MAX_CHARS
from pronoia.contact.selectors.conversations import (
    SESSION_TOKENS_KEY,
    SESSION_TOKENS_MAX,
    conversation_current_for_session,
    conversation_for_operator_get,
    conversation_for_session_get,
    conversation_messages_for_person,
    conversation_queue_for,
    waiting_seconds,
)
from pronoia.contact.services.conversations import (
    chat_rate_limit_check,
    conversation_handover_request,
    conversation_kb_propose,
    conversation_message_post,
    conversation_operator_reply,
    conversation_rate,
    conversation_resolve,
    conversation_start,
    conversation_suggestion_pick,
    conversation_suggestions_decline,
    conversation_take,
    message_clean,
)
from pronoia.core.errors import NotFound, PermissionDenied, PronoiaError
from pronoia.core.rate_limits import client_address

__all__ = [
    "ChatConversationView", "ChatOperatorView", "ChatProposeView", "ChatQueueView", "ChatRateView",
    "ChatReplyView", "ChatResolveView", "ChatStartView", "ChatTakeView",
]

CHAT_OPERATOR_ROLES = frozenset({Role.OPERATOR_L1, Role.OPERATOR_L2, Role.SUPERVISOR})
CHAT_ACTING_ROLES = frozenset({Role.OPERATOR_L1, Role.OPERATOR_L2})


def _language(request: HttpRequest) -> str:
    return (translation.get_language() or "en").split("-")[0]


def _token_remember(request: HttpRequest, conversation: Conversation) -> None:
    tokens = [t for t in (request.session.get(SESSION_TOKENS_KEY) or []) if t != conversation.token]
    request.session[SESSION_TOKENS_KEY] = [*tokens, conversation.token][-SESSION_TOKENS_MAX:]


def _rate_limited(request: HttpRequest) -> PronoiaError | None:
    if not request.session.session_key:
        request.session.save()  # an anonymous visitor's first message: give the session its key
    seconds = chat_rate_limit_check(session_key=request.session.session_key or "", address=client_address(request))
    if not seconds:
        return None
    message = ngettext(
        "You have sent too many messages. Try again in %(seconds)d second.",
        "You have sent too many messages. Try again in %(seconds)d seconds.",
        seconds,
    ) % {"seconds": seconds}
    error = PronoiaError(code="rate_limited", message=message, field="text", status_code=429)
    error.retry_after = seconds
    return error


def _person_page(request: HttpRequest, conversation: Conversation | None, *, error: PronoiaError | None = None, text: str = "") -> HttpResponse:
    messages = conversation_messages_for_person(conversation=conversation) if conversation else []
    live = None
    if conversation and conversation.state == Conversation.State.PENDING and conversation.pending_suggestions:
        suggests = [m.pk for m in messages if m.decision == "suggest"]
        live = suggests[-1] if suggests else None
    can_rate = bool(conversation) and conversation.rating is None and (
        conversation.state == Conversation.State.RESOLVED
        or (conversation.state == Conversation.State.PENDING and any(m.decision == "answer" for m in messages))
    )
    context = {
        "conversation": conversation,
        "chat_messages": messages,
        "live_suggestions_id": live,
        "can_rate": can_rate,
        "error": error,
        # Echoed back into the textarea (escaped) so a refused message is not lost; never the over-long one.
        "text": text if error is not None and error.code not in ("message_too_long",) else "",
        "message_max_chars": number_format(MESSAGE_MAX_CHARS, force_grouping=True),
        "comment_max_chars": number_format(COMMENT_MAX_CHARS, force_grouping=True),
        "chat_page": True,
    }
    response = render(request, "contact/chat/conversation.html", context, status=error.status_code if error else 200)
    if error is not None and getattr(error, "retry_after", 0):
        response["Retry-After"] = str(error.retry_after)
    return response


def _redirect(conversation: Conversation) -> HttpResponseRedirect:
    return HttpResponseRedirect(reverse("contact:chat_conversation", kwargs={"code": conversation.token}) + "#chat-latest")


class ChatStartView(RoleRequiredMixin, View):
    """GET: the current conversation, or an empty chat. POST: the widget's message, creating or
    continuing the session's conversation."""

    allowed_roles = frozenset({ANYONE})

    def get(self, request: HttpRequest) -> HttpResponse:
        conversation = conversation_current_for_session(session=request.session, actor=request.actor)
        if conversation is not None:
            return _redirect(conversation)
        return _person_page(request, None)

    def post(self, request: HttpRequest) -> HttpResponse:
        text = request.POST.get("text", "")
        conversation = conversation_current_for_session(session=request.session, actor=request.actor)
        limited = _rate_limited(request)
        if limited is not None:
            return _person_page(request, conversation, error=limited, text=text)
        try:
            if conversation is None:
                message_clean(text)  # refuse an empty or over-long first message before creating anything
                conversation = conversation_start(actor=request.actor, language=_language(request))
                _token_remember(request, conversation)
            conversation_message_post(conversation=conversation, actor=request.actor, text=text)
        except PronoiaError as exc:
            return _person_page(request, conversation, error=exc, text=text)
        return _redirect(conversation)


class ChatConversationView(RoleRequiredMixin, View):
    """The transcript with suggestions as buttons, "Talk to a person" and, at the end, the rating form.
    POST: one of send (text), pick (a suggestion), decline (none of them), handover."""

    allowed_roles = frozenset({ANYONE})

    def _conversation(self, request: HttpRequest, code: str) -> Conversation:
        try:
            return conversation_for_session_get(token=code, session=request.session, actor=request.actor)
        except NotFound:
            raise Http404 from None

    def get(self, request: HttpRequest, code: str) -> HttpResponse:
        return _person_page(request, self._conversation(request, code))

    def post(self, request: HttpRequest, code: str) -> HttpResponse:
        conversation = self._conversation(request, code)
        data = request.POST
        text = data.get("text", "")
        limited = _rate_limited(request)
        if limited is not None:
            return _person_page(request, conversation, error=limited, text=text)
        actor = request.actor
        try:
            if "pick" in data:
                conversation_suggestion_pick(conversation=conversation, actor=actor, item_id=data.get("pick", ""))
            elif "decline" in data:
                conversation_suggestions_decline(conversation=conversation, actor=actor)
            elif "handover" in data:
                conversation_handover_request(conversation=conversation, actor=actor)
            elif conversation.state == Conversation.State.RESOLVED:
                # Writing again after the end starts a new conversation (the old one keeps its rating).
                message_clean(text)
                conversation = conversation_start(actor=actor, language=_language(request))
                _token_remember(request, conversation)
                conversation_message_post(conversation=conversation, actor=actor, text=text)
            else:
                conversation_message_post(conversation=conversation, actor=actor, text=text)
        except PronoiaError as exc:
            conversation.refresh_from_db()
            return _person_page(request, conversation, error=exc, text=text)
        return _redirect(conversation)


class ChatRateView(RoleRequiredMixin, View):
    allowed_roles = frozenset({ANYONE})
    http_method_names = ["post"]

    def post(self, request: HttpRequest, code: str) -> HttpResponse:
        try:
            conversation = conversation_for_session_get(token=code, session=request.session, actor=request.actor)
        except NotFound:
            raise Http404 from None
        try:
            conversation_rate(conversation=conversation, actor=request.actor, rating=request.POST.get("rating", ""), comment=request.POST.get("comment", ""))
        except PronoiaError as exc:
            conversation.refresh_from_db()
            return _person_page(request, conversation, error=exc)
        return HttpResponseRedirect(reverse("contact:chat_conversation", kwargs={"code": conversation.token}) + "#chat-rated")


# ---------------------------------------------------------------- operators


class ChatQueueView(RoleRequiredMixin, View):
    """Conversations handed over on the operator's lines: waiting time, language, reason, line."""

    allowed_roles = CHAT_OPERATOR_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        rows = [{"conversation": c, "minutes": waiting_seconds(c) // 60} for c in conversation_queue_for(actor=request.actor)]
        return render(request, "contact/chat/queue.html", {"rows": rows, "read_only": not request.actor.has_role(*CHAT_ACTING_ROLES)})


def _operator_page(request: HttpRequest, pk: int, *, error: PronoiaError | None = None, reply: str = "", proposal: str = "") -> HttpResponse:
    try:
        view = conversation_for_operator_get(actor=request.actor, conversation_id=pk)
    except NotFound:
        raise Http404 from None
    except PermissionDenied as exc:
        return denied_render(request, exc)
    context = {"view": view, "conversation": view.conversation, "error": error, "reply": reply, "proposal": proposal, "message_max_chars": number_format(MESSAGE_MAX_CHARS, force_grouping=True)}
    return render(request, "contact/chat/operator.html", context, status=error.status_code if error else 200)


class ChatOperatorView(RoleRequiredMixin, View):
    """One conversation: the hand-over card and the history; take, reply, resolve, propose."""

    allowed_roles = CHAT_OPERATOR_ROLES

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        return _operator_page(request, pk)


class _OperatorAction(RoleRequiredMixin, View):
    allowed_roles = CHAT_ACTING_ROLES
    http_method_names = ["post"]

    def act(self, request: HttpRequest, conversation: Conversation) -> str | None:
        raise NotImplementedError

    def post(self, request: HttpRequest, pk: int) -> HttpResponse:
        conversation = Conversation.objects.filter(pk=pk).first()
        if conversation is None:
            raise Http404
        try:
            notice = self.act(request, conversation)
        except PermissionDenied as exc:
            return denied_render(request, exc)
        except PronoiaError as exc:
            return _operator_page(request, pk, error=exc, reply=request.POST.get("text", "") if exc.field == "text" else "",
                                  proposal=request.POST.get("proposal", ""))
        if notice:
            from django.contrib import messages

            messages.success(request, notice)
        return HttpResponseRedirect(reverse("contact:chat_operator", kwargs={"pk": pk}) + "#chat-latest")


class ChatTakeView(_OperatorAction):
    def act(self, request, conversation):
        conversation_take(conversation=conversation, actor=request.actor)
        return _("You have taken this conversation.")


class ChatReplyView(_OperatorAction):
    def act(self, request, conversation):
        conversation_operator_reply(conversation=conversation, actor=request.actor, text=request.POST.get("text", ""))
        return None


class ChatResolveView(_OperatorAction):
    def act(self, request, conversation):
        conversation_resolve(conversation=conversation, actor=request.actor)
        return _("The conversation is resolved.")


class ChatProposeView(_OperatorAction):
    def act(self, request, conversation):
        try:
            conversation_kb_propose(conversation=conversation, actor=request.actor, text=request.POST.get("proposal", ""))
        except PronoiaError as exc:
            if exc.field == "text":
                exc.field = "proposal"
            raise
        return _("Your proposal is sent to the content managers for review.")
