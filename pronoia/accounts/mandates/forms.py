"""The mandate grant form: who represents, for what, from when until when."""
from __future__ import annotations

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from pronoia.accounts.mandates.services import NATIONAL_ID_MAX_CHARS
from pronoia.accounts.roles import EMPLOYER_DATA_CATEGORIES, PERSON_DATA_CATEGORIES, DataCategory
from pronoia.core.countries import Country

DATE_ERRORS = {"invalid": _("Enter a real date, for example 2027-03-31.")}


class MandateGrantForm(forms.Form):
    """Fields are parsed here; the business rules (dates, known person, duplicates) are the service's."""

    representative_national_id = forms.CharField(
        label=_("National identifier of your representative"),
        max_length=NATIONAL_ID_MAX_CHARS,
        error_messages={
            "required": _("Enter the national identifier of your representative."),
            "max_length": _("A national identifier has at most %(limit_value)d characters."),
        },
    )
    representative_country = forms.ChoiceField(
        label=_("Country of the identifier"),
        choices=Country.choices,
        error_messages={"required": _("Choose the country."), "invalid_choice": _("Choose a country from the list.")},
    )
    scope = forms.MultipleChoiceField(
        label=_("What may your representative act on?"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={
            "required": _("Choose at least one thing the representative may act on."),
            "invalid_choice": _("Choose only from the listed categories."),
        },
    )
    valid_from = forms.DateField(
        label=_("Valid from"),
        help_text=_("Today or later, for example 2027-03-31."),
        error_messages={"required": _("Enter the date the mandate starts."), **DATE_ERRORS},
    )
    valid_to = forms.DateField(
        label=_("Valid until (optional)"),
        help_text=_("Leave empty for the longest mandate, five years."),
        required=False,
        error_messages=DATE_ERRORS,
    )

    def __init__(self, *args, for_employer: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        categories = EMPLOYER_DATA_CATEGORIES if for_employer else PERSON_DATA_CATEGORIES
        self.fields["scope"].choices = [(value, label) for value, label in DataCategory.choices if value in categories]
        self.fields["representative_country"].initial = settings.PRONOIA_COUNTRY
        self.fields["valid_from"].initial = timezone.localdate()
