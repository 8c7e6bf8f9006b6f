"""Passkeys (django-otp-webauthn) as the staff second factor, with the staff rules added:
only staff register or use them; a failed passkey check counts towards the lockout; a passkey
counts as a fresh second-factor check for re-authentication; adding a passkey to an account that
already has a second factor needs a fresh check first.
"""
from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django_otp_webauthn import exceptions
from django_otp_webauthn.views import (
    BeginCredentialAuthenticationView,
    BeginCredentialRegistrationView,
    CompleteCredentialAuthenticationView,
    CompleteCredentialRegistrationView,
)

from pronoia.accounts.models import StaffSignInFailure
from pronoia.accounts.services import session_end
from pronoia.accounts.staff.devices import user_has_second_factor
from pronoia.accounts.staff.lockout import client_address, sign_in_failure_record, sign_in_locked
from pronoia.accounts.staff.reauth import reauth_fresh
from pronoia.accounts.staff.sign_in import second_factor_passed
from pronoia.audit.services import audit_record


class NotStaff(exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_code = "staff_only"
    default_detail = _("Passkeys are for staff accounts.")


class ReauthNeeded(exceptions.OTPWebAuthnApiError):
    status_code = 403
    default_code = "reauth_required"
    default_detail = _("Confirm your second factor again before adding a passkey.")


class SignInLocked(exceptions.OTPWebAuthnApiError):
    status_code = 429
    default_code = "sign_in_locked"

    def __init__(self, detail=None):
        from pronoia.accounts.staff.views import locked_message

        super().__init__(detail=detail or locked_message())


class StaffRegistrationMixin:
    def check_can_register(self):
        user = self.get_user()
        if not user.is_staff:
            raise NotStaff()
        if user_has_second_factor(user) and not reauth_fresh(self.request):
            raise ReauthNeeded()


class StaffBeginRegistrationView(StaffRegistrationMixin, BeginCredentialRegistrationView):
    pass


class StaffCompleteRegistrationView(StaffRegistrationMixin, CompleteCredentialRegistrationView):
    def post(self, *args, **kwargs):
        was_verified = self.request.user.is_verified()
        response = super().post(*args, **kwargs)
        user = self.request.user
        audit_record(action="staff.passkey_registered", object_type="user", object_id=user.pk, actor=user)
        if not was_verified:
            # Enrolment with a passkey: the new passkey was just used, as a first check.
            second_factor_passed(self.request, device=user.otp_device, method="enrolment", was_verified=False)
        return response


class StaffBeginAuthenticationView(BeginCredentialAuthenticationView):
    def check_can_authenticate(self):
        super().check_can_authenticate()
        # Citizens sign in through eID: the ceremony (and the credential hints it returns) is staff-only.
        user = self.get_user()
        if user is None or not user.is_staff:
            raise NotStaff()


class StaffCompleteAuthenticationView(CompleteCredentialAuthenticationView):
    def check_can_authenticate(self):
        super().check_can_authenticate()
        user = self.get_user()
        if user is None or not user.is_staff:
            raise NotStaff()
        if sign_in_locked(username=user.get_username(), ip=client_address(self.request)):
            raise SignInLocked()

    def post(self, *args, **kwargs):
        user = self.request.user
        was_verified = user.is_verified()
        try:
            response = super().post(*args, **kwargs)
        except exceptions.OTPWebAuthnApiError as exc:
            if not isinstance(exc, exceptions.InvalidState):
                locked = sign_in_failure_record(
                    username=user.get_username(), ip=client_address(self.request), stage=StaffSignInFailure.Stage.SECOND_FACTOR
                )
                if locked:
                    session_end(self.request)
                    raise SignInLocked() from exc
            raise
        second_factor_passed(self.request, device=self.request.user.otp_device, method="passkey", was_verified=was_verified)
        return response

    def get_success_url(self):
        return self.get_redirect_url() or reverse("staff:home")
