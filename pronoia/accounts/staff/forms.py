"""Forms of the staff sign-in: typed input at the boundary, errors in the user's language."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from pronoia.accounts.staff.devices import backup_code_normalise, totp_code_normalise

PASSWORD_MAX_CHARS = 1024


class StaffLoginForm(forms.Form):
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        error_messages={"required": _("Enter your username."), "max_length": _("The username is at most 150 characters.")},
    )
    password = forms.CharField(
        label=_("Password"),
        max_length=PASSWORD_MAX_CHARS,
        strip=False,
        widget=forms.PasswordInput,
        error_messages={"required": _("Enter your password."), "max_length": _("The password is too long.")},
    )
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)


class SecondFactorForm(forms.Form):
    """A code from the authenticator app, or (kind "backup") one of the backup codes."""

    KIND_TOTP = "totp"
    KIND_BACKUP = "backup"

    kind = forms.ChoiceField(choices=[(KIND_TOTP, KIND_TOTP), (KIND_BACKUP, KIND_BACKUP)], widget=forms.HiddenInput)
    code = forms.CharField(
        label=_("Code"),
        max_length=64,
        error_messages={"required": _("Enter the code."), "max_length": _("The code is too long.")},
    )
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def clean(self) -> dict:
        data = super().clean()
        kind, code = data.get("kind"), data.get("code")
        if kind and code is not None:
            if kind == self.KIND_TOTP:
                normalised = totp_code_normalise(code)
                if normalised is None:
                    self.add_error("code", _("Enter the 6-digit code from your authenticator app."))
            else:
                normalised = backup_code_normalise(code)
                if normalised is None:
                    self.add_error("code", _("Enter a backup code: 8 letters and digits, as printed."))
            if normalised is not None:
                data["code"] = normalised
        return data


class TotpEnrolForm(forms.Form):
    code = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=64,
        error_messages={"required": _("Enter the 6-digit code from your authenticator app."), "max_length": _("The code is too long.")},
    )
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def clean_code(self) -> str:
        code = totp_code_normalise(self.cleaned_data["code"])
        if code is None:
            raise forms.ValidationError(_("Enter the 6-digit code from your authenticator app."))
        return code
