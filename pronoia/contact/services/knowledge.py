"""Writes of the knowledge base: drafts, review, publishing, retiring, operators' proposals, import.

Every write checks the actor's role, runs in a transaction, writes an audit event, and (publish,
retire, import) bumps the country's revision and schedules the rebuild of the dense vectors after
commit. Translations are validated here (`translations_clean`):

- languages: en, el, pl, bg, ru; **English and the country's language are required** for the
  built-in categories (the portal always has an English answer to fall back to, and the country's
  own language is what most callers write in). Items of a free category brought by an imported set
  (e.g. `clinc150`, English only) need English only.
- question and answer non-empty, variants a list of strings; question and each variant at most
  300 characters, answer at most 4 000, at most 30 variants; control characters (and bidirectional
  overrides) refused; newlines and tabs are allowed in answers only.

A draft may be incomplete while it is written (only the format is checked when it is saved);
completeness is checked when it is submitted for review, approved, published or imported.
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from pronoia.accounts.actors import Actor
from pronoia.accounts.roles import Channel, Role
from pronoia.audit.services import audit_record
from pronoia.contact.models.knowledge import (
    KNOWLEDGE_LANGUAGES,
    KnowledgeCategory,
    KnowledgeItem,
    KnowledgeItemStatus,
    KnowledgeProposal,
    KnowledgeRevision,
    KnowledgeVersion,
    KnowledgeVersionStatus,
)
from pronoia.core.errors import NotFound, PermissionDenied, PronoiaError

QUESTION_MAX_CHARS = 300
VARIANT_MAX_CHARS = 300
ANSWER_MAX_CHARS = 4000
VARIANTS_MAX = 30
NOTE_MAX_CHARS = 2000
PROPOSAL_MAX_CHARS = 4000
IMPORT_MAX_BYTES = 5 * 1024 * 1024  # the starter set is ~0.5 MB; a file per upload or per command path
IMPORT_MAX_ITEMS = 5000
ITEM_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,99}$")
CATEGORY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,49}$")
COUNTRY_LANGUAGE = {"gr": "el", "pl": "pl", "bg": "bg"}
SYSTEM_LABEL = "system"
FIELDS = ("question", "variants", "answer")
# Bidirectional overrides and isolates: they make a text read differently from what it holds.
_BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def required_languages(*, country: str, category: str) -> tuple[str, ...]:
    if category not in KnowledgeCategory.values:
        return ("en",)
    country_language = COUNTRY_LANGUAGE.get(country, "en")
    return ("en",) if country_language == "en" else ("en", country_language)


def _language_name(language: str) -> str:
    from django.conf import settings

    return str(dict(settings.LANGUAGES).get(language, language))


def _field_label(name: str) -> str:
    return {"question": _("question"), "variants": _("variants"), "answer": _("answer")}[name]


def _bad(code: str, message: str, language: str, name: str) -> PronoiaError:
    where = _("%(language)s, %(field)s") % {"language": _language_name(language), "field": _field_label(name)}
    return PronoiaError(code=code, message=f"{where}: {message}", field=f"translations.{language}.{name}")


def _text_clean(value, *, language: str, name: str, limit: int, multiline: bool) -> str:
    if not isinstance(value, str):
        raise _bad("kb_type", _("must be text."), language, name)
    text = unicodedata.normalize("NFC", value.replace("\r\n", "\n").replace("\r", "\n")).strip()
    for char in text:
        allowed = multiline and char in "\n\t"
        if not allowed and (unicodedata.category(char) == "Cc" or char in _BIDI_CONTROLS):
            raise _bad("kb_control_character", _("holds a control character (U+%(code)04X); remove it.") % {"code": ord(char)}, language, name)
    if len(text) > limit:
        raise _bad("kb_too_long", _("must be %(max)s characters or fewer (it has %(count)s).") % {"max": limit, "count": len(text)}, language, name)
    return text


def translations_clean(*, translations, country: str, category: str, complete: bool = True) -> dict:
    """The translations checked and normalised (NFC, trimmed, empty variants dropped), in language order.

    Raises PronoiaError naming the language and the field (`field` = "translations.<lang>.<field>").
    With complete=False (a draft being written) required languages and empty texts are allowed.
    """
    if not isinstance(translations, dict):
        raise PronoiaError(code="kb_type", message=_("The translations must be an object keyed by language."), field="translations")
    unknown = sorted(set(translations) - set(KNOWLEDGE_LANGUAGES), key=str)
    if unknown:
        raise PronoiaError(
            code="kb_language",
            message=_("Unknown language %(language)s: use one of %(languages)s.") % {"language": unknown[0], "languages": ", ".join(KNOWLEDGE_LANGUAGES)},
            field="translations",
        )
    clean: dict[str, dict] = {}
    for language in KNOWLEDGE_LANGUAGES:
        if language not in translations:
            continue
        block = translations[language]
        if not isinstance(block, dict):
            raise _bad("kb_type", _("must be an object with question, variants and answer."), language, "question")
        extra = sorted(set(block) - set(FIELDS), key=str)
        if extra:
            raise _bad("kb_type", _("unknown field %(name)s.") % {"name": extra[0]}, language, "question")
        question = _text_clean(block.get("question", ""), language=language, name="question", limit=QUESTION_MAX_CHARS, multiline=False)
        answer = _text_clean(block.get("answer", ""), language=language, name="answer", limit=ANSWER_MAX_CHARS, multiline=True)
        raw_variants = block.get("variants", [])
        if raw_variants is None:
            raw_variants = []
        if not isinstance(raw_variants, list):
            raise _bad("kb_type", _("must be a list of texts."), language, "variants")
        variants: list[str] = []
        for raw in raw_variants:
            variant = _text_clean(raw, language=language, name="variants", limit=VARIANT_MAX_CHARS, multiline=False)
            if variant and variant not in variants:
                variants.append(variant)
        if len(variants) > VARIANTS_MAX:
            raise _bad("kb_too_many", _("at most %(max)s variants (there are %(count)s).") % {"max": VARIANTS_MAX, "count": len(variants)}, language, "variants")
        if not (question or answer or variants):
            continue  # a language left empty in the form is simply absent
        if complete and not question:
            raise _bad("kb_missing", _("is empty."), language, "question")
        if complete and not answer:
            raise _bad("kb_missing", _("is empty."), language, "answer")
        clean[language] = {"question": question, "variants": variants, "answer": answer}
    if complete:
        for language in required_languages(country=country, category=category):
            if language not in clean:
                raise _bad("kb_language_missing", _("is required: every item needs English and the country's language."), language, "question")
    return clean


def _item_id_check(item_id) -> str:
    if not isinstance(item_id, str) or not ITEM_ID_PATTERN.match(item_id):
        raise PronoiaError(
            code="kb_item_id",
            message=_("The id must be 1 to 100 lowercase letters, digits, dots, hyphens or underscores, starting with a letter or digit (for example hist-001)."),
            field="item_id",
        )
    return item_id


def _category_check(category, *, free: bool) -> str:
    if free:
        ok = isinstance(category, str) and bool(CATEGORY_PATTERN.match(category))
    else:
        ok = category in KnowledgeCategory.values
    if not ok:
        message = _("The category must be 1 to 50 lowercase letters, digits, hyphens or underscores.") if free else _("Choose a category from the list.")
        raise PronoiaError(code="kb_category", message=message, field="category")
    return category


# --- actors ---------------------------------------------------------------------------------


def _user_ref(actor: Actor):
    return get_user_model()(pk=actor.user_id) if actor.user_id is not None else None


def _is_system(actor: Actor) -> bool:
    return actor.user_id is None and actor.channel == Channel.COMMAND


def _label(actor: Actor) -> str:
    return SYSTEM_LABEL if _is_system(actor) else actor.username


def _content_manager_require(actor: Actor, *, system_allowed: bool = False) -> None:
    if system_allowed and _is_system(actor):
        return
    if not actor.has_role(Role.CONTENT_MANAGER):
        raise PermissionDenied(code="role_denied", message=_("Only content managers maintain the knowledge base."))
    if not actor.otp_verified:
        raise PermissionDenied(code="second_factor_required", message=_("Confirm your second factor first."))


def _audit(action: str, *, actor: Actor, item: KnowledgeItem, data: dict | None = None) -> None:
    audit_record(
        action=action,
        object_type="knowledge_item",
        object_id=item.pk,
        actor=_user_ref(actor),
        actor_label=_label(actor),
        data={"item_id": item.item_id, "country": item.country, "request_id": actor.request_id, **(data or {})},
    )


# --- state of an item -----------------------------------------------------------------------


def text_fold(text: str) -> str:
    """Case- and accent-folded text for the list's search (the same fold is applied to the query)."""
    decomposed = unicodedata.normalize("NFD", text.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


def _search_text(item: KnowledgeItem, versions: list[KnowledgeVersion]) -> str:
    parts = [item.item_id]
    for version in versions:
        for block in version.translations.values():
            parts.extend([block.get("question", ""), *block.get("variants", []), block.get("answer", "")])
    return text_fold("\n".join(parts))


def _item_refresh(item: KnowledgeItem, latest: KnowledgeVersion) -> None:
    """Recompute the item's status, category and search text after a change of its versions."""
    item.latest_version = latest
    item.category = latest.category
    if item.status == KnowledgeItemStatus.RETIRED:
        pass  # stays retired until a new version is published (_publish sets the status first)
    elif item.published_version_id is not None:
        item.status = KnowledgeItemStatus.PUBLISHED
    elif latest.status in (KnowledgeVersionStatus.IN_REVIEW, KnowledgeVersionStatus.APPROVED):
        item.status = KnowledgeItemStatus.IN_REVIEW
    else:
        item.status = KnowledgeItemStatus.DRAFT
    shown = [latest] if item.published_version is None or item.published_version.pk == latest.pk else [latest, item.published_version]
    item.search_text = _search_text(item, shown)
    item.save()


def _revision_bump(country: str) -> None:
    KnowledgeRevision.objects.get_or_create(country=country)
    KnowledgeRevision.objects.filter(country=country).update(number=F("number") + 1)


def _rebuild_schedule(country: str) -> None:
    from pronoia.contact.tasks import knowledge_vectors_rebuild

    transaction.on_commit(lambda: knowledge_vectors_rebuild(country))


def _item_lock(*, item_pk: int) -> KnowledgeItem:
    item = KnowledgeItem.objects.select_for_update().filter(pk=item_pk).first()
    if item is None:
        raise NotFound(code="kb_item_not_found", message=_("There is no such knowledge-base item."))
    return item


def _open_version(item: KnowledgeItem, *, number: int | None) -> KnowledgeVersion:
    """The item's latest version when it is not published yet; `number` guards against a stale page."""
    version = item.latest_version
    if version is None or version.status in (KnowledgeVersionStatus.PUBLISHED, KnowledgeVersionStatus.SUPERSEDED):
        raise PronoiaError(code="kb_no_open_version", message=_("This item has no version waiting; edit it to start a new draft."))
    if number is not None and version.number != number:
        raise PronoiaError(
            code="kb_version_changed",
            message=_("Version %(number)s is no longer the latest (now %(latest)s): look at it again.") % {"number": number, "latest": version.number},
        )
    return version


# --- drafts ---------------------------------------------------------------------------------


@transaction.atomic
def knowledge_item_create(*, actor: Actor, country: str, item_id: str, category: str, translations: dict, proposal: KnowledgeProposal | None = None) -> KnowledgeItem:
    """A new item with its first version as a draft (it may still be incomplete)."""
    _content_manager_require(actor)
    from pronoia.core.countries import Country

    if country not in Country.values:
        raise PronoiaError(code="kb_country", message=_("Choose a country from the list."), field="country")
    _item_id_check(item_id)
    _category_check(category, free=False)
    clean = translations_clean(translations=translations, country=country, category=category, complete=False)
    exists = PronoiaError(code="kb_item_exists", message=_("An item with the id %(id)s already exists.") % {"id": item_id}, field="item_id")
    if KnowledgeItem.objects.filter(country=country, item_id=item_id).exists():
        raise exists
    try:
        with transaction.atomic():  # another manager may create the same id at the same moment
            item = KnowledgeItem.objects.create(country=country, item_id=item_id, category=category)
    except IntegrityError:
        raise exists from None
    version = KnowledgeVersion.objects.create(
        item=item, number=1, category=category, translations=clean, author=_user_ref(actor), author_label=_label(actor), proposal=proposal
    )
    _item_refresh(item, version)
    _audit("kb_item_created", actor=actor, item=item, data={"version": 1})
    return item


@transaction.atomic
def knowledge_draft_save(*, actor: Actor, item_pk: int, category: str, translations: dict, base_number: int | None = None) -> KnowledgeVersion:
    """Save the text of the item's draft; on a published (or retired) item this starts a new draft.

    A version in review or approved cannot be edited (reject it first); a published version never is.
    `base_number` is the version the editor started from: if another draft appeared since, refuse.
    """
    _content_manager_require(actor)
    item = _item_lock(item_pk=item_pk)
    free = item.category not in KnowledgeCategory.values and category == item.category
    _category_check(category, free=free)
    clean = translations_clean(translations=translations, country=item.country, category=category, complete=False)
    latest = item.latest_version
    if base_number is not None and latest is not None and latest.number != base_number:
        raise PronoiaError(
            code="kb_version_changed",
            message=_("Someone saved version %(latest)s while you were editing version %(number)s: open the item again.") % {"latest": latest.number, "number": base_number},
        )
    if latest is not None and latest.status in (KnowledgeVersionStatus.IN_REVIEW, KnowledgeVersionStatus.APPROVED):
        raise PronoiaError(code="kb_version_in_review", message=_("Version %(number)s is in review: it can be changed only after it is rejected.") % {"number": latest.number})
    if latest is not None and latest.is_editable:
        latest.category = category
        latest.translations = clean
        latest.status = KnowledgeVersionStatus.DRAFT
        latest.save(update_fields=["category", "translations", "status", "updated_at"])
        version = latest
        created = False
    else:
        number = (latest.number if latest else 0) + 1
        version = KnowledgeVersion.objects.create(
            item=item, number=number, category=category, translations=clean, author=_user_ref(actor), author_label=_label(actor)
        )
        created = True
    _item_refresh(item, version)
    _audit("kb_draft_saved", actor=actor, item=item, data={"version": version.number, "new_version": created})
    return version


@transaction.atomic
def knowledge_version_submit(*, actor: Actor, item_pk: int, number: int | None = None) -> KnowledgeVersion:
    _content_manager_require(actor)
    item = _item_lock(item_pk=item_pk)
    version = _open_version(item, number=number)
    if not version.is_editable:
        raise PronoiaError(code="kb_already_submitted", message=_("Version %(number)s is already in review.") % {"number": version.number})
    translations_clean(translations=version.translations, country=item.country, category=version.category, complete=True)
    version.status = KnowledgeVersionStatus.IN_REVIEW
    version.submitted_at = timezone.now()
    version.reviewer, version.reviewer_label, version.reviewed_at, version.review_note = None, "", None, ""
    version.save()
    _item_refresh(item, version)
    _audit("kb_version_submitted", actor=actor, item=item, data={"version": version.number})
    return version


@transaction.atomic
def knowledge_version_approve(*, actor: Actor, item_pk: int, number: int | None = None, note: str = "") -> KnowledgeVersion:
    """Approve the version in review; the reviewer must be another content manager than its author."""
    _content_manager_require(actor)
    item = _item_lock(item_pk=item_pk)
    version = _open_version(item, number=number)
    if version.status != KnowledgeVersionStatus.IN_REVIEW:
        raise PronoiaError(code="kb_not_in_review", message=_("Only a version in review can be approved."))
    if version.author_id is not None and version.author_id == actor.user_id:
        raise PermissionDenied(
            code="kb_self_approval",
            message=_("You wrote this version, so another content manager must review it."),
        )
    translations_clean(translations=version.translations, country=item.country, category=version.category, complete=True)
    version.status = KnowledgeVersionStatus.APPROVED
    version.reviewer, version.reviewer_label = _user_ref(actor), _label(actor)
    version.reviewed_at = timezone.now()
    version.review_note = _note_clean(note, required=False)
    version.save()
    _item_refresh(item, version)
    _audit("kb_version_approved", actor=actor, item=item, data={"version": version.number})
    return version


def _note_clean(note: str, *, required: bool) -> str:
    note = (note or "").strip()
    if required and not note:
        raise PronoiaError(code="kb_note_required", message=_("Say what must change."), field="note")
    if len(note) > NOTE_MAX_CHARS:
        raise PronoiaError(code="kb_note_too_long", message=_("The note must be %(max)s characters or fewer.") % {"max": NOTE_MAX_CHARS}, field="note")
    if any(unicodedata.category(c) == "Cc" and c not in "\n\t" for c in note):
        raise PronoiaError(code="kb_control_character", message=_("The note holds a control character; remove it."), field="note")
    return note


@transaction.atomic
def knowledge_version_reject(*, actor: Actor, item_pk: int, note: str, number: int | None = None) -> KnowledgeVersion:
    """Send the version in review (or approved, not yet published) back to its author with a note."""
    _content_manager_require(actor)
    item = _item_lock(item_pk=item_pk)
    version = _open_version(item, number=number)
    if version.status not in (KnowledgeVersionStatus.IN_REVIEW, KnowledgeVersionStatus.APPROVED):
        raise PronoiaError(code="kb_not_in_review", message=_("Only a version in review can be rejected."))
    note = _note_clean(note, required=True)
    version.status = KnowledgeVersionStatus.REJECTED
    version.reviewer, version.reviewer_label = _user_ref(actor), _label(actor)
    version.reviewed_at = timezone.now()
    version.review_note = note
    version.save()
    _item_refresh(item, version)
    _audit("kb_version_rejected", actor=actor, item=item, data={"version": version.number, "note": note})
    return version


def _publish(*, actor: Actor, item: KnowledgeItem, version: KnowledgeVersion) -> None:
    now = timezone.now()
    previous = item.published_version
    if previous is not None and previous.pk != version.pk:
        previous.status = KnowledgeVersionStatus.SUPERSEDED
        previous.save(update_fields=["status", "updated_at"])
    version.status = KnowledgeVersionStatus.PUBLISHED
    version.published_at = now
    version.published_by_label = _label(actor)
    version.save()
    item.published_version = version
    item.status = KnowledgeItemStatus.PUBLISHED
    _item_refresh(item, version)


@transaction.atomic
def knowledge_version_publish(*, actor: Actor, item_pk: int, number: int | None = None) -> KnowledgeVersion:
    """The approved version becomes the item's current text; the one it replaces stays as history."""
    _content_manager_require(actor)
    item = _item_lock(item_pk=item_pk)
    version = _open_version(item, number=number)
    if version.status != KnowledgeVersionStatus.APPROVED:
        raise PronoiaError(code="kb_not_approved", message=_("Only an approved version can be published."))
    _publish(actor=actor, item=item, version=version)
    _revision_bump(item.country)
    _rebuild_schedule(item.country)
    _audit("kb_version_published", actor=actor, item=item, data={"version": version.number})
    return version


@transaction.atomic
def knowledge_item_retire(*, actor: Actor, item_pk: int, note: str = "") -> KnowledgeItem:
    """Take a published item out of the assistant's answers (its versions stay)."""
    _content_manager_require(actor)
    item = _item_lock(item_pk=item_pk)
    if item.status != KnowledgeItemStatus.PUBLISHED:
        raise PronoiaError(code="kb_not_published", message=_("Only a published item can be retired."))
    item.status = KnowledgeItemStatus.RETIRED
    item.save(update_fields=["status", "updated_at"])
    _revision_bump(item.country)
    _rebuild_schedule(item.country)
    _audit("kb_item_retired", actor=actor, item=item, data={"note": _note_clean(note, required=False)})
    return item


# --- proposals ------------------------------------------------------------------------------


@transaction.atomic
def knowledge_proposal_create(
    *, actor: Actor, country: str, text: str, language: str, item_id: str = "", conversation_id: int | None = None
) -> KnowledgeProposal:
    """An operator proposes a new item (no item_id) or a change of the item `item_id`."""
    if not actor.has_role(Role.OPERATOR_L1, Role.OPERATOR_L2, Role.SUPERVISOR, Role.CONTENT_MANAGER):
        raise PermissionDenied(code="role_denied", message=_("Only contact-centre staff propose knowledge-base items."))
    from pronoia.core.countries import Country

    if country not in Country.values:
        raise PronoiaError(code="kb_country", message=_("Choose a country from the list."), field="country")
    if language not in KNOWLEDGE_LANGUAGES:
        raise PronoiaError(code="kb_language", message=_("Choose a language from the list."), field="language")
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        raise PronoiaError(code="kb_proposal_empty", message=_("Write the question and the answer you propose."), field="text")
    if len(text) > PROPOSAL_MAX_CHARS:
        raise PronoiaError(code="kb_proposal_too_long", message=_("The proposal must be %(max)s characters or fewer.") % {"max": PROPOSAL_MAX_CHARS}, field="text")
    if any((unicodedata.category(c) == "Cc" and c not in "\n\t") or c in _BIDI_CONTROLS for c in text):
        raise PronoiaError(code="kb_control_character", message=_("The proposal holds a control character; remove it."), field="text")
    item = None
    if item_id:
        item = KnowledgeItem.objects.filter(country=country, item_id=item_id).first()
        if item is None:
            raise PronoiaError(code="kb_item_not_found", message=_("There is no item with the id %(id)s.") % {"id": item_id}, field="item_id")
    if conversation_id is not None and (not isinstance(conversation_id, int) or conversation_id < 1):
        raise PronoiaError(code="kb_conversation", message=_("The conversation number is not valid."), field="conversation_id")
    proposal = KnowledgeProposal.objects.create(
        country=country, item=item, text=text, language=language, conversation_id=conversation_id,
        proposer=_user_ref(actor), proposer_label=actor.username,
    )
    audit_record(
        action="kb_proposal_created", object_type="knowledge_proposal", object_id=proposal.pk, actor=_user_ref(actor),
        actor_label=actor.username, data={"item_id": item_id, "conversation_id": conversation_id, "request_id": actor.request_id},
    )
    return proposal


def _proposal_open(proposal_pk: int) -> KnowledgeProposal:
    proposal = KnowledgeProposal.objects.select_for_update().filter(pk=proposal_pk).first()
    if proposal is None:
        raise NotFound(code="kb_proposal_not_found", message=_("There is no such proposal."))
    if proposal.status != KnowledgeProposal.Status.OPEN:
        raise PronoiaError(code="kb_proposal_decided", message=_("This proposal has already been dealt with."))
    return proposal


def _proposal_decide(proposal: KnowledgeProposal, *, actor: Actor, status: str, note: str = "") -> None:
    proposal.status = status
    proposal.decided_by, proposal.decided_by_label = _user_ref(actor), actor.username
    proposal.decided_at = timezone.now()
    proposal.decision_note = note
    proposal.save()
    audit_record(
        action=f"kb_proposal_{status}", object_type="knowledge_proposal", object_id=proposal.pk, actor=_user_ref(actor),
        actor_label=actor.username, data={"request_id": actor.request_id, "note": note},
    )


def _proposal_seed(proposal: KnowledgeProposal) -> dict:
    """The proposal's text placed in its language: as the question when it fits, else as the answer."""
    text = proposal.text
    if len(text) <= QUESTION_MAX_CHARS and "\n" not in text:
        return {"question": text, "variants": [], "answer": ""}
    return {"question": "", "variants": [], "answer": text[:ANSWER_MAX_CHARS]}


@transaction.atomic
def knowledge_proposal_draft(*, actor: Actor, proposal_pk: int, item_id: str = "", category: str = "") -> KnowledgeVersion:
    """Turn a proposal into a draft: of the proposed item (new) or a new draft of the item it names."""
    _content_manager_require(actor)
    proposal = _proposal_open(proposal_pk)
    if proposal.item_id is None:
        item = knowledge_item_create(
            actor=actor, country=proposal.country, item_id=item_id, category=category,
            translations={proposal.language: _proposal_seed(proposal)}, proposal=proposal,
        )
        version = item.latest_version
    else:
        item = proposal.item
        latest = item.latest_version
        translations = dict(latest.translations) if latest else {}
        version = knowledge_draft_save(actor=actor, item_pk=item.pk, category=item.category, translations=translations)
        version.proposal = proposal
        version.save(update_fields=["proposal", "updated_at"])
    _proposal_decide(proposal, actor=actor, status=KnowledgeProposal.Status.DRAFTED)
    return version


@transaction.atomic
def knowledge_proposal_decline(*, actor: Actor, proposal_pk: int, note: str) -> KnowledgeProposal:
    _content_manager_require(actor)
    proposal = _proposal_open(proposal_pk)
    _proposal_decide(proposal, actor=actor, status=KnowledgeProposal.Status.DECLINED, note=_note_clean(note, required=True))
    return proposal


# --- import ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ImportItem:
    item_id: str
    category: str
    translations: dict
    source: str  # "file, item N (id x)" for errors found later


@dataclass
class ImportResult:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    published: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.published)


