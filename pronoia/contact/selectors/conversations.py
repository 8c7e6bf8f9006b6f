"""Reads of the chat: the person's conversation (by the token their session holds), the operators'
queue and conversation page, and the figures the supervisor's metrics use."""
from __future__ import annotations

import datetime
from dataclasses import dataclass
from statistics import median

from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from pronoia.accounts.actors import Actor
from pronoia.accounts.roles import Role
from pronoia.contact.models import Conversation, ConversationMessage
from pronoia.core.errors import NotFound, PermissionDenied

S = Conversation.State
Q_ = Conversation.Queue
SESSION_TOKENS_KEY = "contact_chat_tokens"  # the conversation tokens this browser session holds, newest last
SESSION_TOKENS_MAX = 20


def conversation_for_session_get(*, token: str, session, actor: Actor) -> Conversation:
    """The conversation with `token` if this session holds it (and, once signed in, the same user)."""
    tokens = session.get(SESSION_TOKENS_KEY) or []
    conversation = Conversation.objects.filter(token=token).first() if token in tokens else None
    if conversation is None or (conversation.user_id is not None and conversation.user_id != actor.user_id):
        raise NotFound(code="conversation_not_found", message=_("There is no such conversation."))
    return conversation


def conversation_current_for_session(*, session, actor: Actor) -> Conversation | None:
    """The session's latest conversation still going (with the assistant or waiting), if it is the actor's."""
    tokens = session.get(SESSION_TOKENS_KEY) or []
    if not tokens:
        return None
    conversation = Conversation.objects.filter(token=tokens[-1]).exclude(state=S.RESOLVED).first()
    if conversation is None or conversation.user_id != actor.user_id or conversation.person_id != actor.subject_person_id:
        return None
    return conversation


def conversation_messages_for_person(*, conversation: Conversation) -> list[ConversationMessage]:
    return list(conversation.messages.order_by("created_at", "pk"))


def conversation_messages_get(*, conversation: Conversation, message_ids: list[int]) -> list[ConversationMessage]:
    return list(conversation.messages.filter(pk__in=message_ids).order_by("created_at", "pk"))


def operator_lines(actor: Actor) -> frozenset[str]:
    """The queues an operator works on: first line the general one, second line both; supervisors read all."""
    if actor.has_role(Role.SUPERVISOR, Role.OPERATOR_L2):
        return frozenset({Q_.LINE1, Q_.LINE2})
    if actor.has_role(Role.OPERATOR_L1):
        return frozenset({Q_.LINE1})
    return frozenset()


def conversation_queue_for(*, actor: Actor) -> QuerySet[Conversation]:
    """Conversations waiting for or with an operator, on the actor's lines, longest waiting first (one query)."""
    return (
        Conversation.objects.filter(state=S.OPEN, queue__in=operator_lines(actor))
        .select_related("assigned_to")
        .order_by("handed_over_at", "pk")
    )


@dataclass(frozen=True)
class OperatorView:
    """What an operator sees of a conversation: identity and answers from the person's file only for
    the second-line operator who took it (that take is logged in the personal-data access log)."""

    conversation: Conversation
    messages: list[ConversationMessage]
    show_personal: bool
    person: object | None
    can_take: bool
    can_act: bool


def conversation_for_operator_get(*, actor: Actor, conversation_id: int) -> OperatorView:
    conversation = Conversation.objects.select_related("assigned_to", "person").filter(pk=conversation_id).first()
    if conversation is None or not conversation.queue:
        raise NotFound(code="conversation_not_found", message=_("There is no such conversation."))
    if conversation.queue not in operator_lines(actor):
        raise PermissionDenied(code="conversation_line_denied", message=_("This conversation is for another line of operators."))
    operator = actor.has_role(Role.OPERATOR_L1, Role.OPERATOR_L2)
    mine = conversation.assigned_to_id == actor.user_id and operator
    show_personal = mine and conversation.queue == Q_.LINE2 and actor.has_role(Role.OPERATOR_L2)
    return OperatorView(
        conversation=conversation,
        messages=list(conversation.messages.select_related("author").order_by("created_at", "pk")),
        show_personal=show_personal,
        person=conversation.person if show_personal else None,
        can_take=operator and conversation.state == S.OPEN and conversation.assigned_to_id is None,
        can_act=mine and conversation.state == S.OPEN,
    )


def conversation_metrics_for(*, start: datetime.datetime, end: datetime.datetime) -> dict:
    """Figures of conversations started in [start, end): how many, resolved by the assistant alone,
    handed over, first-response time of operators (seconds) and ratings."""
    rows = Conversation.objects.filter(created_at__gte=start, created_at__lt=end)
    counts = rows.aggregate(
        total=Count("pk"),
        bot_resolved=Count("pk", filter=Q(bot_resolved=True)),
        bot_handoff=Count("pk", filter=Q(bot_handoff=True)),
        rated=Count("pk", filter=Q(rating__isnull=False)),
        rating_average=Avg("rating"),
    )
    waits = [
        (first - handed).total_seconds()
        for handed, first in rows.filter(first_response_at__isnull=False, handed_over_at__isnull=False).values_list("handed_over_at", "first_response_at")
    ]
    total = counts["total"] or 0
    return {
        **counts,
        "bot_resolution_rate": (counts["bot_resolved"] / total) if total else None,
        "handoff_rate": (counts["bot_handoff"] / total) if total else None,
        "first_response_median_seconds": median(waits) if waits else None,
        "first_response_count": len(waits),
    }


def waiting_seconds(conversation: Conversation, *, now: datetime.datetime | None = None) -> int:
    now = now or timezone.now()
    return max(0, int((now - conversation.handed_over_at).total_seconds())) if conversation.handed_over_at else 0
