"""What happens when a staff member passes a second factor, whichever it was."""
from __future__ import annotations

from django.http import HttpRequest
from django_otp import login as otp_login

from pronoia.accounts.staff.lockout import client_address, sign_in_success_record
from pronoia.accounts.staff.reauth import second_factor_checked
from pronoia.audit.services import audit_record


def second_factor_passed(request: HttpRequest, *, device, method: str, was_verified: bool) -> None:
    """Mark the session verified with `device`, note the time (for re-authentication), stop
    counting earlier failures, and audit a sign-in ("staff.sign_in") or a re-check ("staff.reauth").

    `method` is "totp", "backup", "passkey" or "enrolment".
    """
    user = request.user
    if not was_verified:
        # A new session id for the fully signed-in session: one fixed or seen before the second
        # factor is worth nothing afterwards.
        request.session.cycle_key()
    otp_login(request, device)
    second_factor_checked(request)
    sign_in_success_record(username=user.get_username())
    audit_record(
        action="staff.reauth" if was_verified else "staff.sign_in",
        object_type="user",
        object_id=user.pk,
        actor=user,
        data={"method": method, "ip": client_address(request)},
    )
