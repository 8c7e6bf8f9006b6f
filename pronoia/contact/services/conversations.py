"""Writes of the chat: the person's messages and the assistant's replies, hand-over to an operator
queue, the operators' take / reply / resolve / propose, and the person's rating.

Dialog policy (docs/assistant-chat.md): a request for a person hands over at once; otherwise the
message is searched in the knowledge base plus the personal intents (knowledge/personal.json) and
`answer_decide` answers, suggests (up to three, the person may pick one) or says it does not know.
Two consecutive misses (unknown, or suggestions declined) hand over. Personal intents are answered
from the signed-in person's own file through the owning apps' selectors (access checked, and logged
when someone acts for the person); an identifier typed into the chat is never looked up.
"""
from __future__ import annotations

import datetime
import functools
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone, translation
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from pronoia.accounts.actors import Actor
from pronoia.accounts.roles import Channel, DataCategory, Role
from pronoia.audit.services import audit_record, data_access_record
from pronoia.contact.models import Conversation, ConversationMessage
from pronoia.contact.models.conversations import COMMENT_MAX_CHARS, MESSAGE_MAX_CHARS
from pronoia.contact.retrieval import KnowledgeEntry, answer_decide, handover_requested, kb_entries_load, retriever_build, thresholds_for
from pronoia.core.errors import NotFound, PermissionDenied, PronoiaError
from pronoia.people.models import Person

S = Conversation.State
Q_ = Conversation.Queue
R = Conversation.HandoverReason
M = ConversationMessage.Sender

KNOWLEDGE_DIR = Path(__file__).resolve().parent.parent / "knowledge"
PERSONAL_KB_PATH = KNOWLEDGE_DIR / "personal.json"
LANGUAGES = ("en", "el", "pl", "bg", "ru")
MISSES_BEFORE_HANDOVER = 2
SUGGESTIONS_SHOWN = 3
# Beyond this many characters the input is refused before it is even cleaned (a 100 kB paste).
_RAW_MAX_CHARS = MESSAGE_MAX_CHARS * 4
# Direction overrides and isolates (Trojan-Source style reordering) and the invisible marks.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
# A run of 9 to 13 digits looks like an AMKA (11), PESEL (11), EGN (10) or AFM (9): never kept.
_IDENTIFIER = re.compile(r"(?<!\d)\d(?:[ .-]?\d){8,12}(?!\d)")
IDENTIFIER_MASK = "[•••]"


# ---------------------------------------------------------------- input


def message_clean(text: str, *, field: str = "text", max_chars: int = MESSAGE_MAX_CHARS) -> str:
    """The message as stored: control characters and direction overrides removed, line breaks
    normalised, trimmed. Empty or longer than `max_chars` is refused with a message."""
    text = str(text or "")
    if len(text) > _RAW_MAX_CHARS:
        raise _too_long(len(text), max_chars, field)
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    kept = []
    for ch in text:
        if ch == "\n":
            kept.append(ch)
        elif ch == "\t":
            kept.append(" ")
        elif ch in _BIDI_CONTROLS or unicodedata.category(ch) in ("Cc", "Cs"):
            continue
        else:
            kept.append(ch)
    cleaned = re.sub(r"\n{3,}", "\n\n", "".join(kept)).strip()
    if not cleaned:
        raise PronoiaError(code="message_empty", message=_("Type your question before sending it."), field=field)
    if len(cleaned) > max_chars:
        raise _too_long(len(cleaned), max_chars, field)
    return cleaned


def _too_long(length: int, max_chars: int, field: str) -> PronoiaError:
    return PronoiaError(
        code="message_too_long",
        message=_("Your message has %(length)s characters. Keep it to %(max)s characters or fewer, or split it into several messages.")
        % {"length": number_format(length, force_grouping=True), "max": number_format(max_chars, force_grouping=True)},
        field=field,
    )


def message_too_long_error(length: int) -> PronoiaError:
    return _too_long(length, MESSAGE_MAX_CHARS, "text")


