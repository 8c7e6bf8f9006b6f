"""Delivery edges: the SMS gateway's signed receipts, the browser's push subscription, the service worker.

Thin views: they parse and check the input once, call one service of the pipeline
(`notification_receipt_apply`, `push_subscription_save`, `push_subscription_remove`) and answer.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import time
from pathlib import Path

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt

from pronoia.accounts.permissions import ANYONE, CITIZEN_ROLES, RoleRequiredMixin
from pronoia.core.errors import PronoiaError, pronoia_error_response
from pronoia.notifications.channels.sms import GATEWAY_REASONS, GATEWAY_STATUSES, receipt_status

SIGNATURE_HEADER = "X-Gateway-Signature"
SIGNATURE = re.compile(r"^t=(?P<t>[0-9]{1,12}),v1=(?P<v1>[0-9a-f]{64})$")
REFERENCE = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
PROVIDER_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
RECEIPT_FIELDS = frozenset({"id", "reference", "status", "reason", "timestamp"})
SUBSCRIPTION_MAX_BYTES = 4096
SERVICE_WORKER = Path(__file__).resolve().parent / "static" / "notifications" / "sw.js"


def _error(code: str, message: str, *, field: str | None = None, status: int = 400) -> JsonResponse:
    return pronoia_error_response(None, PronoiaError(code=code, message=message, field=field, status_code=status))


def _body_read(request: HttpRequest, *, limit: int) -> bytes | JsonResponse:
    """The body, refused from its Content-Length before reading when larger than `limit`."""
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return _error("body_length_invalid", _("The Content-Length header is not a number."), field="Content-Length")
    if declared > limit:
        return _error("body_too_large", _("The request body is larger than %(limit)s bytes.") % {"limit": limit}, status=413)
    body = request.read(limit + 1)
    if len(body) > limit:
        return _error("body_too_large", _("The request body is larger than %(limit)s bytes.") % {"limit": limit}, status=413)
    return body


def _json_object(body: bytes) -> dict | JsonResponse:
    try:
        data = json.loads(body.decode("utf-8"))
    except UnicodeDecodeError:
        return _error("body_not_utf8", _("The request body is not UTF-8 text."))
    except json.JSONDecodeError as error:
        return _error("body_not_json", _("The request body is not JSON (line %(line)s, column %(column)s).") % {"line": error.lineno, "column": error.colno})
    if not isinstance(data, dict):
        return _error("body_not_object", _("The request body must be a JSON object."))
    return data


def receipt_signature_check(*, header: str, body: bytes, secret: str, now: float) -> JsonResponse | None:
    """None when `header` is the gateway's valid, recent HMAC of `body`; else the answer to send."""
    if not header:
        return _error("receipt_signature_missing", _("The %(header)s header is missing.") % {"header": SIGNATURE_HEADER}, field=SIGNATURE_HEADER)
    match = SIGNATURE.match(header)
    if match is None:
        return _error("receipt_signature_malformed", _("The %(header)s header must be t=<unix time>,v1=<hex HMAC-SHA256>.") % {"header": SIGNATURE_HEADER}, field=SIGNATURE_HEADER)
    timestamp = int(match["t"])
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    if not hmac.compare_digest(expected, match["v1"]):
        return _error("receipt_signature_invalid", _("The receipt's signature does not match."), field=SIGNATURE_HEADER, status=403)
    if abs(now - timestamp) > settings.NOTIFICATIONS_SMS_RECEIPT_TOLERANCE_SECONDS:
        # Checked after the HMAC so that the time cannot be forged; an old receipt may be a replay.
        return _error("receipt_signature_expired", _("The receipt was signed too long ago."), field=SIGNATURE_HEADER, status=403)
    return None


