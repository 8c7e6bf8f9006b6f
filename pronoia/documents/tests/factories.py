"""Helpers for the documents tests: a person with an insurance file, the actor of that person."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from pronoia.accounts.actors import Actor
from pronoia.accounts.roles import Role
from pronoia.insurance.tests.factories import InsurancePeriodFactory, fund
from pronoia.people.tests.factories import PersonFactory


def person_with_history(*, periods: int = 3, **person_fields):
    person = PersonFactory(**person_fields)
    for year in range(2015, 2015 + periods):
        InsurancePeriodFactory(
            person=person,
            fund=fund("IKA-ETAM"),
            period_from=dt.date(year, 1, 1),
            period_to=dt.date(year, 12, 31),
            days=300,
            earnings=Decimal("14250.50"),
        )
    return person


def citizen_actor(person) -> Actor:
    """The actor of `person` signed in through eID (as ActorMiddleware would build it)."""
    return Actor(user_id=10_000 + person.pk, username=f"eid-{person.pk}", roles=frozenset({Role.CITIZEN}), person_id=person.pk, loa="high")
