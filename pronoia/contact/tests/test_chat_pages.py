"""The chat without JavaScript (forms in the test client), the widget on every portal page, the
session's hold on its conversation, the rate limit, and hostile input on every page that shows it."""
import pytest
from django.core.cache import cache
from django.test import Client
from django.utils.html import escape

from pronoia.accounts.roles import Role
from pronoia.accounts.tests.factories import client_sign_in_citizen, client_sign_in_staff, staff_user
from pronoia.audit.models import DataAccessEntry
from pronoia.contact.models import Conversation, ConversationMessage
from pronoia.contact.tests.factories import chat_kb  # noqa: F401  (fixture)
from pronoia.employers.tests.factories import EmployerFactory
from pronoia.insurance.tests.factories import InsurancePeriodFactory
from pronoia.people.tests.factories import PersonFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("chat_kb")]


def ask(client, text, *, url="/chat/"):
    response = client.post(url, {"text": text})
    assert response.status_code == 302, response.content.decode()[:2000]
    return response["Location"].split("#")[0]


def operator_client(role=Role.OPERATOR_L2):
    client = Client()
    user = staff_user(role)
    client_sign_in_staff(client, user)
    return client


def test_the_widget_is_on_portal_pages_as_a_plain_form_and_not_on_staff_pages(client):
    for url in ("/", "/services/", "/verify/"):
        html = client.get(url).content.decode()
        assert 'action="/chat/"' in html and 'for="chat-widget-text"' in html and 'name="text"' in html, url
        assert "contact/chat.mjs" in html and "<script>" not in html  # a module file, no inline script
    staff = operator_client()
    assert 'action="/chat/"' not in staff.get("/contact/").content.decode()


def test_a_whole_conversation_without_javascript(client):
    url = ask(client, "certificate")
    html = client.get(url).content.decode()
    assert 'name="pick" value="certificate-insurance"' in html and 'name="decline"' in html and "Talk to a person" in html
    assert client.post(url, {"pick": "certificate-insurance"}).status_code == 302
    html = client.get(url).content.decode()
    assert "download the signed PDF" in html and 'name="pick"' not in html
    assert "How helpful was this conversation?" in html  # an answer: the rating form is offered
    assert client.post(url, {"handover": "1"}).status_code == 302
    html = client.get(url).content.decode()
    assert "waiting for the next free operator" in html and "Talk to a person" not in html and "How helpful" not in html
    conversation = Conversation.objects.get()
    assert conversation.state == "open" and conversation.queue == "line1"
    # The operator answers and resolves; the person sees it and rates.
    staff = operator_client(Role.OPERATOR_L1)
    staff.post(f"/contact/chat/{conversation.pk}/take")
    assert "An operator has your conversation" in client.get(url).content.decode()  # taken: no longer waiting
    staff.post(f"/contact/chat/{conversation.pk}/reply", {"text": "The certificate is under Services."})
    staff.post(f"/contact/chat/{conversation.pk}/resolve")
    html = client.get(url).content.decode()
    assert "The certificate is under Services." in html and "This conversation has ended" in html
    response = client.post(f"{url}/rate", {"rating": "9"})
    assert response.status_code == 400 and "Choose a rating from 1 to 5." in response.content.decode()
    assert client.post(f"{url}/rate", {"rating": "4", "comment": "Quick"}).status_code == 302
    conversation.refresh_from_db()
    assert (conversation.rating, conversation.rating_comment) == (4, "Quick")
    assert "Thank you for rating" in client.get(url).content.decode()
    # Writing again after the end starts a new conversation.
    new_url = ask(client, "What is the retirement age?", url=url)
    assert new_url != url and Conversation.objects.count() == 2


def test_the_widget_continues_the_sessions_conversation(client):
    first = ask(client, "my cat is sick")
    assert ask(client, "What is the retirement age?") == first
    assert Conversation.objects.count() == 1 and client.get("/chat/")["Location"].startswith(first)


