"""The chat's seam to the knowledge base without the test KB: published items (contact-kb's
selectors) plus the personal intents answer; items of another country do not."""
import pytest

from pronoia.accounts.actors import ANONYMOUS
from pronoia.contact.services.conversations import conversation_message_post, conversation_start
from pronoia.contact.tests.factories import knowledge_published, translations_make

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _bm25(settings):
    from pronoia.contact.selectors import knowledge

    settings.CONTACT_RETRIEVER = "bm25"
    knowledge._retrievers.clear()  # the per-process index cache is keyed by revision, which restarts per test database
    yield
    knowledge._retrievers.clear()


def test_published_items_and_personal_intents_answer():
    knowledge_published("gr-pension-card", country="gr", topic="pensioner card")
    knowledge_published("pl-pension-card", country="pl", topic="blue card of Poland", translations=translations_make("blue card of Poland", languages=("en", "pl")))
    conversation = conversation_start(actor=ANONYMOUS, language="en", country="gr")
    reply = conversation_message_post(conversation=conversation, actor=ANONYMOUS, text="How do I see my pensioner card?")[-1]
    assert (reply.decision, reply.item_id) == ("answer", "gr-pension-card")
    assert reply.title == "How do I see my pensioner card?" and "pensioner card" in reply.text
    reply = conversation_message_post(conversation=conversation, actor=ANONYMOUS, text="How many insured days do I have?")[-1]
    assert reply.item_id == "personal-insured-time" and reply.text.startswith("Sign in")
    reply = conversation_message_post(conversation=conversation, actor=ANONYMOUS, text="How do I see my blue card of Poland?")[-1]
    assert reply.item_id != "pl-pension-card"
