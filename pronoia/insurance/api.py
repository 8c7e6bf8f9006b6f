"""JSON API of the insurance record: the signed-in person's own, and any person's for staff."""
from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from pronoia.audit.services import audit_record
from pronoia.core.errors import PermissionDenied, PronoiaError
from pronoia.core.signed_in import signed_in_person_get
from pronoia.insurance.selectors import insurance_record_get
from pronoia.people.selectors import person_get_by_national_id

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


@router.get("/me/insurance-record", response={200: InsuranceRecordOut, 401: ErrorOut}, url_name="my_insurance_record")
def my_insurance_record(request: HttpRequest):
    """The insurance record of the signed-in person."""
    person = signed_in_person_get(request)
    if person is None:
        raise PronoiaError(code="not_signed_in", message=_("Sign in to see your insurance record."), status_code=401)
    return insurance_record_get(person=person)


@router.get(
    "/persons/{national_id}/insurance-record",
    response={200: InsuranceRecordOut, 403: ErrorOut, 404: ErrorOut},
    url_name="person_insurance_record",
)
def person_insurance_record(request: HttpRequest, national_id: str, country: str | None = None):
    """Any person's insurance record, for staff. Each read is written to the audit log."""
    user = request.user
    if not (user.is_authenticated and user.is_staff):
        raise PermissionDenied(code="staff_only", message=_("Only staff can see another person's insurance record."))
    person = person_get_by_national_id(national_id=national_id.strip(), country=country)
    audit_record(
        action="insurance_record_viewed",
        object_type="person",
        object_id=person.pk,
        actor=user,
        person_id=person.pk,
        data={"channel": "api"},
    )
    return insurance_record_get(person=person)
