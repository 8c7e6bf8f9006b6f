"""The assistant's dialog policy: answer, suggest (pick / decline), unknown, two misses and asking
for a person hand over, line 1 or line 2, rating bounds, what is stored of a message."""
import pytest

from pronoia.accounts.actors import ANONYMOUS, Actor
from pronoia.accounts.roles import Role
from pronoia.accounts.tests.factories import citizen_user
from pronoia.audit.models import AuditEvent
from pronoia.contact.models import Conversation, ConversationMessage
from pronoia.contact.services.conversations import (
    conversation_handover_request,
    conversation_message_post,
    conversation_rate,
    conversation_start,
    conversation_suggestion_pick,
    conversation_suggestions_decline,
    message_clean,
)
from pronoia.contact.tests.factories import chat_kb  # noqa: F401  (fixture)
from pronoia.core.errors import NotFound, PronoiaError
from pronoia.insurance.tests.factories import InsurancePeriodFactory
from pronoia.people.tests.factories import PersonFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("chat_kb")]


def citizen_actor(person) -> Actor:
    user = citizen_user(person)
    return Actor(user_id=user.pk, username=user.get_username(), roles=frozenset({Role.CITIZEN}), person_id=person.pk, request_id="test-citizen")


def say(conversation, text, actor=ANONYMOUS):
    new = conversation_message_post(conversation=conversation, actor=actor, text=text)
    conversation.refresh_from_db()
    return new


def test_a_clear_question_is_answered_with_the_item_and_its_question_as_title():
    conversation = conversation_start(actor=ANONYMOUS, language="en")
    person_message, reply = say(conversation, "What is the retirement age?")
    assert person_message.sender == "person" and person_message.text == "What is the retirement age?"
    assert reply.sender == "assistant" and reply.decision == "answer" and reply.item_id == "pension-age"
    assert reply.title == "What is the statutory retirement age?" and "67" in reply.text
    assert conversation.state == "pending" and conversation.miss_count == 0


def test_the_answer_is_in_the_conversations_language():
    conversation = conversation_start(actor=ANONYMOUS, language="el")
    reply = say(conversation, "Ποιο είναι το όριο ηλικίας;")[-1]
    assert reply.item_id == "pension-age" and reply.text == "Το γενικό όριο ηλικίας είναι τα 67 έτη."


def test_an_ambiguous_question_gets_suggestions_and_a_pick_counts_as_answered():
    conversation = conversation_start(actor=ANONYMOUS, language="en")
    reply = say(conversation, "certificate")[-1]
    assert reply.decision == "suggest"
    offered = [row["item_id"] for row in reply.suggestions]
    assert set(offered) == {"certificate-insurance", "certificate-employer"} and len(offered) <= 3
    assert all(row["title"] and row["score"] > 0 for row in reply.suggestions)
    picked, answer = conversation_suggestion_pick(conversation=conversation, actor=ANONYMOUS, item_id="certificate-employer")
    assert picked.sender == "person" and picked.text == "How does an employer get a certificate of no debts?"
    assert answer.decision == "answer" and answer.item_id == "certificate-employer"
    conversation.refresh_from_db()
    assert conversation.pending_suggestions == [] and conversation.miss_count == 0


def test_only_an_offered_suggestion_can_be_picked():
    conversation = conversation_start(actor=ANONYMOUS, language="en")
    say(conversation, "certificate")
    with pytest.raises(PronoiaError) as exc:
        conversation_suggestion_pick(conversation=conversation, actor=ANONYMOUS, item_id="opening-hours")
    assert exc.value.code == "suggestion_unknown"


def test_unknown_says_so_and_two_misses_hand_over_with_the_considered_items():
    conversation = conversation_start(actor=ANONYMOUS, language="en")
    first = say(conversation, "my cat is sick")[-1]
    assert first.decision == "unknown" and "do not know" in first.text
    assert conversation.state == "pending" and conversation.miss_count == 1
    last = say(conversation, "the moon is made of cheese")[-1]
    assert last.sender == "system" and last.decision == "handover"
    assert conversation.state == "open" and conversation.queue == "line1" and conversation.handover_reason == "two_misses"
    assert conversation.bot_handoff and conversation.handed_over_at is not None and not conversation.bot_resolved
    assert AuditEvent.objects.filter(action="contact_chat_handed_over", object_id=str(conversation.pk)).count() == 1


