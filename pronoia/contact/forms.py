"""The form a second-line operator fills in to serve a caller."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from pronoia.accounts.access import PURPOSE_MAX_CHARS
from pronoia.people.forms import NationalIdentifierForm


class ServeForm(NationalIdentifierForm):
    national_id_label = _("Caller's national identifier")
    national_id_required_message = _("Enter the caller's national identifier.")

    reason = forms.CharField(
        label=_("Why do you need the caller's personal data?"),
        help_text=_("For example: the caller asks why 2019 is missing from their record. The caller sees this in their access log."),
        max_length=PURPOSE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={
            "required": _("State why you need the caller's personal data."),
            "max_length": _("Write at most %(limit_value)d characters (you wrote %(show_value)d)."),
        },
    )