def chat_rate_limit_check(*, session_key: str, address: str) -> int:
    """Count one chat message for this session and this address; seconds to wait, 0 when allowed.

    The sign-in and API limits sit in middleware (core.rate_limits); the chat counts here because
    its WebSocket frames never pass the middleware. Same counters, same cache.
    """
    from django.conf import settings

    from pronoia.core.rate_limits import hit

    if not getattr(settings, "PRONOIA_RATE_LIMITS_ENABLED", True):
        return 0
    limit, window = settings.CONTACT_CHAT_RATE_LIMIT
    keys = [f"chat:ip:{address}"] + ([f"chat:session:{session_key}"] if session_key else [])
    wait = 0
    try:
        for key in keys:
            verdict = hit(key, limit=limit, window=window)
            if not verdict.allowed:
                wait = max(wait, verdict.retry_after)
    except Exception:  # noqa: BLE001 - as in core.rate_limits: a cache outage lets the message through
        return 0
    return wait


def identifiers_mask(text: str) -> tuple[str, bool]:
    """The text with anything that looks like a national identifier hidden, and whether it had one."""
    masked, count = _IDENTIFIER.subn(IDENTIFIER_MASK, text)
    return masked, bool(count)


# ---------------------------------------------------------------- knowledge


@dataclass(frozen=True)
class KnowledgeSource:
    """What the assistant answers from: a retriever over the knowledge base plus the personal intents,
    and how to get an item's (question, answer) in a language."""

    retriever: object
    answer_get: Callable[[str, str], tuple[str, str] | None]

    @classmethod
    def from_entries(cls, entries: list[KnowledgeEntry], *, kind: str = "auto") -> KnowledgeSource:
        combined = [*entries, *_personal_entries()]
        by_id = {e.item_id: e for e in combined}
        return cls(retriever=retriever_build(combined, kind=kind), answer_get=lambda item_id, language: _entry_text(by_id.get(item_id), language))


def _entry_text(entry: KnowledgeEntry | None, language: str) -> tuple[str, str] | None:
    if entry is None:
        return None
    for lang in (language, "en", *sorted(entry.translations)):
        block = entry.translations.get(lang)
        if block and block.get("answer"):
            return block.get("question", ""), block["answer"]
    return None


@functools.lru_cache(maxsize=1)
def _personal_entries() -> tuple[KnowledgeEntry, ...]:
    return tuple(kb_entries_load(PERSONAL_KB_PATH))


def personal_item_ids() -> frozenset[str]:
    return frozenset(e.item_id for e in _personal_entries())


class _WithPersonal:
    """The knowledge base's retriever and one over the personal intents (same kind), rankings merged.

    Scores of both are on the same scale (per-query normalised BM25 / cosine), so one sort works.
    """

    def __init__(self, kb, personal):
        self.kb, self.personal, self.name = kb, personal, kb.name

    def search(self, text: str, *, language: str | None, limit: int = 5):
        rows = [*self.kb.search(text, language=language, limit=limit), *self.personal.search(text, language=language, limit=limit)]
        return sorted(rows, key=lambda r: -r.score)[:limit]


@functools.lru_cache(maxsize=2)
def _personal_retriever(kind: str):
    return retriever_build(list(_personal_entries()), kind=kind)


@functools.lru_cache(maxsize=4)
def _starter_source(country: str) -> KnowledgeSource:
    # Until the knowledge-base selectors exist, the starter KB files of the country are the KB.
    folder = KNOWLEDGE_DIR / country
    entries = kb_entries_load(folder) if folder.is_dir() and any(folder.glob("*.json")) else []
    return KnowledgeSource.from_entries(entries)


