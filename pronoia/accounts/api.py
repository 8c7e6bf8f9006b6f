"""API of accounts: the signed-in person's mandates, given and held."""
from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from pronoia.accounts.models import Mandate
from pronoia.accounts.permissions import CITIZEN_ROLES, api_roles_require
from pronoia.accounts.selectors import mandates_given_list, mandates_held_list

router = Router(tags=["mandates"])


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


class PartyOut(Schema):
    kind: str  # "person" or "employer"
    id: int
    name: str


class MandateOut(Schema):
    id: int
    principal: PartyOut
    representative: PartyOut
    scope: list[str]
    valid_from: str
    valid_to: str | None
    status: str
    revoked_at: str | None


class MyMandatesOut(Schema):
    given: list[MandateOut]
    held: list[MandateOut]


def _party(person=None, employer=None) -> dict:
    if person is not None:
        return {"kind": "person", "id": person.pk, "name": f"{person.given_name} {person.surname}"}
    return {"kind": "employer", "id": employer.pk, "name": employer.name}


def _mandate_dict(mandate: Mandate) -> dict:
    return {
        "id": mandate.pk,
        "principal": _party(mandate.principal_person, mandate.principal_employer),
        "representative": _party(mandate.representative),
        "scope": list(mandate.scope),
        "valid_from": mandate.valid_from.isoformat(),
        "valid_to": mandate.valid_to.isoformat() if mandate.valid_to else None,
        "status": mandate.status,
        "revoked_at": mandate.revoked_at.isoformat() if mandate.revoked_at else None,
    }


@router.get("/me/mandates", response={200: MyMandatesOut, 401: ErrorOut, 403: ErrorOut}, url_name="my_mandates")
def my_mandates(request: HttpRequest):
    """The mandates the signed-in person gave (including revoked ones) and holds."""
    api_roles_require(request, *CITIZEN_ROLES)
    actor = request.actor
    return {
        "given": [_mandate_dict(m) for m in mandates_given_list(actor=actor)],
        "held": [_mandate_dict(m) for m in mandates_held_list(actor=actor)],
    }
