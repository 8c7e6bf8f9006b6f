"""Proactive notices: statutory pension age within six months (from the country packs), once each."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.management import CommandError, call_command

from pronoia.core.models import DomainEvent
from pronoia.notifications.models import InboxEntry, ProactiveNotice
from pronoia.notifications.proactive import months_add, pension_age_candidates, proactive_pension_age_notify
from pronoia.notifications.tests.factories import person_with_contacts

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 2)


def test_months_add_keeps_the_day_or_takes_the_months_last():
    assert months_add(dt.date(1959, 6, 10), 804) == dt.date(2026, 6, 10)
    assert months_add(dt.date(1964, 2, 29), 12) == dt.date(1965, 2, 28)
    assert months_add(dt.date(2026, 8, 31), -6) == dt.date(2026, 2, 28)


def test_the_right_people_are_found_from_each_countrys_pack():
    gr_soon = person_with_contacts(country="gr", sex="M", birth_date=dt.date(1959, 6, 10))  # 67 on 2026-06-10
    gr_later = person_with_contacts(country="gr", sex="F", birth_date=dt.date(1959, 10, 1))  # 67 in October: beyond six months
    gr_past = person_with_contacts(country="gr", sex="M", birth_date=dt.date(1959, 1, 1))  # already 67
    pl_woman = person_with_contacts(country="pl", sex="F", birth_date=dt.date(1966, 5, 15))  # 60 on 2026-05-15
    pl_man = person_with_contacts(country="pl", sex="M", birth_date=dt.date(1966, 5, 15))  # 65 only in 2031
    bg_woman = person_with_contacts(country="bg", sex="F", birth_date=dt.date(1964, 1, 15))  # 62y6m (2026 schedule) on 2026-07-15
    found = dict(pension_age_candidates(today=TODAY))
    assert found == {gr_soon.pk: dt.date(2026, 6, 10), pl_woman.pk: dt.date(2026, 5, 15), bg_woman.pk: dt.date(2026, 7, 15)}
    assert not {gr_later.pk, gr_past.pk, pl_man.pk} & set(found)


def test_the_age_follows_the_pack_not_a_constant(monkeypatch):
    import pronoia.pensions.parameters as parameters

    person = person_with_contacts(country="gr", sex="M", birth_date=dt.date(1961, 6, 10))  # 65 on 2026-06-10
    assert pension_age_candidates(today=TODAY) == []
    real = parameters.pack_load

    def lowered(country):
        pack = real(country)
        if country == "gr":
            old = pack["full_pension_age"]
            value = parameters.ParameterValue(old.name, 780, dt.date(2013, 1, 1), {}, "month")
            pack["full_pension_age"] = parameters.Parameter(old.name, old.description, old.unit, (value,))
        return pack

    monkeypatch.setattr(parameters, "pack_load", lowered)
    assert pension_age_candidates(today=TODAY) == [(person.pk, dt.date(2026, 6, 10))]


def test_people_who_applied_for_a_pension_are_not_told():
    from pronoia.services.tests.application_factories import HISTORY, PENSION, application_make

    applied = person_with_contacts(country="gr", sex="M", birth_date=dt.date(1959, 6, 10))
    other_application = person_with_contacts(country="gr", sex="M", birth_date=dt.date(1959, 6, 11))
    application_make(applied, service_code=PENSION)
    application_make(other_application, service_code=HISTORY)
    assert [pid for pid, _day in pension_age_candidates(today=TODAY)] == [other_application.pk]


def test_each_person_is_told_once_and_a_rerun_sends_nothing(templates, django_capture_on_commit_callbacks):
    person = person_with_contacts(country="gr", sex="M", birth_date=dt.date(1959, 6, 10))
    with django_capture_on_commit_callbacks(execute=True):
        assert proactive_pension_age_notify(today=TODAY)["notified"] == 1
    entry = InboxEntry.objects.get(person=person)
    # A Greek person is told in Greek, with the day in Greek.
    assert entry.category == "proactive" and "ηλικία συνταξιοδότησης" in entry.title and "10/06/2026" in entry.body
    with django_capture_on_commit_callbacks(execute=True):
        assert proactive_pension_age_notify(today=TODAY)["notified"] == 0
        assert proactive_pension_age_notify(today=TODAY + dt.timedelta(days=1))["notified"] == 0
    assert ProactiveNotice.objects.count() == 1 and DomainEvent.objects.filter(name="notice.pension_age").count() == 1
    assert InboxEntry.objects.filter(person=person).count() == 1


def test_the_command_takes_a_day_and_refuses_a_bad_one(capsys):
    person_with_contacts(country="pl", sex="F", birth_date=dt.date(1966, 5, 15))
    call_command("notifications_proactive", "--today", "2026-03-02")
    assert "1 person(s) notified for 2026-03-02" in capsys.readouterr().out
    with pytest.raises(CommandError) as caught:
        call_command("notifications_proactive", "--today", "2026-02-30")
    assert "YYYY-MM-DD" in str(caught.value)