def _retriever_for(country: str) -> KnowledgeSource:
    """The one seam to the knowledge base: the published items (contact-kb's selectors) plus the
    personal intents; the starter KB files when those selectors are not installed."""
    try:
        from pronoia.contact.selectors.knowledge import knowledge_answer_get, knowledge_retriever_get
    except ImportError:
        return _starter_source(country)
    kb = knowledge_retriever_get(country=country)
    personal = {e.item_id: e for e in _personal_entries()}

    def answer_get(item_id: str, language: str) -> tuple[str, str] | None:
        if item_id in personal:
            return _entry_text(personal[item_id], language)
        return knowledge_answer_get(item_id=item_id, country=country, language=language)

    return KnowledgeSource(retriever=_WithPersonal(kb, _personal_retriever(kb.name)), answer_get=answer_get)


# ---------------------------------------------------------------- helpers


def _user_ref(actor: Actor):
    return get_user_model()(pk=actor.user_id) if actor.user_id is not None else None


def _locked(conversation: Conversation) -> Conversation:
    return Conversation.objects.select_for_update().get(pk=conversation.pk)


def _say(conversation: Conversation, sender: str, text: str, **fields) -> ConversationMessage:
    return ConversationMessage.objects.create(conversation=conversation, sender=sender, text=text, **fields)


def _push(conversation: Conversation, messages: list[ConversationMessage]) -> None:
    """After commit, tell the person's open sockets which messages are new (ids only: each socket
    loads and renders them itself, for its own session)."""
    from pronoia.contact.consumers import conversation_event_push

    token, ids = conversation.token, [m.pk for m in messages]
    transaction.on_commit(lambda: conversation_event_push(token=token, message_ids=ids))


def _owner_check(conversation: Conversation, actor: Actor) -> None:
    # The token in the session is the key; a signed-in person's conversation is also bound to the user.
    if conversation.user_id is not None and conversation.user_id != actor.user_id:
        raise NotFound(code="conversation_not_found", message=_("There is no such conversation."))


def _open_check(conversation: Conversation) -> None:
    if conversation.state == S.RESOLVED:
        raise PronoiaError(code="conversation_resolved", message=_("This conversation has ended. Write again to start a new one."))


def _suggestion_rows(source: KnowledgeSource, ranking, language: str) -> list[dict]:
    rows = []
    for row in ranking[:SUGGESTIONS_SHOWN]:
        text = source.answer_get(row.item_id, language)
        rows.append({"item_id": row.item_id, "score": round(float(row.score), 4), "title": text[0] if text else row.item_id})
    return rows


# ---------------------------------------------------------------- the person's side


def conversation_start(*, actor: Actor, language: str, country: str | None = None) -> Conversation:
    """A new conversation with the assistant; bound to the signed-in user and whose file they may ask about."""
    from django.conf import settings

    person_id = actor.subject_person_id
    person = Person.objects.filter(pk=person_id).only("pk", "country").first() if person_id else None
    language = language if language in LANGUAGES else "en"
    return Conversation.objects.create(
        user_id=actor.user_id,
        person=person,
        acting_mandate_id=actor.acting_for.mandate_id if actor.acting_for else None,
        language=language,
        country=(person.country if person else country) or settings.PRONOIA_COUNTRY,
    )


@transaction.atomic
def conversation_message_post(*, conversation: Conversation, actor: Actor, text: str) -> list[ConversationMessage]:
    """The person's message and the assistant's replies (none once an operator has the conversation)."""
    _owner_check(conversation, actor)
    _open_check(conversation)
    text = message_clean(text)
    text, had_identifier = identifiers_mask(text)
    conversation = _locked(conversation)
    _open_check(conversation)  # again under the lock: an operator may have just resolved it
    with translation.override(conversation.language):
        new = [_say(conversation, M.PERSON, text)]
        if conversation.state == S.OPEN:
            return new  # the operator reads it on the conversation page
        if had_identifier:
            notice = (
                _("I never look up an identification number typed into the chat, and I have hidden it. "
                  "I can only tell you about your own file: ask about it without a number.")
                if actor.person_id
                else _("I never look up an identification number typed into the chat, and I have hidden it. "
                       "I can only tell you about your own file, once you are signed in.")
            )
            new.append(_say(conversation, M.ASSISTANT, notice, decision="identifier"))
        if handover_requested(text, conversation.language):
            new += _handover(conversation, actor=actor, reason=R.ASKED_FOR_PERSON)
            return new
        new += _assistant_reply(conversation, actor=actor, text=text)
    return new


