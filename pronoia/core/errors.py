"""Errors with codes: services raise them; one handler renders them in the user's language."""
from __future__ import annotations

from django.http import HttpRequest, JsonResponse


class PronoiaError(Exception):
    """A business-rule or input error a user can act on.

    `code` is stable and machine-readable; `message` is translated text for people;
    `field` names the input at fault when there is one.
    """

    status_code = 400

    def __init__(self, *, code: str, message: str, field: str | None = None, status_code: int | None = None):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = str(message)
        self.field = field
        if status_code is not None:
            self.status_code = status_code

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "field": self.field}


class NotFound(PronoiaError):
    status_code = 404


class PermissionDenied(PronoiaError):
    status_code = 403


def pronoia_error_response(request: HttpRequest, exc: PronoiaError) -> JsonResponse:
    return JsonResponse(exc.as_dict(), status=exc.status_code)
