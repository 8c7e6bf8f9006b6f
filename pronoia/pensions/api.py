"""JSON API of the pension calculator: the outside contract (same JSON as `pronoia pension_compute`).

Public: it computes only from the data submitted (no person's file is read), like the
institutions' public calculators. A person's own forecast from their file is the portal page.
"""
from __future__ import annotations

import json

from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema

from pronoia.core.errors import PronoiaError
from pronoia.pensions.compute import pension_compute

router = Router(tags=["pensions"])
MAX_BODY_BYTES = 512 * 1024


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


class TraceReferenceOut(Schema):
    law: str
    article: str
    url: str


class TraceOut(Schema):
    name: str
    value: str
    in_force_from: str
    unit: str
    reference: TraceReferenceOut
    note: str | None = None


class PensionResultOut(Schema):
    country: str
    eligible: bool
    claim_date: str
    earliest_full_date: str | None
    earliest_reduced_date: str | None
    monthly_amount: str
    monthly_amount_today: str
    currency: str
    components: dict[str, str]
    insured_days_at_claim: float
    missing: list[dict]
    assumptions: dict
    trace: list[TraceOut]
    notice: str


CASE_SCHEMA = {
    "type": "object",
    "required": ["birth_date", "sex", "claim_date"],
    "properties": {
        "birth_date": {"type": "string", "format": "date"},
        "sex": {"type": "string", "enum": ["F", "M"]},
        "claim_date": {"type": "string", "format": "date"},
        "periods": {"type": "array", "maxItems": 1000, "items": {
            "type": "object", "required": ["from", "to", "days"],
            "properties": {"from": {"type": "string", "format": "date"}, "to": {"type": "string", "format": "date"},
                           "days": {"type": "integer", "minimum": 0}, "earnings": {"type": "string"}, "type": {"type": "string"}}}},
        "assumptions": {"type": "object", "properties": {
            "as_of": {"type": "string", "format": "date"}, "future_monthly_earnings": {"type": "string"},
            "future_days_per_year": {"type": "number"}, "work_until": {"type": "string", "format": "date"},
            "earnings_growth": {"type": "number"}, "inflation": {"type": "number"}}},
        "residence_years": {"type": "number", "description": "gr only"},
        "capital": {"type": "string", "description": "pl only: account + sub-account + initial capital at the record date"},
        "individual_coefficient": {"type": "number", "description": "bg only"},
    },
}


@router.post(
    "/pensions/compute",
    response={200: PensionResultOut, 400: ErrorOut, 413: ErrorOut},
    url_name="pension_compute",
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": CASE_SCHEMA}}}},
    summary="Compute a pension from submitted data (forecast, not a decision)",
)
def pension_compute_endpoint(request: HttpRequest, country: str = ""):
    if not country:  # our error shape naming the field, not the framework's 422
        raise PronoiaError(code="pension_input_invalid", message=_("Give the country pack: ?country=gr, pl or bg."), field="country")
    if len(request.body) > MAX_BODY_BYTES:
        raise PronoiaError(code="pension_input_too_large", message=_("The request is too large."), status_code=413)
    try:
        data = json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: hostile nesting
        raise PronoiaError(code="pension_input_invalid", message=_("The request body is not valid JSON."), field="body") from None
    return pension_compute(country=country, data=data, today=timezone.localdate())
