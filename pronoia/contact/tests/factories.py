"""Test data for the contact centre: knowledge-base items, versions, proposals, content managers.

(The chat's factories follow at the end of this file.)
"""
from __future__ import annotations

import itertools

import factory
from factory.django import DjangoModelFactory

from pronoia.accounts.actors import Actor, command_actor
from pronoia.accounts.roles import Role
from pronoia.accounts.tests.factories import staff_user
from pronoia.contact.models.knowledge import KnowledgeItem, KnowledgeProposal
from pronoia.contact.services.knowledge import ImportItem, knowledge_import, translations_clean

_numbers = itertools.count(1)


def translations_make(topic: str = "insurance record", *, languages: tuple[str, ...] = ("en", "el")) -> dict:
    """Texts in the given languages about `topic` (synthetic, short, valid)."""
    texts = {
        "en": (f"How do I see my {topic}?", [f"where is my {topic}", f"show {topic}"], f"Sign in and open /my/insurance-record to see your {topic}."),
        "el": (f"Πώς βλέπω το {topic};", [f"πού είναι το {topic}"], f"Συνδεθείτε και ανοίξτε το /my/insurance-record ({topic})."),
        "pl": (f"Jak zobaczyć {topic}?", [f"gdzie jest {topic}"], f"Zaloguj się i otwórz /my/insurance-record ({topic})."),
        "bg": (f"Как да видя {topic}?", [f"къде е {topic}"], f"Влезте и отворете /my/insurance-record ({topic})."),
        "ru": (f"Как посмотреть {topic}?", [f"где {topic}"], f"Войдите и откройте /my/insurance-record ({topic})."),
    }
    return {lang: {"question": texts[lang][0], "variants": list(texts[lang][1]), "answer": texts[lang][2]} for lang in languages}


def kb_item_json(item_id: str, *, topic: str = "insurance record", category: str = "insurance-history", languages=("en", "el", "pl", "bg", "ru")) -> dict:
    """One item in the import format."""
    return {"id": item_id, "category": category, "translations": translations_make(topic, languages=languages)}


def content_manager_user(**kwargs):
    return staff_user(Role.CONTENT_MANAGER, **kwargs)


def actor_of(user, *roles: str, otp_verified: bool = True) -> Actor:
    """The actor a signed-in staff user is (roles default to content manager)."""
    return Actor(
        user_id=user.pk, username=user.get_username(), roles=frozenset(roles or {Role.CONTENT_MANAGER}),
        otp_verified=otp_verified, request_id=f"test-{next(_numbers)}",
    )


def content_manager_actor() -> Actor:
    return actor_of(content_manager_user())


def knowledge_published(item_id: str | None = None, *, country: str = "gr", topic: str = "insurance record", category: str = "insurance-history", translations: dict | None = None) -> KnowledgeItem:
    """A published item, imported by the system as the starter set is."""
    item_id = item_id or f"test-{next(_numbers):03d}"
    translations = translations or translations_make(topic, languages=("en", "el", "pl", "bg", "ru"))
    clean = translations_clean(translations=translations, country=country, category=category)
    knowledge_import(
        actor=command_actor("test"), country=country, publish=True,
        items=[ImportItem(item_id=item_id, category=category, translations=clean, source="test")],
    )
    return KnowledgeItem.objects.get(country=country, item_id=item_id)


class KnowledgeProposalFactory(DjangoModelFactory):
    class Meta:
        model = KnowledgeProposal

    country = "gr"
    text = factory.Sequence(lambda n: f"Callers ask how long certificate {n} takes; the assistant does not know.")
    language = "en"
    proposer = factory.LazyFunction(lambda: staff_user(Role.OPERATOR_L1))
    proposer_label = factory.LazyAttribute(lambda o: o.proposer.get_username())


# --- The chat (pronoia/contact/models/conversations.py) ----------------------------------------

import pytest  # noqa: E402  (the chat's section keeps its own imports)

CHAT_KB_ITEMS = [
    {"id": "pension-age", "category": "pensions", "translations": {
        "en": {"question": "What is the statutory retirement age?", "variants": ["When can people retire?", "retirement age", "At what age does the old-age pension start?"],
               "answer": "The statutory retirement age is 67; with 40 insured years it is 62."},
        "el": {"question": "Ποιο είναι το όριο ηλικίας συνταξιοδότησης;", "variants": ["Σε ποια ηλικία βγαίνει κανείς στη σύνταξη;", "όριο ηλικίας"],
               "answer": "Το γενικό όριο ηλικίας είναι τα 67 έτη."}}},
    {"id": "certificate-insurance", "category": "documents", "translations": {
        "en": {"question": "How do I get an insurance history certificate?", "variants": ["insurance history certificate", "download my insurance certificate"],
               "answer": "Open Services, choose the insurance history certificate and download the signed PDF."}}},
    {"id": "certificate-employer", "category": "documents", "translations": {
        "en": {"question": "How does an employer get a certificate of no debts?", "variants": ["employer certificate of no debts", "no debts certificate"],
               "answer": "Employers request it under Employer services."}}},
    {"id": "opening-hours", "category": "contact", "translations": {
        "en": {"question": "When is the contact centre open?", "variants": ["contact centre opening hours", "phone line hours"],
               "answer": "The contact centre answers on working days from 8:00 to 20:00."}}},
]


def chat_knowledge_source():
    """The assistant over the small KB above plus the personal intents (BM25: fast and deterministic)."""
    from pronoia.contact.retrieval import kb_items_parse
    from pronoia.contact.services.conversations import KnowledgeSource

    return KnowledgeSource.from_entries(kb_items_parse(CHAT_KB_ITEMS), kind="bm25")


@pytest.fixture
def chat_kb(monkeypatch):
    """Point the chat's one seam to the knowledge base at the small test KB."""
    from pronoia.contact.services import conversations

    source = chat_knowledge_source()
    monkeypatch.setattr(conversations, "_retriever_for", lambda country: source)
    return source


class ConversationFactory(DjangoModelFactory):
    class Meta:
        model = "contact.Conversation"

    language = "en"
    country = "gr"


class ConversationMessageFactory(DjangoModelFactory):
    class Meta:
        model = "contact.ConversationMessage"

    conversation = factory.SubFactory(ConversationFactory)
    sender = "person"
    text = factory.Sequence(lambda n: f"Question number {n}")


def conversation_handed_over(*, queue: str = "line1", person=None, user=None, reason: str = "asked_for_person", language: str = "en", texts=("I need help",)):
    """A conversation waiting in an operator queue, with the person's messages."""
    from django.utils import timezone

    conversation = ConversationFactory(
        state="open", queue=queue, person=person, user=user, handover_reason=reason, language=language, bot_handoff=True,
        handed_over_at=timezone.now(), handover_suggestions=[{"item_id": "opening-hours", "score": 0.41, "title": "When is the contact centre open?"}],
        personal_categories=["insurance_record"] if queue == "line2" else [],
    )
    for text in texts:
        ConversationMessageFactory(conversation=conversation, text=text)
    return conversation