def _assistant_reply(conversation: Conversation, *, actor: Actor, text: str) -> list[ConversationMessage]:
    source = _retriever_for(conversation.country)
    ranking = source.retriever.search(text, language=conversation.language, limit=5)
    decision = answer_decide(ranking, thresholds_for(source.retriever.name))
    conversation.handover_suggestions = _suggestion_rows(source, ranking, conversation.language)
    conversation.pending_suggestions = []
    if decision.kind == "answer":
        return _answer(conversation, actor=actor, source=source, item_id=decision.item_id)
    if decision.kind == "suggest":
        rows = _suggestion_rows(source, decision.suggestions, conversation.language)
        conversation.pending_suggestions = rows
        conversation.save(update_fields=["handover_suggestions", "pending_suggestions"])
        return [_say(conversation, M.ASSISTANT, _("I am not sure what you mean. Is it one of these?"), decision="suggest", suggestions=rows)]
    return _miss(conversation, actor=actor, text=_(
        "I do not know the answer to that, and I would rather not guess. Try other words, or talk to a person."
    ))


def _miss(conversation: Conversation, *, actor: Actor, text: str) -> list[ConversationMessage]:
    conversation.miss_count += 1
    conversation.pending_suggestions = []
    if conversation.miss_count >= MISSES_BEFORE_HANDOVER:
        return _handover(conversation, actor=actor, reason=R.TWO_MISSES)
    conversation.save(update_fields=["miss_count", "pending_suggestions", "handover_suggestions"])
    return [_say(conversation, M.ASSISTANT, text, decision="unknown")]


def _answer(conversation: Conversation, *, actor: Actor, source: KnowledgeSource, item_id: str) -> list[ConversationMessage]:
    conversation.miss_count = 0
    conversation.pending_suggestions = []
    if item_id in personal_item_ids():
        return _personal_answer(conversation, actor=actor, source=source, item_id=item_id)
    question, answer = source.answer_get(item_id, conversation.language) or ("", "")
    conversation.save(update_fields=["miss_count", "pending_suggestions", "handover_suggestions"])
    if not answer:  # the item was unpublished between search and answer
        return _miss(conversation, actor=actor, text=_("I do not know the answer to that, and I would rather not guess. Try other words, or talk to a person."))
    return [_say(conversation, M.ASSISTANT, answer, title=question, item_id=item_id, decision="answer")]


@transaction.atomic
def conversation_suggestion_pick(*, conversation: Conversation, actor: Actor, item_id: str) -> list[ConversationMessage]:
    """The person picked one of the offered suggestions: it counts as answered."""
    _owner_check(conversation, actor)
    _open_check(conversation)
    conversation = _locked(conversation)
    offered = {row["item_id"]: row for row in conversation.pending_suggestions}
    if conversation.state != S.PENDING or item_id not in offered:
        raise PronoiaError(code="suggestion_unknown", message=_("That suggestion is no longer offered. Ask your question again."), field="item_id")
    with translation.override(conversation.language):
        picked = _say(conversation, M.PERSON, offered[item_id]["title"])
        return [picked, *_answer(conversation, actor=actor, source=_retriever_for(conversation.country), item_id=item_id)]


@transaction.atomic
def conversation_suggestions_decline(*, conversation: Conversation, actor: Actor) -> list[ConversationMessage]:
    """None of the suggestions fits: a miss (the second one hands over)."""
    _owner_check(conversation, actor)
    _open_check(conversation)
    conversation = _locked(conversation)
    if conversation.state != S.PENDING or not conversation.pending_suggestions:
        raise PronoiaError(code="suggestion_unknown", message=_("There are no suggestions to decline. Ask your question again."))
    with translation.override(conversation.language):
        declined = _say(conversation, M.PERSON, _("None of these"))
        return [declined, *_miss(conversation, actor=actor, text=_("Sorry. Try asking in other words, or talk to a person."))]


