"""The demo's staff accounts, so a new user can open the back office without creating one.

Each account has a random password and a confirmed authenticator-app (TOTP) device; both are
kept in var/demo_staff.json (mode 0600) so `make run` prints the same ones every time and a demo
user can compute codes with `oathtool --totp -b SECRET` or add the secret to an app.
"""
from __future__ import annotations

import base64
import json
import os
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from pronoia.accounts.models import RoleAssignment
from pronoia.accounts.roles import Role

# Kept for older callers: the administrator's account.
DEMO_STAFF_USERNAME = "demo-admin"
DEMO_STAFF_ACCOUNTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("demo-admin", (Role.ADMINISTRATOR,)),
    ("demo-handler", (Role.CASE_HANDLER,)),
    ("demo-operator", (Role.OPERATOR_L2,)),
    ("demo-operator1", (Role.OPERATOR_L1,)),
    ("demo-auditor", (Role.AUDITOR,)),
)
DEMO_DEVICE_NAME = "demo authenticator"
# The demo case handler works in every unit, so new applications are assigned to them automatically.
DEMO_HANDLER_UNITS = ("insurance-records", "benefits", "international-relations")


@dataclass(frozen=True)
class DemoStaffCredential:
    username: str
    password: str
    roles: tuple[str, ...]
    # Base32 TOTP secret of the account's authenticator, so a demo user can compute codes
    # (`oathtool --totp -b SECRET`).
    totp_secret: str = ""


def _secrets_file():
    return settings.VAR_DIR / "demo_staff.json"


def _kept_secrets() -> dict[str, dict[str, str]]:
    path = _secrets_file()
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _keep_secrets(data: dict[str, dict[str, str]]) -> None:
    path = _secrets_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created 0600 from the start: the secrets are never readable by others, not even briefly.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(data, handle, indent=2, sort_keys=True)
    path.chmod(0o600)


def _valid(entry) -> bool:
    if not isinstance(entry, dict) or not isinstance(entry.get("password"), str) or not isinstance(entry.get("totp_secret"), str):
        return False
    try:
        return len(base64.b32decode(entry["totp_secret"] + "=" * (-len(entry["totp_secret"]) % 8))) == 20
    except ValueError:
        return False


@transaction.atomic
def demo_staff_users_ensure() -> list[DemoStaffCredential]:
    """Create (once) the demo staff accounts and return how to sign in with each.

    Runs again safely: accounts, roles and devices are brought back to the kept secrets.
    """
    kept = _kept_secrets()
    changed = False
    User = get_user_model()
    credentials = []
    for username, roles in DEMO_STAFF_ACCOUNTS:
        entry = kept.get(username)
        if not _valid(entry):
            entry = {"password": secrets.token_urlsafe(12), "totp_secret": base64.b32encode(secrets.token_bytes(20)).decode("ascii")}
            kept[username] = entry
            changed = True
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User.objects.create_user(username=username, email=f"{username}@example.org", password=entry["password"], is_staff=True)
        elif not user.check_password(entry["password"]) or not user.is_staff or not user.is_active:
            user.set_password(entry["password"])
            user.is_staff = user.is_active = True
            user.save(update_fields=["password", "is_staff", "is_active"])
        for role in roles:
            for unit in DEMO_HANDLER_UNITS if role == Role.CASE_HANDLER else ("Demo",):
                if not RoleAssignment.objects.filter(user=user, role=role, unit=unit, revoked_at__isnull=True).exists():
                    RoleAssignment.objects.create(user=user, role=role, unit=unit)
        key_hex = base64.b32decode(entry["totp_secret"]).hex()
        device = TOTPDevice.objects.filter(user=user, name=DEMO_DEVICE_NAME).first()
        if device is None:
            TOTPDevice.objects.create(user=user, name=DEMO_DEVICE_NAME, key=key_hex, confirmed=True)
        elif device.key != key_hex or not device.confirmed:
            device.key, device.confirmed, device.last_t = key_hex, True, -1
            device.save(update_fields=["key", "confirmed", "last_t"])
        credentials.append(DemoStaffCredential(username=username, password=entry["password"], roles=tuple(str(r) for r in roles), totp_secret=entry["totp_secret"]))
    if changed or not _secrets_file().exists():
        _keep_secrets(kept)
    return credentials


def demo_staff_user_ensure() -> tuple[str, str]:
    """(username, password) of the demo administrator; prefer demo_staff_users_ensure(), which
    also gives the TOTP secret every staff sign-in needs."""
    administrator = demo_staff_users_ensure()[0]
    return administrator.username, administrator.password
