"""Personal answers: from the signed-in person's own file through the owning apps' selectors, the
principal's under a mandate (within its scope, logged), "sign in" for anonymous visitors, and never
another person's data, whatever identifier is typed."""
import datetime
from decimal import Decimal

import pytest
from django.utils.formats import date_format

from pronoia.accounts.actors import ANONYMOUS, ActingFor, Actor
from pronoia.accounts.models import Mandate
from pronoia.accounts.roles import Role
from pronoia.accounts.tests.factories import citizen_user
from pronoia.audit.models import AuditEvent, DataAccessEntry
from pronoia.contact.models import ConversationMessage
from pronoia.contact.services.conversations import conversation_message_post, conversation_start
from pronoia.contact.tests.factories import chat_kb  # noqa: F401  (fixture)
from pronoia.employers.tests.factories import EmployerFactory
from pronoia.insurance.tests.factories import InsurancePeriodFactory
from pronoia.people.tests.factories import PersonFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("chat_kb")]


def citizen_actor(person, *, acting_for=None) -> Actor:
    user = citizen_user(person)
    roles = {Role.CITIZEN} | ({Role.REPRESENTATIVE} if acting_for else set())
    return Actor(user_id=user.pk, username=user.get_username(), roles=frozenset(roles), person_id=person.pk, acting_for=acting_for, request_id="test-chat-personal")


def ask(actor, text, language="en"):
    conversation = conversation_start(actor=actor, language=language)
    reply = conversation_message_post(conversation=conversation, actor=actor, text=text)[-1]
    conversation.refresh_from_db()
    return conversation, reply


def worker(*, days=(300, 250), employers=("Αλφα Κατασκευές ΑΕ", "Beta Logistics")):
    person = PersonFactory(country="gr", sex="M", birth_date=datetime.date(1962, 3, 10))
    for year, (count, name) in enumerate(zip(days, employers), start=2010):
        InsurancePeriodFactory(person=person, employer=EmployerFactory(name=name), days=count,
                               period_from=datetime.date(year, 1, 1), period_to=datetime.date(year, 12, 31))
    return person


def test_insured_days_and_years_from_the_own_record():
    person = worker(days=(300, 150))
    conversation, reply = ask(citizen_actor(person), "How many insured days do I have?")
    assert reply.item_id == "personal-insured-time" and reply.personal
    assert "450 days of insurance" in reply.text and "1.50" in reply.text and "300 days make one insured year" in reply.text
    assert conversation.personal_categories == ["insurance_record"]
    event = AuditEvent.objects.get(action="contact_chat_personal_answer")
    assert event.person_id == person.pk and event.data["categories"] == ["insurance_record"]
    # The person reading their own file is not an access to log (accounts.access); an audit event records the answer.
    assert not DataAccessEntry.objects.exists()


def test_one_day_uses_the_singular():
    person = worker(days=(1,), employers=("Gamma",))
    assert "1 day of insurance." in ask(citizen_actor(person), "How many insured days do I have?")[1].text


def test_employers_on_record_in_greek():
    person = worker()
    _conversation, reply = ask(citizen_actor(person), "Ποιοι ήταν οι εργοδότες μου;", language="el")
    assert reply.item_id == "personal-employers"
    assert "Αλφα Κατασκευές ΑΕ" in reply.text and "Beta Logistics" in reply.text
    assert reply.text.splitlines()[0].startswith("2 ")


def test_application_statuses():
    from pronoia.services.tests.application_factories import application_make

    person = worker()
    application = application_make(person)
    _conversation, reply = ask(citizen_actor(person), "What is the status of my applications?")
    assert reply.item_id == "personal-applications"
    assert application.protocol in reply.text and "1 application" in reply.text
    other = PersonFactory()
    assert ask(citizen_actor(other), "What is the status of my applications?")[1].text == "You have no applications."


def test_earliest_pension_date_is_the_forecasts(funds):
    from django.utils import timezone

    from pronoia.pensions.forecast import WhatIf, pension_forecast_get

    person = PersonFactory(country="gr", sex="M", birth_date=datetime.date(1962, 3, 10))
    for year in range(2000, 2026):
        InsurancePeriodFactory(person=person, period_from=datetime.date(year, 1, 1), period_to=datetime.date(year, 12, 31), days=300, earnings=Decimal("18000.00"))
    actor = citizen_actor(person)
    expected = pension_forecast_get(actor=actor, person=person, what_if=WhatIf(), today=timezone.localdate())["earliest_full_date"]
    _conversation, reply = ask(actor, "When can I retire at the earliest?")
    assert reply.item_id == "personal-pension-date" and expected
    assert date_format(datetime.date.fromisoformat(expected), "DATE_FORMAT") in reply.text and "estimate" in reply.text


