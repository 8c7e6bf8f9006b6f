"""Prefill a form from the person's file, so that nothing the institution knows is asked again.

Reads go through the access rule (accounts.access) with the actor, so an access by anyone other
than the person is checked and logged with the purpose "prefilling an application form".
"""
from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from pronoia.accounts.access import person_data_access_check, person_data_access_permits
from pronoia.accounts.actors import Actor
from pronoia.accounts.roles import DataCategory
from pronoia.core.errors import NotFound
from pronoia.services.forms.definitions import FormDefinition

PREFILL_PURPOSE = "prefilling an application form"


def _person_values(person) -> dict[str, Any]:
    return {
        "person.surname": person.surname,
        "person.given_name": person.given_name,
        "person.national_id": person.national_id,
        "person.birth_date": person.birth_date.isoformat() if person.birth_date else None,
        "person.email": person.email,
        "person.phone": person.phone,
        "person.address": person.address,
    }


def _insurance_values(record: dict) -> dict[str, Any]:
    # The employer of the latest counted period: record["employers"] is ordered by first period.
    employers = sorted(record.get("employers", []), key=lambda row: (row["last_to"], row["first_from"]))
    last = employers[-1] if employers else None
    return {
        "insurance.last_employer_name": last["name"] if last else None,
        "insurance.last_employer_registry_no": last["registry_no"] if last else None,
    }


def form_prefill(definition: FormDefinition, *, actor: Actor, person_id: int, purpose: str = PREFILL_PURPOSE) -> dict:
    """Values known from the person's file, keyed by field; those fields are shown read-only and
    form_validate(..., prefilled=...) re-applies them whatever the client sends.

    Only values that pass the field's own schema are given (an over-long address is left for the
    person to type). Raises PermissionDenied (from the access rule) when `actor` may not read the
    person's identity; values from the insurance record are left out when the actor may not read it.
    """
    from pronoia.people.models import Person  # people has no selector by id; the access rule is checked first

    wanted = {spec.name: spec.prefill for spec in definition.fields if spec.prefill}
    if not wanted:
        return {}
    sources = set(wanted.values())
    known: dict[str, Any] = {}
    person = None
    if any(source.startswith("person.") for source in sources):
        person_data_access_check(actor, person_id=person_id, categories=[DataCategory.IDENTITY], purpose=purpose)
        person = Person.objects.filter(pk=person_id).first()
        if person is None:
            raise NotFound(code="person_not_found", message=_("There is no such person."))
        known.update(_person_values(person))
    # The insurance record only adds convenience (the last employer): an actor whose mandate does not
    # cover it gets those questions empty instead of a refusal.
    if any(source.startswith("insurance.") for source in sources) and person_data_access_permits(
        actor, person_id=person_id, categories=[DataCategory.INSURANCE_RECORD], purpose=purpose
    ):
        from pronoia.insurance.selectors import insurance_record_get

        person = person or Person.objects.filter(pk=person_id).first()
        if person is None:
            raise NotFound(code="person_not_found", message=_("There is no such person."))
        known.update(_insurance_values(insurance_record_get(actor=actor, person=person, purpose=purpose)))

    values: dict[str, Any] = {}
    for name, source in wanted.items():
        value = known.get(source)
        if value in (None, ""):
            continue
        spec = definition.field(name)
        if spec.type == "string" and not isinstance(value, str):
            value = str(value)
        if any(True for _error in definition.validator.evolve(schema=spec.schema).iter_errors(value)):
            continue
        values[name] = value
    return values