@transaction.atomic
def conversation_handover_request(*, conversation: Conversation, actor: Actor) -> list[ConversationMessage]:
    """"Talk to a person": hand over now (nothing happens when an operator already has it)."""
    _owner_check(conversation, actor)
    _open_check(conversation)
    conversation = _locked(conversation)
    if conversation.state != S.PENDING:
        return []
    with translation.override(conversation.language):
        return _handover(conversation, actor=actor, reason=R.ASKED_FOR_PERSON)


def _handover(conversation: Conversation, *, actor: Actor, reason: str) -> list[ConversationMessage]:
    # Personal data stays with the second line: a signed-in citizen's personal question goes there.
    personal = conversation.person_id is not None and (bool(conversation.personal_categories) or reason == R.PERSONAL_QUESTION)
    conversation.state = S.OPEN
    conversation.queue = Q_.LINE2 if personal else Q_.LINE1
    conversation.handover_reason = reason
    conversation.bot_handoff = True
    conversation.handed_over_at = timezone.now()
    conversation.pending_suggestions = []
    conversation.save()
    audit_record(
        action="contact_chat_handed_over",
        object_type="conversation",
        object_id=conversation.pk,
        actor=_user_ref(actor),
        actor_label=actor.username,
        person_id=conversation.person_id,
        data={"queue": conversation.queue, "reason": reason, "request_id": actor.request_id},
    )
    return [_say(conversation, M.SYSTEM, _(
        "I am passing this conversation to an operator, with everything you wrote here. They will answer on this page."
    ), decision="handover")]


@transaction.atomic
def conversation_rate(*, conversation: Conversation, actor: Actor, rating, comment: str = "") -> Conversation:
    """The person's rating (1-5) with an optional comment; ends a conversation still with the assistant."""
    _owner_check(conversation, actor)
    try:
        value = int(str(rating).strip())
    except (TypeError, ValueError):
        value = 0
    if not 1 <= value <= 5:
        raise PronoiaError(code="rating_invalid", message=_("Choose a rating from 1 to 5."), field="rating")
    comment = message_clean(comment, field="comment", max_chars=COMMENT_MAX_CHARS) if (comment or "").strip() else ""
    conversation = _locked(conversation)
    if conversation.rating is not None:
        raise PronoiaError(code="already_rated", message=_("You have already rated this conversation. Thank you."), field="rating")
    if conversation.state == S.OPEN:
        raise PronoiaError(code="conversation_not_ended", message=_("You can rate the conversation when it has ended."), field="rating")
    if conversation.state == S.PENDING:
        if not conversation.messages.filter(sender=M.ASSISTANT, decision="answer").exists():
            raise PronoiaError(code="conversation_not_ended", message=_("You can rate the conversation when it has ended."), field="rating")
        conversation.state = S.RESOLVED
        conversation.resolved_at = timezone.now()
        conversation.bot_resolved = True
    conversation.rating = value
    conversation.rating_comment = comment
    conversation.save()
    return conversation


# ---------------------------------------------------------------- personal answers


