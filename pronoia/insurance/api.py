"""JSON API of the insurance record: the signed-in person's own (or their principal's), and any person's for staff."""
from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from pronoia.accounts.access import CASEWORK_ROLES, PURPOSE_MAX_CHARS
from pronoia.accounts.permissions import CITIZEN_ROLES, api_roles_require
from pronoia.accounts.roles import Role
from pronoia.core.errors import NotFound, PermissionDenied, PronoiaError
from pronoia.insurance.selectors import insurance_record_get, insurance_record_get_by_national_id
from pronoia.people.models import Person

router = Router(tags=["insurance record"])


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


class PersonOut(Schema):
    id: int
    country: str
    national_id: str
    national_id_name: str
    surname: str
    given_name: str
    surname_latin: str
    given_name_latin: str
    birth_date: str


class TotalsOut(Schema):
    days: int
    insured_years: float
    days_per_insured_year: int
    earnings: str
    currency: str
    periods_counted: int
    periods_not_counted: int


class YearOut(Schema):
    year: int
    days: int
    earnings: str


class FundOut(Schema):
    fund: str
    fund_name: str
    days: int
    earnings: str


class EmployerRefOut(Schema):
    id: int
    registry_no: str
    name: str


class ProvenanceOut(Schema):
    source: str
    source_name: str
    source_record_id: str
    import_batch_id: int | None
    source_line: int | None
    received_at: str


class PeriodOut(Schema):
    id: int
    fund: str
    fund_name: str
    employer: EmployerRefOut | None
    insurance_type: str
    insurance_type_label: str
    period_from: str
    period_to: str
    days: int
    earnings: str
    contributions: str
    currency: str
    status: str
    status_label: str
    counts: bool
    superseded: bool
    superseded_by: int | None
    duplicate_of: int | None
    link_method: str
    link_method_label: str
    provenance: ProvenanceOut


class EmployerOut(Schema):
    id: int
    registry_no: str
    name: str
    first_from: str
    last_to: str
    days: int
    earnings: str
    periods: int


class FlagOut(Schema):
    id: int
    code: str
    title: str
    message: str
    key: str
    details: dict
    period_id: int | None
    status: str
    detected_at: str


class InsuranceRecordOut(Schema):
    person: PersonOut
    totals: TotalsOut
    by_year: list[YearOut]
    by_fund: list[FundOut]
    periods: list[PeriodOut]
    employers: list[EmployerOut]
    flags: list[FlagOut]


@router.get("/me/insurance-record", response={200: InsuranceRecordOut, 401: ErrorOut, 403: ErrorOut}, url_name="my_insurance_record")
def my_insurance_record(request: HttpRequest):
    """The insurance record of the signed-in person, or of their principal when acting under a mandate."""
    actor = request.actor
    if not actor.is_authenticated:
        raise PronoiaError(code="not_signed_in", message=_("Sign in to see your insurance record."), status_code=401)
    api_roles_require(request, *CITIZEN_ROLES)
    if actor.subject_person_id is None:
        raise PermissionDenied(code="mandate_for_employer", message=_("You are acting for an employer. Stop acting for them to see your own insurance record."))
    person = Person.objects.get(pk=actor.subject_person_id)
    return insurance_record_get(actor=actor, person=person)


@router.get(
    "/persons/{national_id}/insurance-record",
    response={200: InsuranceRecordOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    url_name="person_insurance_record",
)
def person_insurance_record(request: HttpRequest, national_id: str, country: str | None = None, purpose: str = ""):
    """Any person's insurance record, for case handlers, branch staff and administrators with a
    stated `purpose`; for a second-line operator, the person they are serving. Each read is
    written to the person's access log."""
    api_roles_require(request, *CASEWORK_ROLES, Role.OPERATOR_L2)
    actor = request.actor
    purpose = purpose.strip()
    if actor.has_role(*CASEWORK_ROLES):
        if not purpose:
            raise PronoiaError(code="purpose_required", message=_("State the purpose of this access."), field="purpose")
    if len(purpose) > PURPOSE_MAX_CHARS:
        raise PronoiaError(
            code="purpose_too_long", message=_("The purpose must be %(max)s characters or fewer.") % {"max": PURPOSE_MAX_CHARS}, field="purpose"
        )
    if len(national_id) > 32:
        raise NotFound(code="person_not_found", message=_("No person with this national identifier."), field="national_id")
    return insurance_record_get_by_national_id(actor=actor, national_id=national_id, country=country, purpose=purpose)
