"""Reads of the person registry."""
from __future__ import annotations

from django.utils.translation import gettext as _

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
