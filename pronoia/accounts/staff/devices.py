"""Second factors of staff accounts: TOTP enrolment, single-use backup codes, code verification.

Passkeys (django-otp-webauthn credentials) are registered and verified by the views in
pronoia.accounts.staff.webauthn; this module only asks whether a user has one.
"""
from __future__ import annotations

import base64
import re

import segno
from django.conf import settings
from django.db import transaction
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp_webauthn.models import WebAuthnCredential

from pronoia.audit.services import audit_record

TOTP_DEVICE_NAME = "authenticator app"
BACKUP_DEVICE_NAME = "backup codes"
_TOTP_CODE = re.compile(r"^[0-9]{6}$")
_BACKUP_CODE = re.compile(r"^[a-z2-7]{8}$")


def totp_code_normalise(value: str) -> str | None:
    """Six digits with spaces removed, or None when it cannot be a TOTP code."""
    value = re.sub(r"\s+", "", value or "")
    return value if _TOTP_CODE.match(value) else None


def backup_code_normalise(value: str) -> str | None:
    """A backup code as issued (eight base32 characters, lower case), or None."""
    value = re.sub(r"[\s-]+", "", value or "").lower()
    return value if _BACKUP_CODE.match(value) else None


def user_has_second_factor(user) -> bool:
    """True when the user has a confirmed authenticator app or passkey (backup codes alone do not count)."""
    return (
        TOTPDevice.objects.filter(user=user, confirmed=True).exists()
        or WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()
    )


def user_has_passkey(user) -> bool:
    return WebAuthnCredential.objects.filter(user=user, confirmed=True).exists()


def totp_enrolment_device_get(*, user) -> TOTPDevice:
    """The unconfirmed authenticator-app device the user is enrolling (created on first call)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=TOTP_DEVICE_NAME, confirmed=False)
    return device


def totp_secret_base32(device: TOTPDevice) -> str:
    """The secret as authenticator apps expect it for manual entry (base32, no padding)."""
    return base64.b32encode(device.bin_key).decode("ascii").rstrip("=")


def totp_qr_svg(device: TOTPDevice, *, title: str) -> str:
    """The otpauth:// URL as an inline SVG QR code (no external image, no script)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, title=title, border=4)


@transaction.atomic
def totp_enrolment_confirm(*, user, code: str) -> TOTPDevice | None:
    """Confirm the enrolling device with a code from the app; None when the code is wrong."""
    device = TOTPDevice.objects.select_for_update().filter(user=user, confirmed=False).order_by("pk").first()
    if device is None or not device.verify_token(code):
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    # Other half-finished enrolments (an earlier QR code) are dropped.
    TOTPDevice.objects.filter(user=user, confirmed=False).delete()
    audit_record(action="staff.totp_enrolled", object_type="user", object_id=user.pk, actor=user)
    return device


@transaction.atomic
def backup_codes_issue(*, user) -> list[str]:
    """A fresh set of single-use backup codes; earlier codes stop working. Shown once, stored as issued."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name=BACKUP_DEVICE_NAME, defaults={"confirmed": True})
    device.token_set.all().delete()
    codes: list[str] = []
    while len(codes) < settings.PRONOIA_STAFF_BACKUP_CODES:
        code = StaticToken.random_token()
        if code not in codes:
            codes.append(code)
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    audit_record(action="staff.backup_codes_issued", object_type="user", object_id=user.pk, actor=user)
    return codes


def backup_codes_remaining(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__confirmed=True).count()


@transaction.atomic
def second_factor_code_verify(*, user, code: str, kind: str):
    """The device that accepts `code` ("totp": authenticator app, "backup": a backup code), else None.

    Devices are locked while checking so one code cannot be used twice concurrently; a TOTP code
    already used (or an older one) is refused, and a backup code is deleted when used.
    """
    model = TOTPDevice if kind == "totp" else StaticDevice
    for device in devices_for_user(user, confirmed=True, for_verify=True):
        if isinstance(device, model) and device.verify_token(code):
            return device
    return None