def test_declined_suggestions_count_as_a_miss():
    conversation = conversation_start(actor=ANONYMOUS, language="en")
    say(conversation, "certificate")
    declined = conversation_suggestions_decline(conversation=conversation, actor=ANONYMOUS)
    conversation.refresh_from_db()
    assert declined[0].text == "None of these" and conversation.miss_count == 1 and conversation.state == "pending"
    say(conversation, "certificate")
    conversation_suggestions_decline(conversation=conversation, actor=ANONYMOUS)
    conversation.refresh_from_db()
    assert conversation.state == "open" and conversation.handover_reason == "two_misses"
    # The card keeps what the assistant considered, with scores.
    assert {row["item_id"] for row in conversation.handover_suggestions} >= {"certificate-insurance", "certificate-employer"}


def test_an_answer_resets_the_misses():
    conversation = conversation_start(actor=ANONYMOUS, language="en")
    say(conversation, "my cat is sick")
    say(conversation, "What is the retirement age?")
    say(conversation, "the moon is made of cheese")
    assert conversation.state == "pending" and conversation.miss_count == 1


@pytest.mark.parametrize(("language", "text"), [
    ("en", "I want to talk to a person"),
    ("el", "Θέλω να μιλήσω με έναν υπάλληλο"),
    ("ru", "Соедините меня с оператором"),
])
def test_asking_for_a_person_hands_over_at_once(language, text):
    conversation = conversation_start(actor=ANONYMOUS, language=language)
    new = say(conversation, text)
    assert [m.sender for m in new] == ["person", "system"]
    assert conversation.state == "open" and conversation.handover_reason == "asked_for_person" and conversation.queue == "line1"


def test_the_talk_to_a_person_button_hands_over_and_later_messages_wait_for_the_operator():
    conversation = conversation_start(actor=ANONYMOUS, language="en")
    conversation_handover_request(conversation=conversation, actor=ANONYMOUS)
    conversation.refresh_from_db()
    assert conversation.state == "open"
    assert conversation_handover_request(conversation=conversation, actor=ANONYMOUS) == []
    new = say(conversation, "What is the retirement age?")
    assert [m.sender for m in new] == ["person"]  # the operator answers now, not the assistant


def test_a_signed_in_citizens_personal_question_goes_to_line2_a_general_one_to_line1():
    person = InsurancePeriodFactory().person
    actor = citizen_actor(person)
    general = conversation_start(actor=actor, language="en")
    say(general, "What is the retirement age?", actor)
    say(general, "I want to talk to a person", actor)
    assert general.queue == "line1" and general.person_id == person.pk
    personal = conversation_start(actor=actor, language="en")
    say(personal, "how many insured days do I have", actor)
    say(personal, "I want to talk to a person", actor)
    assert personal.queue == "line2" and personal.personal_categories == ["insurance_record"]


def test_an_anonymous_personal_question_stays_on_line1():
    conversation = conversation_start(actor=ANONYMOUS, language="en")
    say(conversation, "how many insured days do I have")
    say(conversation, "I want to talk to a person")
    assert conversation.queue == "line1" and conversation.person_id is None


def test_a_signed_in_conversation_belongs_to_its_user():
    person, other = PersonFactory.create_batch(2)
    conversation = conversation_start(actor=citizen_actor(person), language="en")
    for intruder in (ANONYMOUS, citizen_actor(other)):
        with pytest.raises(NotFound):
            conversation_message_post(conversation=conversation, actor=intruder, text="hello")
    assert not conversation.messages.exists()


@pytest.mark.parametrize("rating", ["0", "6", "-1", "x", "", "3.5", None, "99999999999999999999"])
def test_rating_must_be_1_to_5(rating):
    conversation = conversation_start(actor=ANONYMOUS, language="en")
    say(conversation, "What is the retirement age?")
    with pytest.raises(PronoiaError) as exc:
        conversation_rate(conversation=conversation, actor=ANONYMOUS, rating=rating)
    assert exc.value.code == "rating_invalid" and exc.value.field == "rating"
    conversation.refresh_from_db()
    assert conversation.rating is None and conversation.state == "pending"


def test_rating_after_an_answer_ends_the_conversation_as_resolved_by_the_assistant():
    conversation = conversation_start(actor=ANONYMOUS, language="en")
    with pytest.raises(PronoiaError):  # nothing answered yet: nothing to rate
        conversation_rate(conversation=conversation, actor=ANONYMOUS, rating=5)
    say(conversation, "What is the retirement age?")
    conversation_rate(conversation=conversation, actor=ANONYMOUS, rating="5", comment="Clear\u202e answer\x00")
    conversation.refresh_from_db()
    assert (conversation.rating, conversation.rating_comment, conversation.state) == (5, "Clear answer", "resolved")
    assert conversation.bot_resolved and not conversation.bot_handoff and conversation.resolved_at
    with pytest.raises(PronoiaError) as exc:
        conversation_rate(conversation=conversation, actor=ANONYMOUS, rating=1)
    assert exc.value.code == "already_rated"
    with pytest.raises(PronoiaError) as exc:
        say(conversation, "again")
    assert exc.value.code == "conversation_resolved"