def receipt_parse(data: dict) -> dict | JsonResponse:
    """The receipt's fields as the pipeline takes them, or a 400 naming the first field at fault."""
    unexpected = sorted(set(data) - RECEIPT_FIELDS)
    if unexpected:
        return _error("receipt_field_unexpected", _("Unexpected field %(field)s.") % {"field": unexpected[0][:40]}, field=unexpected[0][:40])
    reference = data.get("reference")
    if not isinstance(reference, str) or not REFERENCE.match(reference):
        return _error("receipt_reference_invalid", _("The reference must be 1 to 64 letters, digits, - or _."), field="reference")
    provider_id = data.get("id")
    if not isinstance(provider_id, str) or not PROVIDER_ID.match(provider_id):
        return _error("receipt_id_invalid", _("The id must be 1 to 100 letters, digits or . : - _."), field="id")
    status = data.get("status")
    if status not in GATEWAY_STATUSES:
        return _error("receipt_status_invalid", _("The status must be one of: %(values)s.") % {"values": ", ".join(GATEWAY_STATUSES)}, field="status")
    reason = data.get("reason")
    if reason is not None and reason not in GATEWAY_REASONS:
        return _error("receipt_reason_invalid", _("The reason must be empty or one of: %(values)s.") % {"values": ", ".join(GATEWAY_REASONS)}, field="reason")
    if status == "failed" and reason is None:
        return _error("receipt_reason_missing", _("A failed receipt needs a reason."), field="reason")
    try:
        received_at = dt.datetime.fromisoformat(data.get("timestamp"))
    except (TypeError, ValueError):
        received_at = None
    if received_at is None or received_at.tzinfo is None:
        return _error("receipt_timestamp_invalid", _("The timestamp must be an ISO 8601 date and time with a time zone."), field="timestamp")
    return {
        "reference": reference,
        "status": receipt_status(status, reason),
        "provider_reference": provider_id,
        "detail": f"gateway: {status} {reason or ''}".strip(),
        "received_at": received_at,
    }


def _receipt_problem(answer: JsonResponse) -> dict:
    error = json.loads(answer.content)
    return {key: error[key] for key in ("code", "message", "field") if error.get(key) is not None}


@method_decorator(csrf_exempt, name="dispatch")  # the gateway has no session; its HMAC authenticates it
class SmsReceiptView(RoleRequiredMixin, View):
    """POST /notifications/receipts/sms: delivery receipts from the SMS gateway.

    The body is one receipt, or a batch `{"receipts": [receipt, …]}` (at most
    NOTIFICATIONS_SMS_RECEIPT_BATCH_MAX). A batch is applied in one transaction and answered 200
    with one result per receipt, in order: `{"reference", "status"}`, or `{"index", "code",
    "message", "field"}` for a receipt refused on its own (a bad one never holds up the others).
    """

    allowed_roles = frozenset({ANYONE})
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        body = _body_read(request, limit=settings.NOTIFICATIONS_SMS_RECEIPT_MAX_BYTES)
        if isinstance(body, HttpResponse):
            return body
        refused = receipt_signature_check(header=request.headers.get(SIGNATURE_HEADER, ""), body=body, secret=settings.NOTIFICATIONS_SMS_RECEIPT_SECRET, now=time.time())
        if refused is not None:
            return refused
        data = _json_object(body)
        if isinstance(data, HttpResponse):
            return data
        if "receipts" in data:
            return self._batch(request, data)
        receipt = receipt_parse(data)
        if isinstance(receipt, HttpResponse):
            return receipt
        from pronoia.notifications.services import notification_receipt_apply

        try:
            notification = notification_receipt_apply(**receipt)
        except PronoiaError as error:
            return pronoia_error_response(request, error)
        if notification is None:
            return _error("receipt_reference_unknown", _("No message has this reference."), field="reference", status=404)
        return JsonResponse({"reference": notification.reference, "status": notification.status})

    def _batch(self, request: HttpRequest, data: dict) -> HttpResponse:
        from pronoia.notifications.services import notification_receipts_apply

        unexpected = sorted(set(data) - {"receipts"})
        if unexpected:
            return _error("receipt_field_unexpected", _("Unexpected field %(field)s.") % {"field": unexpected[0][:40]}, field=unexpected[0][:40])
        items = data["receipts"]
        limit = settings.NOTIFICATIONS_SMS_RECEIPT_BATCH_MAX
        if not isinstance(items, list) or not items:
            return _error("receipts_not_list", _("receipts must be a list of 1 to %(limit)s receipts.") % {"limit": limit}, field="receipts")
        if len(items) > limit:
            return _error("receipts_too_many", _("A batch holds at most %(limit)s receipts; this one has %(count)s.") % {"limit": limit, "count": len(items)}, field="receipts", status=413)
        results: list[dict | None] = [None] * len(items)
        valid: list[tuple[int, dict]] = []
        for index, item in enumerate(items):
            parsed = receipt_parse(item) if isinstance(item, dict) else _error("receipt_not_object", _("Each receipt must be a JSON object."))
            if isinstance(parsed, HttpResponse):
                results[index] = {"index": index, **_receipt_problem(parsed)}
            else:
                valid.append((index, parsed))
        try:
            notifications = notification_receipts_apply(receipts=[parsed for _index, parsed in valid])
        except PronoiaError as error:
            return pronoia_error_response(request, error)
        for (index, parsed), notification in zip(valid, notifications, strict=True):
            if notification is None:
                results[index] = {"index": index, "code": "receipt_reference_unknown", "message": _("No message has this reference."), "field": "reference"}
            else:
                results[index] = {"reference": parsed["reference"], "status": notification.status}
        return JsonResponse({"results": results})


