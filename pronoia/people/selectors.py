"""Reads of the person registry."""
from __future__ import annotations

import datetime
from collections.abc import Sequence

from django.utils.translation import gettext as _

from pronoia.accounts.actors import Actor
from pronoia.core.errors import NotFound
from pronoia.people.models import Person


def person_get_by_national_id(*, national_id: str, country: str | None = None) -> Person:
    qs = Person.objects.filter(national_id=national_id)
    if country:
        qs = qs.filter(country=country)
    person = qs.first()
    if person is None:
        raise NotFound(code="person_not_found", message=_("No person with this national identifier."), field="national_id")
    return person


def person_contact_get(*, actor: Actor, person_id: int, purpose: str = "") -> dict[str, str]:
    """The e-mail address and phone number on file, under `actor`'s access rights (logged unless
    the actor is the person): {"email": "...", "phone": "..."}, blank where none is known."""
    from pronoia.accounts.access import person_data_access_check
    from pronoia.accounts.roles import DataCategory

    person_data_access_check(actor, person_id=person_id, categories=[DataCategory.IDENTITY], purpose=purpose)
    row = Person.objects.filter(pk=person_id).values("email", "phone").first()
    if row is None:
        raise NotFound(code="person_not_found", message=_("No such person."), field="person_id")
    return {"email": row["email"] or "", "phone": row["phone"] or ""}


# --- for the system's own jobs (notifications): no actor, never shown to a person ------------------


def person_by_id(person_id: object) -> Person | None:
    """The person with this id, or None (ids that are not integers find none)."""
    if not isinstance(person_id, int) or isinstance(person_id, bool):
        return None
    return Person.objects.filter(pk=person_id).first()


def persons_contacts_by_ids(person_ids: Sequence[int]) -> list[Person]:
    """Those of `person_ids` that exist, with only what sending needs (id, e-mail, phone, country)."""
    return list(Person.objects.filter(pk__in=list(person_ids)).only("pk", "email", "phone", "country"))


def persons_born_between(*, country: str, sexes: Sequence[str], earliest: datetime.date, latest: datetime.date) -> list[tuple[int, datetime.date]]:
    """(id, birth date) of the country's persons of these sexes ("" for unknown) born within the dates."""
    return list(Person.objects.filter(country=country, sex__in=list(sexes), birth_date__gte=earliest, birth_date__lte=latest).values_list("pk", "birth_date"))
