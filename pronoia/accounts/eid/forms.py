"""Input of the eID pages: the provider a person chooses, and the provider's callback parameters."""
from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from pronoia.accounts.eid.providers import EidProvider

# RFC 6749 §A.7/§A.11: error codes and code values are visible ASCII; we bound the lengths.
_ERROR_CODE = RegexValidator(r"^[\x20-\x21\x23-\x5B\x5D-\x7E]{1,64}$")


class ProviderChoiceForm(forms.Form):
    provider = forms.ChoiceField(
        label=_("How do you want to sign in?"),
        widget=forms.RadioSelect,
        error_messages={"required": _("Choose how you want to sign in."), "invalid_choice": _("Choose one of the ways to sign in listed.")},
    )
    next = forms.CharField(required=False, max_length=2000, widget=forms.HiddenInput)

    def __init__(self, *args, providers: list[EidProvider], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["provider"].choices = [(p.key, p.name) for p in providers]
        if len(providers) == 1 and not self.is_bound:
            self.initial["provider"] = providers[0].key


class CallbackForm(forms.Form):
    """What a provider sends back to the redirect URI: code and state, or an error."""

    state = forms.CharField(required=False, max_length=256)
    code = forms.CharField(required=False, max_length=4096)
    error = forms.CharField(required=False, max_length=64, validators=[_ERROR_CODE])
    error_description = forms.CharField(required=False, max_length=1000)
    # RFC 9207: the issuer names itself in the answer; a different one means a mix-up.
    iss = forms.CharField(required=False, max_length=500)

    def clean(self):
        data = super().clean()
        if not self.errors and not data.get("code") and not data.get("error"):
            raise forms.ValidationError(_("The answer from the sign-in provider is incomplete."), code="incomplete")
        return data
