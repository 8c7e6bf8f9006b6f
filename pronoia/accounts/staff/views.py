"""Staff sign-in: password, then a second factor (passkey, authenticator app, backup code);
forced enrolment for accounts without one; re-authentication; sign-out; the staff home page."""
from __future__ import annotations

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import authenticate, login
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters

from pronoia.accounts.models import StaffSignInFailure
from pronoia.accounts.permissions import ANYONE, RoleRequiredMixin
from pronoia.accounts.roles import STAFF_ROLES, Role
from pronoia.accounts.services import session_end
from pronoia.accounts.staff import devices
from pronoia.accounts.staff.forms import SecondFactorForm, StaffLoginForm, TotpEnrolForm
from pronoia.accounts.staff.lockout import client_address, sign_in_failure_record, sign_in_locked
from pronoia.accounts.staff.reauth import ReauthRequiredMixin, reauth_fresh, safe_next
from pronoia.accounts.staff.role_permissions import ADMIN_SITE_ROLES
from pronoia.accounts.staff.sign_in import second_factor_passed

SESSION_NEW_BACKUP_CODES_KEY = "pronoia_staff_new_backup_codes"


def locked_message() -> str:
    # The same words whether or not the username exists: nothing to learn about accounts.
    minutes = max(1, settings.PRONOIA_STAFF_LOCKOUT_DURATION // 60)
    return _("Too many failed attempts. Sign-in is locked for %(minutes)d minutes; try again later.") % {"minutes": minutes}


def _next(request: HttpRequest, value: str | None = None) -> str:
    return safe_next(request, value if value is not None else request.GET.get("next"), default=reverse("staff:home"))


def _with_next(url_name: str, next_url: str) -> str:
    return f"{reverse(url_name)}?{urlencode({'next': next_url})}"


def _login_page(request: HttpRequest, form: StaffLoginForm, *, error: str = "", status: int = 200) -> HttpResponse:
    return render(request, "accounts/staff/login.html", {"form": form, "error": error}, status=status)


@method_decorator([never_cache, sensitive_post_parameters("password")], name="dispatch")
class StaffLoginView(View):
    """Username and password; the second factor follows on staff:otp_verify."""

    allowed_roles = frozenset({ANYONE})

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.is_staff and user.is_verified():
            return HttpResponseRedirect(_next(request))  # already signed in
        return _login_page(request, StaffLoginForm(initial={"next": _next(request)}))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = StaffLoginForm(request.POST)
        if not form.is_valid():
            return _login_page(request, form)
        username, password = form.cleaned_data["username"], form.cleaned_data["password"]
        ip = client_address(request)
        # No password check at all while locked.
        if sign_in_locked(username=username, ip=ip):
            return _login_page(request, form, error=locked_message(), status=429)
        user = authenticate(request, username=username, password=password)
        if user is None or not user.is_staff:
            locked = sign_in_failure_record(username=username, ip=ip, stage=StaffSignInFailure.Stage.PASSWORD)
            error = locked_message() if locked else _("The username or password is not correct.")
            return _login_page(request, form, error=error, status=429 if locked else 200)
        login(request, user)
        return HttpResponseRedirect(_with_next("staff:otp_verify", _next(request, form.cleaned_data["next"])))


def _staff_user_or_login(request: HttpRequest) -> HttpResponse | None:
    user = request.user
    if not user.is_authenticated or not user.is_active or not user.is_staff:
        return HttpResponseRedirect(_with_next("staff:login", _next(request)))
    return None


class SecondFactorCheckView(View):
    """Shared by staff:otp_verify and staff:reauth: a code or a passkey, counted for the lockout."""

    template_name = ""
    kind = ""  # "verify" or "reauth"

    def context(self, request: HttpRequest, form: SecondFactorForm | None, **extra) -> dict:
        user = request.user
        return {
            "form": form,
            "next": _next(request, (form.data.get("next") if form is not None and form.is_bound else None)),
            "has_totp": devices.TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
            "has_passkey": devices.user_has_passkey(user),
            "backup_codes_remaining": devices.backup_codes_remaining(user),
            "kind": self.kind,
            **extra,
        }

    def get(self, request: HttpRequest) -> HttpResponse:
        return render(request, self.template_name, self.context(request, None))

    def post(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        ip = client_address(request)
        username = user.get_username()
        if sign_in_locked(username=username, ip=ip):
            return self._locked_out(request)
        form = SecondFactorForm(request.POST)
        if not form.is_valid():
            return render(request, self.template_name, self.context(request, form))
        kind = form.cleaned_data["kind"]
        device = devices.second_factor_code_verify(user=user, code=form.cleaned_data["code"], kind=kind)
        if device is None:
            if sign_in_failure_record(username=username, ip=ip, stage=StaffSignInFailure.Stage.SECOND_FACTOR):
                return self._locked_out(request)
            form.add_error("code", _("The code is not correct, or it was used already.") if kind == SecondFactorForm.KIND_TOTP else _("The backup code is not correct, or it was used already."))
            return render(request, self.template_name, self.context(request, form))
        second_factor_passed(request, device=device, method=kind, was_verified=user.is_verified())
        if kind == SecondFactorForm.KIND_BACKUP:
            remaining = devices.backup_codes_remaining(user)
            messages.warning(request, _("You used a backup code. %(count)d backup codes are left.") % {"count": remaining})
        return HttpResponseRedirect(_next(request, form.cleaned_data.get("next")))

    def _locked_out(self, request: HttpRequest) -> HttpResponse:
        session_end(request)
        return _login_page(request, StaffLoginForm(), error=locked_message(), status=429)


@method_decorator([never_cache, sensitive_post_parameters("code")], name="dispatch")
class OtpVerifyView(SecondFactorCheckView):
    """After the password: a passkey first, the authenticator app as fallback, a backup code last."""

    allowed_roles = frozenset({ANYONE})  # checks the half-signed-in user itself
    template_name = "accounts/staff/otp_verify.html"
    kind = "verify"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        denied = _staff_user_or_login(request)
        if denied is not None:
            return denied
        if request.user.is_verified():
            return HttpResponseRedirect(_next(request))
        if not devices.user_has_second_factor(request.user):
            return HttpResponseRedirect(_with_next("staff:enrol", _next(request)))
        return super().dispatch(request, *args, **kwargs)


@method_decorator([never_cache, sensitive_post_parameters("code")], name="dispatch")
class ReauthView(RoleRequiredMixin, SecondFactorCheckView):
    """A fresh second-factor check before a sensitive action; then back to it."""

    allowed_roles = STAFF_ROLES
    template_name = "accounts/staff/reauth.html"
    kind = "reauth"


@method_decorator([never_cache, sensitive_post_parameters("code")], name="dispatch")
class EnrolView(View):
    """Staff without a second factor set one up before anything else: an authenticator app
    (QR code and the secret as text) confirmed by a code, or a passkey; then backup codes."""

    allowed_roles = frozenset({ANYONE})  # checks the half-signed-in user itself
    template_name = "accounts/staff/enrol.html"

    def dispatch(self, request: HttpRequest, *args, **kwargs) -> HttpResponse:
        denied = _staff_user_or_login(request)
        if denied is not None:
            return denied
        if devices.user_has_second_factor(request.user):
            return HttpResponseRedirect(_with_next("staff:otp_verify", _next(request)))
        return super().dispatch(request, *args, **kwargs)

    def _page(self, request: HttpRequest, form: TotpEnrolForm, status: int = 200) -> HttpResponse:
        device = devices.totp_enrolment_device_get(user=request.user)
        next_url = _next(request, form.data.get("next") if form.is_bound else None)
        context = {
            "form": form,
            "next": next_url,
            "qr_svg": devices.totp_qr_svg(device, title=_("QR code for your authenticator app")),
            "secret": devices.totp_secret_base32(device),
            "after_passkey_url": _with_next("staff:backup_codes", next_url),
        }
        return render(request, self.template_name, context, status=status)

    def get(self, request: HttpRequest) -> HttpResponse:
        return self._page(request, TotpEnrolForm(initial={"next": _next(request)}))

    def post(self, request: HttpRequest) -> HttpResponse:
        form = TotpEnrolForm(request.POST)
        if not form.is_valid():
            return self._page(request, form)
        device = devices.totp_enrolment_confirm(user=request.user, code=form.cleaned_data["code"])
        if device is None:
            form.add_error("code", _("The code is not correct. Check the time on your phone and enter the newest code."))
            return self._page(request, form)
        second_factor_passed(request, device=device, method="enrolment", was_verified=False)
        request.session[SESSION_NEW_BACKUP_CODES_KEY] = devices.backup_codes_issue(user=request.user)
        return HttpResponseRedirect(_with_next("staff:backup_codes", _next(request, form.cleaned_data["next"])))


@method_decorator(never_cache, name="dispatch")
class BackupCodesView(RoleRequiredMixin, View):
    """New backup codes, shown once. Reached right after enrolment (or from the security page)."""

    allowed_roles = STAFF_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        codes = request.session.pop(SESSION_NEW_BACKUP_CODES_KEY, None)
        if codes is None and devices.backup_codes_remaining(request.user) == 0 and reauth_fresh(request):
            # Enrolled with a passkey a moment ago (or used every code up): issue a first set.
            codes = devices.backup_codes_issue(user=request.user)
        if not codes:
            messages.info(request, _("Backup codes are shown only once. Make new ones on the security page if you lost them."))
            return HttpResponseRedirect(reverse("staff:security"))
        return render(request, "accounts/staff/backup_codes.html", {"codes": codes, "next": _next(request)})


@method_decorator(never_cache, name="dispatch")
class SecurityView(RoleRequiredMixin, ReauthRequiredMixin, View):
    """The user's own second factors: add a passkey, make new backup codes (fresh check needed)."""

    allowed_roles = STAFF_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        context = {
            "has_totp": devices.TOTPDevice.objects.filter(user=user, confirmed=True).exists(),
            "passkey_count": devices.WebAuthnCredential.objects.filter(user=user, confirmed=True).count(),
            "backup_codes_remaining": devices.backup_codes_remaining(user),
            "after_passkey_url": reverse("staff:security"),
        }
        return render(request, "accounts/staff/security.html", context)

    def post(self, request: HttpRequest) -> HttpResponse:
        request.session[SESSION_NEW_BACKUP_CODES_KEY] = devices.backup_codes_issue(user=request.user)
        return HttpResponseRedirect(_with_next("staff:backup_codes", reverse("staff:home")))


class StaffLogoutView(View):
    allowed_roles = frozenset({ANYONE})
    http_method_names = ["post"]

    def post(self, request: HttpRequest) -> HttpResponse:
        session_end(request)
        return HttpResponseRedirect(reverse("staff:login"))


class StaffHomeView(RoleRequiredMixin, View):
    """What the signed-in staff member's roles let them do (other parts add their links)."""

    allowed_roles = STAFF_ROLES

    def get(self, request: HttpRequest) -> HttpResponse:
        actor = request.actor
        roles = sorted(actor.roles & STAFF_ROLES)
        context = {
            "role_labels": [Role(role).label for role in roles],
            "roles": set(roles),
            "can_use_admin": actor.has_role(*ADMIN_SITE_ROLES),
        }
        return render(request, "accounts/staff/home.html", context)
