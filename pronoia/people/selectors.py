"""Reads of the person registry."""
from __future__ import annotations

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