def _personal_answer(conversation: Conversation, *, actor: Actor, source: KnowledgeSource, item_id: str) -> list[ConversationMessage]:
    question, sign_in_text = source.answer_get(item_id, conversation.language) or ("", "")
    conversation.save(update_fields=["miss_count", "pending_suggestions", "handover_suggestions"])
    person_id = actor.subject_person_id
    if person_id is None or conversation.person_id is None:
        return [_say(conversation, M.ASSISTANT, sign_in_text, title=question, item_id=item_id, decision="answer")]
    if person_id != conversation.person_id:
        # Acting for someone else since the conversation began: its file is not this one's.
        return [_say(conversation, M.ASSISTANT, _("You now act for someone else. Start a new conversation to ask about their file."), item_id=item_id, decision="unknown")]
    person = Person.objects.get(pk=person_id)
    builder = PERSONAL_ANSWERS[item_id]
    try:
        text, categories = builder(actor=actor, person=person)
    except PermissionDenied as exc:  # e.g. the mandate does not cover this data
        return [_say(conversation, M.ASSISTANT, exc.message, title=question, item_id=item_id, decision="unknown")]
    except PronoiaError as exc:  # the file cannot answer this alone: a person can
        conversation.personal_categories = sorted({*conversation.personal_categories, *_categories_of(item_id)})
        conversation.save(update_fields=["personal_categories"])
        said = _say(conversation, M.ASSISTANT, exc.message, title=question, item_id=item_id, decision="unknown", personal=True)
        return [said, *_handover(conversation, actor=actor, reason=R.PERSONAL_QUESTION)]
    conversation.personal_categories = sorted({*conversation.personal_categories, *categories})
    conversation.save(update_fields=["personal_categories"])
    audit_record(
        action="contact_chat_personal_answer",
        object_type="conversation",
        object_id=conversation.pk,
        actor=_user_ref(actor),
        actor_label=actor.username,
        person_id=person.pk,
        data={"item_id": item_id, "categories": sorted(categories), "mandate_id": actor.acting_for.mandate_id if actor.acting_for else None, "request_id": actor.request_id},
    )
    return [_say(conversation, M.ASSISTANT, text, title=question, item_id=item_id, decision="answer", personal=True)]


def _insured_time(*, actor: Actor, person: Person) -> tuple[str, list[str]]:
    from pronoia.insurance.selectors import insurance_record_get

    totals = insurance_record_get(actor=actor, person=person, purpose="chat: insured time")["totals"]
    days = totals["days"]
    text = ngettext(
        "Your insurance record has %(days)s day of insurance.",
        "Your insurance record has %(days)s days of insurance.",
        days,
    ) % {"days": number_format(days, force_grouping=True)}
    text += " " + _("In insured years that is %(years)s (%(per_year)s days make one insured year).") % {
        "years": number_format(totals["insured_years"], decimal_pos=2), "per_year": totals["days_per_insured_year"],
    }
    return text, [DataCategory.INSURANCE_RECORD]


def _employers(*, actor: Actor, person: Person) -> tuple[str, list[str]]:
    from pronoia.insurance.selectors import insurance_record_get

    employers = insurance_record_get(actor=actor, person=person, purpose="chat: employers")["employers"]
    if not employers:
        return _("No employer is on your insurance record."), [DataCategory.INSURANCE_RECORD]
    lines = [
        ngettext(
            "%(count)s employer is on your insurance record:",
            "%(count)s employers are on your insurance record:",
            len(employers),
        ) % {"count": len(employers)}
    ]
    for row in employers:
        lines.append(_("%(name)s, from %(start)s to %(end)s") % {
            "name": row["name"], "start": _day(row["first_from"]), "end": _day(row["last_to"]),
        })
    return "\n".join(lines), [DataCategory.INSURANCE_RECORD]


def _applications(*, actor: Actor, person: Person) -> tuple[str, list[str]]:
    from pronoia.services.selectors import applications_for_person

    applications = applications_for_person(actor=actor, person_id=person.pk)
    if not applications:
        return _("You have no applications."), [DataCategory.APPLICATIONS]
    lines = [
        ngettext("You have %(count)s application:", "You have %(count)s applications:", len(applications)) % {"count": len(applications)}
    ]
    for row in applications[:10]:
        lines.append(_("%(service)s (%(protocol)s): %(status)s") % {"service": row["service_title"], "protocol": row["protocol"], "status": row["status_label"]})
    if len(applications) > 10:
        lines.append(_("See all of them under “My applications”."))
    return "\n".join(lines), [DataCategory.APPLICATIONS]


