"""Operators: the queue per role, take (refused when taken), reply, resolve, propose a KB item, the
hand-over card (identity only for the second-line operator who took it, logged), query counts."""
import pytest
from django.test import Client
from django.utils import timezone

from pronoia.accounts.roles import Role
from pronoia.accounts.tests.factories import client_sign_in_staff, staff_user
from pronoia.audit.models import AuditEvent, DataAccessEntry
from pronoia.contact.models import Conversation, ConversationMessage
from pronoia.contact.selectors.conversations import conversation_metrics_for
from pronoia.contact.tests.factories import ConversationFactory, conversation_handed_over
from pronoia.insurance.tests.factories import InsurancePeriodFactory

pytestmark = pytest.mark.django_db
QUEUE = "/contact/chat/"


def operator(role=Role.OPERATOR_L1):
    client = Client()
    user = staff_user(role, unit="Call centre Athens")
    client_sign_in_staff(client, user)
    client.user = user
    return client


def page(pk):
    return f"/contact/chat/{pk}"


@pytest.fixture
def queues():
    person = InsurancePeriodFactory(person__surname="Παπαδοπούλου").person
    return {
        "line1": conversation_handed_over(queue="line1", texts=("When is the office open?",)),
        "line2": conversation_handed_over(queue="line2", person=person, texts=("Why is 2010 missing from my record?",)),
        "pending": ConversationFactory(),  # still with the assistant: in no queue
        "resolved": ConversationFactory(state="resolved", queue="line1", handed_over_at=timezone.now()),
    }


@pytest.mark.parametrize(("role", "visible"), [
    (Role.OPERATOR_L1, {"line1"}),
    (Role.OPERATOR_L2, {"line1", "line2"}),
    (Role.SUPERVISOR, {"line1", "line2"}),
])
def test_the_queue_shows_each_role_its_lines(queues, role, visible):
    response = operator(role).get(QUEUE)
    assert response.status_code == 200
    html = response.content.decode()
    shown = {name for name, c in queues.items() if f'href="{page(c.pk)}"' in html}
    assert shown == visible
    assert "Παπαδοπούλου" not in html  # no identity in the queue
    assert ("read only" in html) == (role == Role.SUPERVISOR)


@pytest.mark.parametrize("role", [Role.CASE_HANDLER, Role.CONTENT_MANAGER, Role.AUDITOR])
def test_other_staff_are_refused(queues, role):
    client = operator(role)
    assert client.get(QUEUE).status_code == 403
    assert client.post(f"{page(queues['line1'].pk)}/take").status_code == 403


def test_the_queue_page_has_a_constant_number_of_queries(django_assert_num_queries, django_assert_max_num_queries):
    client = operator(Role.OPERATOR_L2)
    conversation_handed_over()
    client.get(QUEUE)  # warm the session and the actor
    with django_assert_max_num_queries(12) as captured:
        client.get(QUEUE)
    count = len(captured.captured_queries)
    for _ in range(10):
        conversation_handed_over(queue="line2", person=InsurancePeriodFactory().person)
    with django_assert_num_queries(count):
        assert client.get(QUEUE).content.decode().count('href="/contact/chat/') == 11


def test_first_line_cannot_open_or_take_a_second_line_conversation(queues):
    client = operator(Role.OPERATOR_L1)
    assert client.get(page(queues["line2"].pk)).status_code == 403
    assert client.post(f"{page(queues['line2'].pk)}/take").status_code == 403
    assert Conversation.objects.get(pk=queues["line2"].pk).assigned_to_id is None


