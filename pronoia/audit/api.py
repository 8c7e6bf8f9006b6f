"""API of the personal-data access log: the signed-in person's "who accessed my data"."""
from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema

from pronoia.accounts.permissions import api_roles_require
from pronoia.accounts.roles import Role
from pronoia.audit.access_log import occurred_at_canonical
from pronoia.audit.selectors import CITIZEN_PAGE_SIZE, data_access_page_for_own_person, page_number_parse
from pronoia.core.errors import PronoiaError

router = Router(tags=["data access"])


class ErrorOut(Schema):
    code: str
    message: str
    field: str | None = None


class CategoryOut(Schema):
    code: str
    label: str


class DataAccessOut(Schema):
    id: int
    occurred_at: str  # UTC, ISO 8601 with microseconds
    actor_role: str
    actor_role_label: str
    institution: str
    unit: str
    mandate_id: int | None
    categories: list[CategoryOut]
    purpose: str
    legal_basis: str
    channel: str
    channel_label: str
    reference: str


class DataAccessPageOut(Schema):
    count: int
    page: int
    pages: int
    page_size: int
    results: list[DataAccessOut]


@router.get(
    "/me/data-access",
    response={200: DataAccessPageOut, 400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Who accessed my data",
)
def my_data_access(request: HttpRequest):
    """Every access to the signed-in person's data by someone else, newest first (`?page=N&page_size=M`, at most 100)."""
    api_roles_require(request, Role.CITIZEN)
    page_number = page_number_parse(request.GET.get("page"))
    size_text = request.GET.get("page_size")
    page_size = CITIZEN_PAGE_SIZE if size_text in (None, "") else _page_size_parse(size_text)
    page = data_access_page_for_own_person(actor=request.actor, page=page_number, page_size=page_size, strict=True)
    return {
        "count": page.paginator.count,
        "page": page.number,
        "pages": page.paginator.num_pages,
        "page_size": page_size,
        "results": [
            {
                **row.__dict__,
                "occurred_at": occurred_at_canonical(row.occurred_at),
                "categories": [{"code": code, "label": label} for code, label in row.categories],
            }
            for row in page.object_list
        ],
    }


def _page_size_parse(text: str) -> int:
    if not (text.isascii() and text.isdigit()) or len(text) > 4:
        raise PronoiaError(code="invalid_page_size", message=_("The page size must be a whole number."), field="page_size")
    return int(text)