def _pension_date(*, actor: Actor, person: Person) -> tuple[str, list[str]]:
    from pronoia.pensions.forecast import WhatIf, pension_forecast_get

    forecast = pension_forecast_get(actor=actor, person=person, what_if=WhatIf(), today=timezone.localdate())
    full, reduced = forecast["earliest_full_date"], forecast["earliest_reduced_date"]
    if not full and not reduced:
        raise PronoiaError(code="pension_date_unknown", message=_("Your record alone does not give an earliest pension date."))
    lines = []
    if full:
        lines.append(_("The earliest date for a full pension, from your record and if you keep working as now, is %(date)s.") % {"date": _day(full)})
    if reduced and reduced != full:
        lines.append(_("A reduced pension could start on %(date)s.") % {"date": _day(reduced)})
    lines.append(_("This is an estimate, not a decision. The pension forecast page shows how it is worked out."))
    return "\n".join(lines), [DataCategory.INSURANCE_RECORD, DataCategory.PENSION]


def _day(iso: str) -> str:
    return date_format(datetime.date.fromisoformat(iso[:10]), "DATE_FORMAT")


PERSONAL_ANSWERS: dict[str, Callable[..., tuple[str, list[str]]]] = {
    "personal-insured-time": _insured_time,
    "personal-employers": _employers,
    "personal-applications": _applications,
    "personal-pension-date": _pension_date,
}


def _categories_of(item_id: str) -> list[str]:
    return {
        "personal-applications": [DataCategory.APPLICATIONS],
        "personal-pension-date": [DataCategory.INSURANCE_RECORD, DataCategory.PENSION],
    }.get(item_id, [DataCategory.INSURANCE_RECORD])


@transaction.atomic
def conversations_idle_close(*, idle: datetime.timedelta = datetime.timedelta(hours=24), now: datetime.datetime | None = None) -> int:
    """End conversations still with the assistant and silent for `idle`: resolved by the assistant
    when it answered something (bot_resolved), else just resolved. Handed-over ones wait for operators.
    Idempotent; meant for a periodic task. Returns how many it closed."""
    now = now or timezone.now()
    closed = 0
    stale = Conversation.objects.select_for_update().filter(state=S.PENDING).exclude(messages__created_at__gte=now - idle).filter(created_at__lt=now - idle)
    for conversation in stale:
        answered = conversation.messages.filter(sender=M.ASSISTANT, decision="answer").exists()
        conversation.state, conversation.resolved_at, conversation.bot_resolved = S.RESOLVED, now, answered
        conversation.pending_suggestions = []
        conversation.save(update_fields=["state", "resolved_at", "bot_resolved", "pending_suggestions"])
        closed += 1
    return closed


# ---------------------------------------------------------------- operators


def _acting_lines(actor: Actor) -> frozenset[str]:
    # The lines an operator may act on (supervisors read every line, selectors.operator_lines, and act on none).
    if actor.has_role(Role.OPERATOR_L2):
        return frozenset({Q_.LINE1, Q_.LINE2})
    if actor.has_role(Role.OPERATOR_L1):
        return frozenset({Q_.LINE1})
    return frozenset()


def _assigned_check(conversation: Conversation, actor: Actor) -> None:
    if conversation.assigned_to_id != actor.user_id or conversation.state != S.OPEN:
        raise PermissionDenied(code="conversation_not_yours", message=_("Take the conversation before you answer or close it."))


