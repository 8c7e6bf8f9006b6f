"""Writes to the person registry."""
from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils.translation import gettext as _

from pronoia.core.errors import PronoiaError
from pronoia.people.models import LegacyIdentifier, Person
from pronoia.people.names import name_key, transliterate
from pronoia.people.national_ids import validate_national_id


def person_build(
    *,
    country: str,
    national_id: str,
    surname: str,
    given_name: str,
    birth_date: dt.date,
    sex: str = "",
    email: str = "",
    phone: str = "",
    address: str = "",
) -> Person:
    """Validate and build (unsaved) a person; the identifier's embedded birth date must agree."""
    facts = validate_national_id(country, national_id)
    if facts.birth_date != birth_date:
        raise PronoiaError(
            code="birth_date_mismatch",
            message=_("The birth date %(date)s does not match the one in the national identifier (%(id_date)s).")
            % {"date": birth_date.isoformat(), "id_date": facts.birth_date.isoformat()},
            field="birth_date",
        )
    if facts.sex and sex and facts.sex != sex:
        raise PronoiaError(code="sex_mismatch", message=_("The sex does not match the national identifier."), field="sex")
    surname, given_name = surname.strip(), given_name.strip()
    if not surname or not given_name:
        raise PronoiaError(code="name_required", message=_("Surname and given name are required."), field="surname" if not surname else "given_name")
    return Person(
        country=country,
        national_id=facts.national_id,
        surname=surname,
        given_name=given_name,
        surname_latin=transliterate(surname),
        given_name_latin=transliterate(given_name),
        name_key=name_key(surname, given_name),
        birth_date=birth_date,
        sex=sex or facts.sex,
        email=email,
        phone=phone,
        address=address,
    )


@transaction.atomic
def person_create(**fields) -> Person:
    person = person_build(**fields)
    person.save()
    return person


def legacy_identifier_learn(*, person: Person, fund_code: str, member_no: str, learnt_from: str = "") -> LegacyIdentifier:
    """Record that `fund_code:member_no` is `person`; an existing link to another person is an error."""
    identifier, _created = LegacyIdentifier.objects.get_or_create(
        fund_code=fund_code, member_no=member_no, defaults={"person": person, "learnt_from": learnt_from}
    )
    if identifier.person_id != person.pk:
        raise PronoiaError(
            code="legacy_identifier_conflict",
            message=_("Member number %(no)s of fund %(fund)s already belongs to another person.") % {"no": member_no, "fund": fund_code},
            field="legacy_member_no",
        )
    return identifier