def _where(*, name: str, index: int | None, item_id=None, field_name: str | None = None) -> str:
    where = name
    if index is not None:
        if isinstance(item_id, str) and item_id:
            where += ", " + _("item %(index)s (id %(id)s)") % {"index": index + 1, "id": item_id}
        else:
            where += ", " + _("item %(index)s") % {"index": index + 1}
    if field_name:
        where += ", " + _("field %(field)s") % {"field": field_name}
    return where


def knowledge_file_parse(*, data: bytes, name: str, country: str, max_bytes: int = IMPORT_MAX_BYTES) -> list[ImportItem]:
    """Items of one import-format JSON file (`[{"id", "category", "translations"}]`), all checked.

    Errors are PronoiaError whose message names the file, the item (1-based index and id) and the field.
    """
    def fail(code: str, message: str, index: int | None = None, item_id=None, field_name: str | None = None):
        where = _where(name=name, index=index, item_id=item_id, field_name=field_name)
        raise PronoiaError(code=code, message=f"{where}: {message}", field="file")

    if len(data) > max_bytes:
        fail("kb_file_too_large", _("the file is larger than %(max)s MB.") % {"max": max_bytes // (1024 * 1024)})
    if not data.strip():
        fail("kb_file_empty", _("the file is empty."))
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        fail("kb_file_encoding", _("the file is not UTF-8 text (byte %(position)s).") % {"position": exc.start})
    try:
        parsed = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        detail = _("line %(line)s, column %(column)s") % {"line": exc.lineno, "column": exc.colno} if isinstance(exc, json.JSONDecodeError) else _("nested too deeply")
        fail("kb_file_json", _("the file is not valid JSON (%(detail)s).") % {"detail": detail})
    if not isinstance(parsed, list):
        fail("kb_file_shape", _("the file must hold a JSON list of items."))
    if len(parsed) > IMPORT_MAX_ITEMS:
        fail("kb_file_too_large", _("the file holds more than %(max)s items.") % {"max": IMPORT_MAX_ITEMS})
    items: list[ImportItem] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(parsed):
        if not isinstance(raw, dict):
            fail("kb_file_shape", _("an item must be a JSON object."), index)
        item_id = raw.get("id")
        extra = sorted(set(raw) - {"id", "category", "translations"}, key=str)
        if extra:
            fail("kb_file_shape", _("unknown field."), index, item_id, str(extra[0]))
        try:
            _item_id_check(item_id)
        except PronoiaError as exc:
            fail(exc.code, exc.message, index, item_id if isinstance(item_id, str) else None, "id")
        if item_id in seen:
            fail("kb_duplicate", _("the id is used twice in this file (first by item %(first)s).") % {"first": seen[item_id] + 1}, index, item_id, "id")
        seen[item_id] = index
        category = raw.get("category")
        try:
            _category_check(category, free=True)
        except PronoiaError as exc:
            fail(exc.code, exc.message, index, item_id, "category")
        if "translations" not in raw:
            fail("kb_missing", _("is missing."), index, item_id, "translations")
        try:
            clean = translations_clean(translations=raw["translations"], country=country, category=category, complete=True)
        except PronoiaError as exc:
            fail(exc.code, exc.message, index, item_id, exc.field)
        source = _where(name=name, index=index, item_id=item_id)
        items.append(ImportItem(item_id=item_id, category=category, translations=clean, source=source))
    return items


def knowledge_items_merge(batches: list[list[ImportItem]]) -> list[ImportItem]:
    """The items of several files, refusing an id repeated across them."""
    merged: dict[str, ImportItem] = {}
    for batch in batches:
        for item in batch:
            if item.item_id in merged:
                raise PronoiaError(
                    code="kb_duplicate",
                    message=_("%(where)s: the id is also used by %(other)s.") % {"where": item.source, "other": merged[item.item_id].source},
                    field="file",
                )
            merged[item.item_id] = item
    return list(merged.values())


def _same_text(version: KnowledgeVersion | None, item: ImportItem) -> bool:
    return version is not None and version.category == item.category and version.translations == item.translations


@transaction.atomic
def knowledge_import(*, actor: Actor, country: str, items: list[ImportItem], publish: bool = False, if_empty: bool = False) -> ImportResult | None:
    """Import checked items in one transaction: all or nothing.

    A new id makes a new item; an existing item gets a new version only when its text or category
    differs from the published one (the importer's own open draft is replaced; another author's open
    draft, or a version in review, refuses the whole import). Without
    `publish` new versions are drafts for review; with it (the system's starter set, or a command
    run by the institution) they are published at once, recorded as reviewed by the system.
    With `if_empty`, nothing happens (None is returned) when the country already has items.
    """
    _content_manager_require(actor, system_allowed=True)
    if publish and not _is_system(actor):
        raise PermissionDenied(code="kb_publish_denied", message=_("Imported items are published only by the system; content managers review them."))
    if if_empty and KnowledgeItem.objects.filter(country=country).exists():
        return None
    result = ImportResult()
    existing = {item.item_id: item for item in KnowledgeItem.objects.select_for_update(of=("self",)).filter(country=country, item_id__in=[i.item_id for i in items]).select_related("latest_version", "published_version")}
    now = timezone.now()
    for entry in items:
        item = existing.get(entry.item_id)
        if item is None:
            item = KnowledgeItem.objects.create(country=country, item_id=entry.item_id, category=entry.category)
            latest = None
            result.created.append(entry.item_id)
        else:
            latest = item.latest_version
            # Unchanged: the text is the published one (an open draft is left alone), or, for drafts, the draft's.
            if _same_text(item.published_version, entry) or (not publish and _same_text(latest, entry)):
                result.unchanged.append(entry.item_id)
                continue
            if latest is not None and latest.status in (KnowledgeVersionStatus.IN_REVIEW, KnowledgeVersionStatus.APPROVED):
                raise PronoiaError(
                    code="kb_version_in_review",
                    message=_("%(where)s: version %(number)s of this item is in review; finish the review first.") % {"where": entry.source, "number": latest.number},
                    field="file",
                )
            # Someone else's open draft is their work in progress: the import never overwrites it.
            if latest is not None and latest.is_editable and latest.author_label != _label(actor):
                raise PronoiaError(
                    code="kb_open_draft",
                    message=_("%(where)s: %(author)s is writing version %(number)s of this item; publish or finish that draft first.")
                    % {"where": entry.source, "author": latest.author_label, "number": latest.number},
                    field="file",
                )
            result.updated.append(entry.item_id)
        if latest is not None and latest.is_editable:
            version = latest
            version.category, version.translations = entry.category, entry.translations
            version.author, version.author_label = _user_ref(actor), _label(actor)
            version.status = KnowledgeVersionStatus.DRAFT
            version.save()
        else:
            version = KnowledgeVersion.objects.create(
                item=item, number=(latest.number if latest else 0) + 1, category=entry.category, translations=entry.translations,
                author=_user_ref(actor), author_label=_label(actor),
            )
        if publish:
            version.submitted_at = version.reviewed_at = now
            version.reviewer_label = SYSTEM_LABEL
            version.review_note = "kb_import --publish"
            version.save()
            _publish(actor=actor, item=item, version=version)
            result.published.append(entry.item_id)
        else:
            _item_refresh(item, version)
    if result.changed:
        _revision_bump(country)
        if result.published:
            _rebuild_schedule(country)
    audit_record(
        action="kb_imported", object_type="knowledge_base", object_id=country, actor=_user_ref(actor), actor_label=_label(actor),
        data={
            "created": len(result.created), "updated": len(result.updated), "unchanged": len(result.unchanged),
            "published": len(result.published), "request_id": actor.request_id,
        },
    )
    return result


def knowledge_path_parse(*, path, country: str) -> list[ImportItem]:
    """The checked items of an import-format file, or of every `*.json` file of a directory (by name).

    An empty directory gives no items (the starter files may not be written yet); a missing path,
    an oversized or malformed file raises PronoiaError naming the file.
    """
    from pathlib import Path

    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.glob("*.json") if p.is_file())
    elif path.is_file():
        files = [path]
    else:
        raise PronoiaError(code="kb_path_missing", message=_("%(path)s: no such file or directory.") % {"path": path}, field="file")
    batches = []
    for file in files:
        with file.open("rb") as handle:
            data = handle.read(IMPORT_MAX_BYTES + 1)  # enough to tell it is too large
        batches.append(knowledge_file_parse(data=data, name=str(file), country=country))
    return knowledge_items_merge(batches)


def knowledge_vectors_rebuild(*, country: str) -> bool:
    """Encode and store the dense vectors of the country's published texts (the worker's job), then
    mark the revision ready so web processes switch to the hybrid retriever.

    Idempotent: nothing to do when the stored vectors are of the current revision (or the dense model
    is not installed); the retrieval package reuses its disk cache when the texts did not change.
    Returns True when it built them.
    """
    from pronoia.contact.retrieval import dense_available
    from pronoia.contact.selectors.knowledge import knowledge_retriever_build

    row = KnowledgeRevision.objects.filter(country=country).values_list("number", "vectors_number").first()
    if row is None or row[1] >= row[0] or not dense_available():
        return False
    knowledge_retriever_build(country=country, kind="hybrid")
    # Only forward: a later publish while encoding leaves its own rebuild queued.
    KnowledgeRevision.objects.filter(country=country, vectors_number__lt=row[0]).update(vectors_number=row[0])
    return True