def test_another_session_cannot_open_or_write_to_the_conversation(client):
    url = ask(client, "What is the retirement age?")
    stranger = Client()
    assert stranger.get(url).status_code == 404
    assert stranger.post(url, {"text": "hello"}).status_code == 404
    assert stranger.post(f"{url}/rate", {"rating": "1"}).status_code == 404
    assert ConversationMessage.objects.filter(text="hello").count() == 0


def test_signing_in_does_not_give_the_anonymous_conversation_a_person(client):
    url = ask(client, "What is the retirement age?")
    client_sign_in_citizen(client, PersonFactory())
    # The signed-in person gets a new conversation, bound to them; the anonymous one stays anonymous.
    new_url = ask(client, "How many insured days do I have?")
    assert new_url != url
    old, new = Conversation.objects.order_by("pk")
    assert old.person_id is None and new.person_id is not None


@pytest.mark.parametrize(("text", "message"), [
    ("", "Type your question before sending it."),
    (" \x00\x07\u202e ", "Type your question before sending it."),
    ("x" * 2001, "Your message has 2,001 characters. Keep it to 2,000 characters or fewer"),
    ("x" * 100_000, "Your message has 100,000 characters."),
])
def test_bad_input_gets_a_clear_message_and_stores_nothing(client, text, message):
    response = client.post("/chat/", {"text": text})
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and "govuk-error-summary" in html and 'href="#chat-text"' in html
    assert "x" * 2001 not in html  # the over-long text is not echoed back
    assert not Conversation.objects.exists() and not ConversationMessage.objects.exists()


def test_bad_input_in_greek(client):
    session = client.session
    session.save()
    response = client.post("/chat/", {"text": ""}, HTTP_ACCEPT_LANGUAGE="el")
    assert response.status_code == 400
    from django.utils import translation

    with translation.override("el"):
        from django.utils.translation import gettext

        expected = gettext("Type your question before sending it.")
    assert expected != "Type your question before sending it." and expected in response.content.decode()


def test_the_chat_is_rate_limited_per_session(client, settings):
    settings.PRONOIA_RATE_LIMITS_ENABLED = True
    settings.CONTACT_CHAT_RATE_LIMIT = (3, 60)
    cache.clear()
    try:
        url = ask(client, "What is the retirement age?")
        ask(client, "my cat is sick", url=url)
        ask(client, "When is the contact centre open?", url=url)
        response = client.post(url, {"text": "one more"})
        assert response.status_code == 429 and int(response["Retry-After"]) >= 1
        assert "You have sent too many messages" in response.content.decode()
        assert not ConversationMessage.objects.filter(text="one more").exists()
    finally:
        cache.clear()


HOSTILE = [
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    '<a href="javascript:alert(1)">click</a>',
    "<svg/onload=alert(1)>",
    "</textarea><script>alert(2)</script>",
    "Πόσα ένσημα <b>έχω</b> сколько дней & days?",
]


@pytest.mark.parametrize("payload", HOSTILE)
def test_hostile_text_is_escaped_on_the_persons_page_and_the_operators(client, payload):
    url = ask(client, payload)
    html = client.get(url).content.decode()
    assert payload not in html and escape(payload) in html
    assert 'href="javascript:' not in html and "<script>alert" not in html
    client.post(url, {"handover": "1"})
    conversation = Conversation.objects.get()
    staff = operator_client(Role.OPERATOR_L1)
    queue = staff.get("/contact/chat/").content.decode()
    assert payload not in queue
    staff.post(f"/contact/chat/{conversation.pk}/take")
    staff.post(f"/contact/chat/{conversation.pk}/reply", {"text": payload})  # an operator's text is escaped too
    for page in (staff.get(f"/contact/chat/{conversation.pk}").content.decode(), client.get(url).content.decode()):
        assert payload not in page and page.count(escape(payload)) >= 2
        assert 'href="javascript:' not in page and "<script>alert" not in page