class PushSubscriptionView(RoleRequiredMixin, View):
    """POST (save) and DELETE (turn off) the signed-in person's browser push subscription (JSON, CSRF-checked)."""

    allowed_roles = CITIZEN_ROLES
    http_method_names = ["post", "delete"]

    def _data(self, request: HttpRequest) -> dict | HttpResponse:
        body = _body_read(request, limit=SUBSCRIPTION_MAX_BYTES)
        if isinstance(body, HttpResponse):
            return body
        return _json_object(body)

    def post(self, request: HttpRequest) -> HttpResponse:
        from pronoia.notifications.services import push_subscription_save

        data = self._data(request)
        if isinstance(data, HttpResponse):
            return data
        keys = data.get("keys")
        if not isinstance(keys, dict):
            return _error("push_keys_missing", _("The subscription has no keys."), field="keys")
        fields = {"endpoint": data.get("endpoint"), "p256dh": keys.get("p256dh"), "auth": keys.get("auth")}
        for name, value in fields.items():
            if not isinstance(value, str):
                return _error("push_field_invalid", _("The field %(field)s must be text.") % {"field": name}, field=name)
        try:
            push_subscription_save(user=request.user, user_agent=request.headers.get("User-Agent", ""), **fields)
        except PronoiaError as error:
            return pronoia_error_response(request, error)
        return JsonResponse({"endpoint": fields["endpoint"], "active": True}, status=201)

    def delete(self, request: HttpRequest) -> HttpResponse:
        from pronoia.notifications.services import push_subscription_remove

        data = self._data(request)
        if isinstance(data, HttpResponse):
            return data
        endpoint = data.get("endpoint")
        if not isinstance(endpoint, str) or not endpoint:
            return _error("push_field_invalid", _("The field %(field)s must be text.") % {"field": "endpoint"}, field="endpoint")
        push_subscription_remove(user=request.user, endpoint=endpoint)
        return HttpResponse(status=204)


class PushSettingsView(RoleRequiredMixin, View):
    """GET /notifications/push/: turn browser notifications on or off for this browser."""

    allowed_roles = CITIZEN_ROLES
    http_method_names = ["get"]

    def get(self, request: HttpRequest) -> HttpResponse:
        from pronoia.notifications.channels.push import vapid_application_server_key

        return render(request, "notifications/push/settings.html", {"application_server_key": vapid_application_server_key()})


@method_decorator(never_cache, name="dispatch")  # browsers must see a new worker at once
class ServiceWorkerView(RoleRequiredMixin, View):
    """GET /notifications/sw.js: the service worker, allowed to control the whole site (scope /)."""

    allowed_roles = frozenset({ANYONE})
    http_method_names = ["get"]

    def get(self, request: HttpRequest) -> HttpResponse:
        response = HttpResponse(SERVICE_WORKER.read_bytes(), content_type="text/javascript; charset=utf-8")
        response["Service-Worker-Allowed"] = "/"
        return response