def test_a_record_that_cannot_give_a_pension_date_hands_over_to_the_second_line(funds):
    person = PersonFactory(country="gr", sex="", birth_date=datetime.date(1970, 1, 1))  # no sex on record: the forecast needs it
    InsurancePeriodFactory(person=person)
    conversation, reply = ask(citizen_actor(person), "When can I retire at the earliest?")
    assert reply.sender == "system" and conversation.state == "open"
    assert conversation.queue == "line2" and conversation.handover_reason == "personal_question"


@pytest.mark.parametrize(("language", "text", "expected"), [
    ("en", "How many insured days do I have?", "Sign in to see your insured days"),
    ("el", "Πόσα ένσημα έχω;", "Συνδεθείτε"),
    ("pl", "Kiedy najwcześniej mogę przejść na emeryturę?", "Zaloguj się"),
    ("bg", "Кои са били моите работодатели?", "Влезте в системата"),
    ("ru", "Где моё заявление?", "Войдите в систему"),
])
def test_anonymous_visitors_are_asked_to_sign_in(language, text, expected):
    worker()  # someone's data exists; none of it is read
    conversation, reply = ask(ANONYMOUS, text, language=language)
    assert reply.item_id.startswith("personal-") and reply.text.startswith(expected) and not reply.personal
    assert conversation.personal_categories == []
    assert not AuditEvent.objects.filter(action="contact_chat_personal_answer").exists()


def test_a_typed_identifier_of_another_person_is_never_looked_up():
    me = worker(days=(120,), employers=("My Employer Ltd",))
    other = worker(days=(300, 300), employers=("Secret Employer SA", "Hidden Works"))
    other_name = f"{other.given_name} {other.surname}"
    conversation, reply = ask(citizen_actor(me), f"How many insured days does {other.national_id} have? And who employs {other.national_id}?")
    texts = list(ConversationMessage.objects.filter(conversation=conversation).values_list("text", flat=True))
    blob = "\n".join(texts)
    assert other.national_id not in blob and other_name not in blob and "Secret Employer" not in blob and "600" not in blob
    assert "[•••]" in texts[0]  # the identifier is not even stored
    assert any("never look up an identification number" in t and "without a number" in t and "once you are signed in" not in t for t in texts)
    assert "120 days of insurance" in reply.text  # the person's own file, only
    anonymous_conversation, anonymous_reply = ask(ANONYMOUS, f"How many insured days does {other.national_id} have?")
    assert anonymous_conversation.messages.filter(text__contains="once you are signed in").exists()  # the anonymous visitor is told to sign in
    assert anonymous_reply.text.startswith("Sign in") and other.national_id not in str(list(anonymous_conversation.messages.values_list("text", flat=True)))
    assert not DataAccessEntry.objects.exists()


def test_under_a_mandate_the_principals_file_within_its_scope_and_logged():
    principal = worker(days=(200,), employers=("Principal Employer",))
    representative = worker(days=(50,), employers=("Representative Employer",))
    mandate = Mandate.objects.create(principal_person=principal, representative=representative, scope=["insurance_record"], valid_from=datetime.date(2020, 1, 1))
    actor = citizen_actor(representative, acting_for=ActingFor(mandate.pk, principal.pk, None, frozenset(mandate.scope), "principal"))
    conversation, reply = ask(actor, "How many insured days do I have?")
    assert conversation.person_id == principal.pk and conversation.acting_mandate_id == mandate.pk
    assert "200 days of insurance" in reply.text
    entry = DataAccessEntry.objects.get()
    assert (entry.person_id, entry.mandate_id, entry.categories, entry.actor_role) == (principal.pk, mandate.pk, "insurance_record", "representative")
    # Applications are not in the mandate: the reason, and no data.
    reply = conversation_message_post(conversation=conversation, actor=actor, text="What is the status of my applications?")[-1]
    assert "does not cover" in reply.text and not reply.personal
    assert DataAccessEntry.objects.count() == 1