def test_direction_overrides_and_control_characters_never_reach_a_page(client):
    url = ask(client, "invoice\u202efdp.exe\x1b[31m and\x00 more")
    html = client.get(url).content.decode()
    assert "\u202e" not in html and "\x1b" not in html and "\x00" not in html
    assert "invoicefdp.exe[31m and more" in html


def test_another_persons_identifier_typed_in_the_chat_shows_none_of_their_data(client):
    me = InsurancePeriodFactory(days=120).person
    other = InsurancePeriodFactory(days=280, employer=EmployerFactory(name="Secret Employer SA")).person
    client_sign_in_citizen(client, me)
    url = ask(client, f"How many insured days does {other.national_id} have?")
    ask(client, f"Which employers does {other.national_id} have on record?", url=url)
    client.post(url, {"handover": "1"})
    conversation = Conversation.objects.get()
    staff = operator_client(Role.OPERATOR_L2)
    staff.post(f"/contact/chat/{conversation.pk}/take")
    pages = [client.get(url).content.decode(), staff.get(f"/contact/chat/{conversation.pk}").content.decode(), staff.get("/contact/chat/").content.decode()]
    for html in pages:
        assert other.national_id not in html and other.surname not in html and "Secret Employer" not in html and "280 days" not in html
    assert "120 days of insurance" in pages[0] and "never look up an identification number" in pages[0]
    assert me.national_id in pages[1]  # the second-line operator sees who is asking
    assert set(DataAccessEntry.objects.values_list("person_id", flat=True)) == {me.pk}


@pytest.mark.parametrize("payload", [*HOSTILE, "\u202eκαλημέρα\x00", "a" * 2001, ""])
def test_hostile_or_odd_input_gets_a_reply_in_the_persons_language(client, settings, payload):
    from django.utils import translation

    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "el"
    response = client.post("/chat/", {"text": payload})
    html = (client.get(response["Location"]) if response.status_code == 302 else response).content.decode()
    with translation.override("el"):
        expected = [translation.gettext(text) for text in (
            "I do not know the answer to that, and I would rather not guess. Try other words, or talk to a person.",
            "Type your question before sending it.",
        )] + [translation.gettext("Your message has %(length)s characters. Keep it to %(max)s characters or fewer, or split it into several messages.").split("%")[0]]
    assert any(text in html for text in expected), html[-3000:]
    assert '<html lang="el"' in html
    if payload:
        assert payload not in html


def test_a_suggestion_picked_twice_is_answered_once(client):
    url = ask(client, "certificate")
    assert client.post(url, {"pick": "certificate-insurance"}).status_code == 302
    response = client.post(url, {"pick": "certificate-insurance"})
    assert response.status_code == 400 and "That suggestion is no longer offered." in response.content.decode()
    assert ConversationMessage.objects.filter(item_id="certificate-insurance", decision="answer").count() == 1


def test_portal_paths_in_the_assistants_answers_are_links_and_nothing_else_is_markup():
    import datetime
    from types import SimpleNamespace

    from django.template.loader import render_to_string

    text = "Apply at /services/gr-insurance-history-certificate/apply. <b>bold</b>"
    def render(sender):
        message = SimpleNamespace(pk=1, sender=sender, title="", text=text, suggestions=[], created_at=datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC))
        return render_to_string("contact/chat/_message.html", {"message": message, "live_suggestions_id": None})

    link = '<a class="govuk-link" href="/services/gr-insurance-history-certificate/apply">/services/gr-insurance-history-certificate/apply</a>'
    assistant, person = render("assistant"), render("person")
    assert link in assistant and "&lt;b&gt;bold&lt;/b&gt;" in assistant and "<b>" not in assistant
    assert link not in person and "&lt;b&gt;bold&lt;/b&gt;" in person  # what a person typed is never turned into links
