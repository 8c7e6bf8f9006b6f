"""Forms of the notification pages: input parsed and bounded here, rules checked in services."""
from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from pronoia.notifications.models import LANGUAGES, Category, NotificationChannel, Status
from pronoia.notifications.templating import CONTROL_CHARACTERS


def _no_control(value: str, label) -> str:
    if CONTROL_CHARACTERS.search(value or ""):
        raise forms.ValidationError(_("%(field)s contains control characters.") % {"field": label})
    return value


class PreferencesForm(forms.Form):
    """One group of channel checkboxes per category."""

    def __init__(self, *args, initial_choices: dict[str, list[str]] | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        for value, label in Category.choices:
            self.fields[value] = forms.MultipleChoiceField(
                label=label,
                choices=NotificationChannel.choices,
                required=False,
                widget=forms.CheckboxSelectMultiple,
                initial=(initial_choices or {}).get(value, []),
                error_messages={"invalid_choice": _("Choose only the channels listed.")},
            )


class LogSearchForm(forms.Form):
    national_id = forms.CharField(label=_("National identifier"), max_length=16, required=False)
    protocol = forms.CharField(label=_("Application protocol number"), max_length=16, required=False, help_text=_("For example 2026/0000042."))
    status = forms.ChoiceField(label=_("Status"), choices=[("", _("Any status")), *Status.choices], required=False)
    channel = forms.ChoiceField(label=_("Channel"), choices=[("", _("Any channel")), *NotificationChannel.choices], required=False)
    purpose = forms.CharField(label=_("Purpose of the search"), max_length=500, required=False, help_text=_("Needed when you search by national identifier; it is recorded in the person's access log."))

    def clean_national_id(self) -> str:
        value = _no_control(self.cleaned_data["national_id"].strip(), _("National identifier"))
        if value and not value.isalnum():
            raise forms.ValidationError(_("A national identifier has only letters and digits."))
        return value

    def clean_protocol(self) -> str:
        value = _no_control(self.cleaned_data["protocol"].strip(), _("Protocol number"))
        if value and not all(ch.isdigit() or ch == "/" for ch in value):
            raise forms.ValidationError(_("A protocol number has digits and one slash, for example 2026/0000042."))
        return value

    def clean_purpose(self) -> str:
        return _no_control(self.cleaned_data["purpose"].strip(), _("Purpose"))

    def clean(self):
        data = super().clean()
        if data.get("national_id") and not data.get("purpose"):
            self.add_error("purpose", _("State the purpose when you search by national identifier."))
        return data


class ResendForm(forms.Form):
    reason = forms.CharField(label=_("Reason for sending again"), max_length=500, error_messages={"required": _("Enter the reason for sending the message again.")})

    def clean_reason(self) -> str:
        return _no_control(self.cleaned_data["reason"].strip(), _("Reason"))


class PreviewForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=[(code, code) for code in LANGUAGES], required=False)
