"""Forms that identify a person by national identifier (staff look-ups, operators serving a caller)."""
from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from pronoia.core.countries import Country


class NationalIdentifierForm(forms.Form):
    """A national identifier and its country (the country pack's by default).

    Subclasses may change the identifier's label and its missing-value message.
    """

    national_id_label = _("National identifier")
    national_id_required_message = _("Enter the person's national identifier.")

    national_id = forms.CharField(
        max_length=16,
        error_messages={"max_length": _("A national identifier has at most %(limit_value)d characters.")},
    )
    country = forms.ChoiceField(
        label=_("Country of the identifier"),
        choices=Country.choices,
        error_messages={"required": _("Choose the country."), "invalid_choice": _("Choose a country from the list.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["national_id"].label = self.national_id_label
        self.fields["national_id"].error_messages["required"] = self.national_id_required_message
        self.fields["country"].initial = settings.PRONOIA_COUNTRY
