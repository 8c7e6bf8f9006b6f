"""Conversations with the assistant and operators, hand-over and ratings.

A conversation starts with the assistant (pending), is handed over to an operator queue (open) and
ends resolved. Its messages keep who said what; assistant messages keep the knowledge-base item and
the decision behind them. The figures the supervisor reads later (bot_resolved, bot_handoff, first
response, rating) are columns here, set by pronoia/contact/services/conversations.py only.
"""
from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

__all__ = ["Conversation", "ConversationMessage", "conversation_token_new"]

MESSAGE_MAX_CHARS = 2000  # longer messages are refused with a message, never cut silently
COMMENT_MAX_CHARS = 1000


def conversation_token_new() -> str:
    # 32 random bytes: the token is the only key a visitor's browser holds to the conversation.
    return secrets.token_urlsafe(32)


class Conversation(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", _("With the assistant")
        OPEN = "open", _("Waiting for an operator")
        RESOLVED = "resolved", _("Resolved")

    class Queue(models.TextChoices):
        LINE1 = "line1", _("First line (general)")
        LINE2 = "line2", _("Second line (personal data)")

    class HandoverReason(models.TextChoices):
        TWO_MISSES = "two_misses", _("The assistant could not answer twice")
        ASKED_FOR_PERSON = "asked_for_person", _("The person asked for a person")
        PERSONAL_QUESTION = "personal_question", _("A personal question needs a person")

    token = models.CharField(max_length=64, unique=True, default=conversation_token_new)
    # Set when the person was signed in when the conversation started, else None (anonymous visitor).
    user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="chat_conversations")
    # Whose file personal answers come from: the signed-in person, or the principal under a mandate.
    person = models.ForeignKey("people.Person", null=True, blank=True, on_delete=models.SET_NULL, related_name="chat_conversations")
    acting_mandate_id = models.BigIntegerField(null=True, blank=True)
    language = models.CharField(max_length=8)
    country = models.CharField(max_length=2)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    queue = models.CharField(max_length=8, choices=Queue.choices, blank=True)
    assigned_to = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="chat_assigned")
    handover_reason = models.CharField(max_length=32, choices=HandoverReason.choices, blank=True)
    # [{"item_id", "score", "title"}]: what the assistant considered for the last question, at hand-over.
    handover_suggestions = models.JSONField(default=list, blank=True)
    # Suggestions offered and not yet picked or declined ([{"item_id", "score", "title"}]).
    pending_suggestions = models.JSONField(default=list, blank=True)
    # Data categories personal answers read in this conversation: a hand-over then goes to line 2.
    personal_categories = models.JSONField(default=list, blank=True)
    miss_count = models.PositiveSmallIntegerField(default=0)
    rating = models.PositiveSmallIntegerField(null=True, blank=True)
    rating_comment = models.TextField(blank=True)
    bot_resolved = models.BooleanField(default=False)
    bot_handoff = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    handed_over_at = models.DateTimeField(null=True, blank=True)
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5), name="conversation_rating_1_5"),
            models.CheckConstraint(condition=Q(state__in=["pending", "open", "resolved"]), name="conversation_state_valid"),
            models.CheckConstraint(condition=Q(queue__in=["", "line1", "line2"]), name="conversation_queue_valid"),
            # Only the second line serves personal questions.
            models.CheckConstraint(condition=~Q(queue="line2") | Q(person__isnull=False), name="conversation_line2_has_person"),
        ]
        indexes = [models.Index(fields=["state", "queue", "handed_over_at"], name="conversation_queue_idx")]
        verbose_name = _("conversation")

    def __str__(self) -> str:
        return f"conversation {self.pk} ({self.state})"


class ConversationMessage(models.Model):
    class Sender(models.TextChoices):
        PERSON = "person", _("Person")
        ASSISTANT = "assistant", _("Assistant")
        OPERATOR = "operator", _("Operator")
        SYSTEM = "system", _("System")

    conversation = models.ForeignKey(Conversation, on_delete=models.CASCADE, related_name="messages")
    sender = models.CharField(max_length=16, choices=Sender.choices)
    text = models.TextField()
    # An answer's heading: the knowledge-base item's question in the conversation's language.
    title = models.CharField(max_length=500, blank=True)
    # Assistant messages: the knowledge-base item answered (or personal intent) and the decision kind.
    item_id = models.CharField(max_length=200, blank=True)
    decision = models.CharField(max_length=16, blank=True)
    # Suggestions offered with this message ([{"item_id", "score", "title"}]).
    suggestions = models.JSONField(default=list, blank=True)
    # An answer from the person's own file: shown only to the person and the second-line operator.
    personal = models.BooleanField(default=False)
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(sender__in=["person", "assistant", "operator", "system"]), name="conversation_message_sender_valid"),
        ]
        ordering = ["created_at", "pk"]
        verbose_name = _("conversation message")