def test_a_conversation_waiting_for_an_operator_cannot_be_rated_yet():
    conversation = conversation_start(actor=ANONYMOUS, language="en")
    say(conversation, "I want to talk to a person")
    with pytest.raises(PronoiaError) as exc:
        conversation_rate(conversation=conversation, actor=ANONYMOUS, rating=4)
    assert exc.value.code == "conversation_not_ended"


def test_the_database_refuses_a_rating_out_of_bounds_and_an_unknown_state():
    from django.db import IntegrityError, transaction

    conversation = conversation_start(actor=ANONYMOUS, language="en")
    for field, value in (("rating", 6), ("rating", 0), ("state", "lost"), ("queue", "line3")):
        with pytest.raises(IntegrityError), transaction.atomic():
            Conversation.objects.filter(pk=conversation.pk).update(**{field: value})


@pytest.mark.parametrize(("raw", "stored"), [
    ("  hello\x00 world\x07  ", "hello world"),
    ("abc\u202edcba\u2066x\u2069", "abcdcbax"),
    ("line one\r\nline two\r\n\r\n\r\n\r\nthree", "line one\nline two\n\nthree"),
    ("tab\there", "tab here"),
    ("ΑΒΓ abc кириллица", "ΑΒΓ abc кириллица"),
])
def test_messages_are_cleaned(raw, stored):
    assert message_clean(raw) == stored


@pytest.mark.parametrize("raw", ["", "   ", "\x00\x01\u202e", "\n\n"])
def test_an_empty_message_is_refused_and_nothing_is_stored(raw):
    conversation = conversation_start(actor=ANONYMOUS, language="en")
    with pytest.raises(PronoiaError) as exc:
        say(conversation, raw)
    assert exc.value.code == "message_empty" and exc.value.field == "text"
    assert not ConversationMessage.objects.exists()


@pytest.mark.parametrize("length", [2001, 100_000])
def test_a_message_over_2000_characters_is_refused_with_its_length(length):
    conversation = conversation_start(actor=ANONYMOUS, language="en")
    with pytest.raises(PronoiaError) as exc:
        say(conversation, "a" * length)
    assert exc.value.code == "message_too_long" and "2,000" in exc.value.message
    assert not ConversationMessage.objects.exists()
    say(conversation, "a" * 2000)
    assert ConversationMessage.objects.filter(sender="person").get().text == "a" * 2000


def test_an_unknown_language_falls_back_to_english():
    assert conversation_start(actor=ANONYMOUS, language="xx").language == "en"


def test_idle_conversations_with_the_assistant_are_closed_once():
    import datetime

    from django.utils import timezone

    from pronoia.contact.services.conversations import conversations_idle_close

    answered = conversation_start(actor=ANONYMOUS, language="en")
    say(answered, "What is the retirement age?")
    unanswered = conversation_start(actor=ANONYMOUS, language="en")
    say(unanswered, "my cat is sick")
    waiting = conversation_start(actor=ANONYMOUS, language="en")
    say(waiting, "I want to talk to a person")
    assert conversations_idle_close(now=timezone.now()) == 0  # nothing is idle yet
    later = timezone.now() + datetime.timedelta(hours=25)
    assert conversations_idle_close(now=later) == 2
    assert conversations_idle_close(now=later) == 0
    for conversation in (answered, unanswered, waiting):
        conversation.refresh_from_db()
    assert (answered.state, answered.bot_resolved) == ("resolved", True)
    assert (unanswered.state, unanswered.bot_resolved) == ("resolved", False)
    assert waiting.state == "open"


def test_the_hourly_task_closes_idle_conversations():
    import datetime

    from pronoia.contact.models import Conversation
    from pronoia.contact.tasks import conversations_idle_close_task

    idle = conversation_start(actor=ANONYMOUS, language="en")
    say(idle, "What is the retirement age?")
    day_ago = datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=25)
    Conversation.objects.filter(pk=idle.pk).update(created_at=day_ago)
    idle.messages.update(created_at=day_ago)
    assert conversations_idle_close_task.call_local() == 1
    idle.refresh_from_db()
    assert idle.state == "resolved"