def test_take_reply_resolve_and_the_figures(queues):
    conversation = queues["line1"]
    first, second = operator(), operator(Role.OPERATOR_L2)
    assert first.post(f"{page(conversation.pk)}/take").status_code == 302
    # Taken: another operator is refused, the queue says by whom.
    response = second.post(f"{page(conversation.pk)}/take")
    assert response.status_code == 409 and "Another operator has already taken" in response.content.decode()
    assert first.user.username in second.get(QUEUE).content.decode()
    html = first.get(page(conversation.pk)).content.decode()
    assert f"Being answered by {first.user.username}" in html and "Waiting for an operator" not in html
    # Only the operator who took it replies or resolves.
    assert second.post(f"{page(conversation.pk)}/reply", {"text": "Hello"}).status_code == 403
    assert first.post(f"{page(conversation.pk)}/reply", {"text": "   "}).status_code == 400
    assert first.post(f"{page(conversation.pk)}/reply", {"text": "We are open 8:00-20:00."}).status_code == 302
    conversation.refresh_from_db()
    reply = conversation.messages.get(sender="operator")
    assert reply.author_id == first.user.pk and conversation.first_response_at == reply.created_at
    assert first.post(f"{page(conversation.pk)}/resolve").status_code == 302
    conversation.refresh_from_db()
    assert conversation.state == "resolved" and conversation.resolved_at and not conversation.bot_resolved
    assert first.post(f"{page(conversation.pk)}/reply", {"text": "late"}).status_code == 403
    assert first.post(f"{page(conversation.pk)}/resolve").status_code == 403  # resolved once only
    assert first.post(f"{page(conversation.pk)}/take").status_code == 409
    actions = set(AuditEvent.objects.filter(object_type="conversation", object_id=str(conversation.pk)).values_list("action", flat=True))
    assert actions >= {"contact_chat_taken", "contact_chat_replied", "contact_chat_resolved"}
    figures = conversation_metrics_for(start=timezone.now() - timezone.timedelta(days=1), end=timezone.now() + timezone.timedelta(days=1))
    assert figures["bot_handoff"] == 2 and figures["first_response_count"] == 1 and figures["first_response_median_seconds"] >= 0


def test_the_supervisor_reads_but_does_not_act(queues):
    client = operator(Role.SUPERVISOR)
    response = client.get(page(queues["line1"].pk))
    assert response.status_code == 200 and "Take this conversation" not in response.content.decode()
    assert client.post(f"{page(queues['line1'].pk)}/take").status_code == 403


def test_the_hand_over_card_and_identity_only_after_a_second_line_take(queues):
    conversation = queues["line2"]
    ConversationMessage.objects.create(conversation=conversation, sender="assistant", text="Your insurance record has 300 days of insurance.",
                                       personal=True, item_id="personal-insured-time", decision="answer")
    person = conversation.person
    supervisor = operator(Role.SUPERVISOR).get(page(conversation.pk)).content.decode()
    client = operator(Role.OPERATOR_L2)
    before = client.get(page(conversation.pk)).content.decode()
    for html in (supervisor, before):
        assert person.surname not in html and person.national_id not in html and "300 days of insurance" not in html
        assert "When is the contact centre open?" in html and "0.41" in html  # suggestions with scores
        assert "Second line (personal data)" in html and "The person asked for a person" in html and "English" in html
    assert not DataAccessEntry.objects.exists()
    client.post(f"{page(conversation.pk)}/take")
    after = client.get(page(conversation.pk)).content.decode()
    assert person.surname in after and person.national_id in after and "300 days of insurance" in after
    entry = DataAccessEntry.objects.get()
    assert entry.person_id == person.pk and entry.categories == "identity,insurance_record" and entry.channel == "contact_centre"
    assert f"conversation {conversation.pk}" in entry.purpose


def test_proposing_a_kb_item_from_a_conversation(queues):
    client = operator()
    conversation = queues["line1"]
    assert client.post(f"{page(conversation.pk)}/propose", {"proposal": ""}).status_code == 400
    response = client.post(f"{page(conversation.pk)}/propose", {"proposal": "Q: When is the office open?\nA: 8:00-20:00 on working days."})
    assert response.status_code == 302
    event = AuditEvent.objects.get(action="contact_chat_kb_proposed")
    assert event.object_id == str(conversation.pk)
    from pronoia.contact.models.knowledge import KnowledgeProposal

    proposal = KnowledgeProposal.objects.get()
    assert proposal.conversation_id == conversation.pk and "office open" in proposal.text


def test_unknown_conversations_are_404(queues):
    client = operator()
    assert client.get(page(999999)).status_code == 404
    assert client.post(f"{page(999999)}/take").status_code == 404
    assert client.get(page(queues["pending"].pk)).status_code == 404  # not handed over: not the operators'


def test_live_messages_show_the_institutions_time_like_the_page(settings):
    # Rendered for the WebSocket, outside any request: the same time zone as the page's middleware.
    import datetime as dt

    from pronoia.contact.consumers import messages_render

    settings.PRONOIA_COUNTRY = "gr"
    conversation = ConversationFactory()
    message = ConversationMessage.objects.create(conversation=conversation, sender="operator", text="Hello")
    ConversationMessage.objects.filter(pk=message.pk).update(created_at=dt.datetime(2026, 12, 3, 17, 51, tzinfo=dt.UTC))
    message.refresh_from_db()
    html = messages_render(conversation, [message])
    assert ">19:51</time>" in html
    assert timezone.get_current_timezone_name() == "UTC"