@transaction.atomic
def conversation_take(*, conversation: Conversation, actor: Actor) -> Conversation:
    """Assign a waiting conversation to the operator; refused when another operator has it.

    On the second line the operator then sees who the person is and the answers from their file:
    that is logged in the personal-data access log with the conversation as the reason.
    """
    conversation = _locked(conversation)
    if conversation.queue not in _acting_lines(actor):
        raise PermissionDenied(code="conversation_line_denied", message=_("This conversation is for another line of operators."))
    if conversation.state != S.OPEN:
        raise PronoiaError(code="conversation_not_waiting", message=_("This conversation is not waiting for an operator."), status_code=409)
    if conversation.assigned_to_id is not None:
        if conversation.assigned_to_id == actor.user_id:
            return conversation
        raise PronoiaError(code="conversation_taken", message=_("Another operator has already taken this conversation."), status_code=409)
    conversation.assigned_to_id = actor.user_id
    conversation.save(update_fields=["assigned_to"])
    if conversation.queue == Q_.LINE2 and conversation.person_id is not None:
        data_access_record(
            person_id=conversation.person_id,
            actor_user_id=actor.user_id,
            actor_label=actor.username,
            actor_role=actor.primary_role,
            categories=sorted({DataCategory.IDENTITY, *conversation.personal_categories}),
            purpose=f"Chat hand-over, conversation {conversation.pk}",
            channel=Channel.CONTACT_CENTRE,
            request_id=actor.request_id,
            unit=actor.unit,
        )
    audit_record(
        action="contact_chat_taken", object_type="conversation", object_id=conversation.pk, actor=_user_ref(actor),
        actor_label=actor.username, person_id=conversation.person_id, data={"queue": conversation.queue, "request_id": actor.request_id},
    )
    with translation.override(conversation.language):
        _push(conversation, [_say(conversation, M.SYSTEM, _("An operator has joined the conversation."), decision="taken")])
    return conversation


@transaction.atomic
def conversation_operator_reply(*, conversation: Conversation, actor: Actor, text: str) -> ConversationMessage:
    """The assigned operator's answer; pushed to the person's open page."""
    text = message_clean(text)
    conversation = _locked(conversation)
    _assigned_check(conversation, actor)
    message = _say(conversation, M.OPERATOR, text, author_id=actor.user_id)
    if conversation.first_response_at is None:
        conversation.first_response_at = message.created_at
        conversation.save(update_fields=["first_response_at"])
    audit_record(
        action="contact_chat_replied", object_type="conversation", object_id=conversation.pk, actor=_user_ref(actor),
        actor_label=actor.username, person_id=conversation.person_id, data={"message_id": message.pk, "request_id": actor.request_id},
    )
    _push(conversation, [message])
    return message


@transaction.atomic
def conversation_resolve(*, conversation: Conversation, actor: Actor) -> Conversation:
    """The assigned operator closes the conversation; the person may then rate it."""
    conversation = _locked(conversation)
    _assigned_check(conversation, actor)
    conversation.state = S.RESOLVED
    conversation.resolved_at = timezone.now()
    conversation.save(update_fields=["state", "resolved_at"])
    audit_record(
        action="contact_chat_resolved", object_type="conversation", object_id=conversation.pk, actor=_user_ref(actor),
        actor_label=actor.username, person_id=conversation.person_id, data={"request_id": actor.request_id},
    )
    with translation.override(conversation.language):
        _push(conversation, [_say(conversation, M.SYSTEM, _("The operator has closed this conversation. You can rate it below."), decision="resolved")])
    return conversation


@transaction.atomic
def conversation_kb_propose(*, conversation: Conversation, actor: Actor, text: str) -> None:
    """An operator proposes a knowledge-base item (or a change) from this conversation for review."""
    if conversation.queue not in _acting_lines(actor):
        raise PermissionDenied(code="conversation_line_denied", message=_("This conversation is for another line of operators."))
    text = message_clean(text)
    try:
        from pronoia.contact.services.knowledge import knowledge_proposal_create
    except ImportError:
        knowledge_proposal_create = None
    if knowledge_proposal_create is not None:
        knowledge_proposal_create(actor=actor, country=conversation.country, text=text, language=conversation.language, conversation_id=conversation.pk)
    audit_record(
        action="contact_chat_kb_proposed", object_type="conversation", object_id=conversation.pk, actor=_user_ref(actor),
        actor_label=actor.username,
        # Without the knowledge-base review (not installed), the audit event keeps the proposal's text.
        data={"language": conversation.language, "request_id": actor.request_id, **({} if knowledge_proposal_create else {"text": text})},
    )
