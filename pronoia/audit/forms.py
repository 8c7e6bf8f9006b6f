"""The auditor's search of the personal-data access log."""
from __future__ import annotations

import datetime
import re

from django import forms
from django.utils.translation import gettext_lazy as _

from pronoia.audit.selectors import DataAccessSearch
from pronoia.people.models import Person

_NATIONAL_ID = re.compile(r"^[A-Za-z0-9]{1,32}$")
# The log starts long after this; a date before it is a typing mistake.
EARLIEST_DATE = datetime.date(2000, 1, 1)
LATEST_DATE = datetime.date(2099, 12, 31)


class DataAccessSearchForm(forms.Form):
    national_id = forms.CharField(
        label=_("National identifier of the person"), required=False, max_length=32,
        error_messages={"max_length": _("A national identifier has at most %(limit_value)d characters.")},
    )
    person_id = forms.IntegerField(
        label=_("Person number"), required=False, min_value=1, max_value=2**63 - 1,
        help_text=_("The internal number of the person, if you know it instead of the national identifier."),
        error_messages={"invalid": _("Enter the person number as digits only."), "min_value": _("The person number is 1 or more."), "max_value": _("This person number is too large.")},
    )
    actor = forms.CharField(
        label=_("Who accessed"), required=False, max_length=150,
        help_text=_("A staff user name or user number."),
        error_messages={"max_length": _("Enter at most %(limit_value)d characters.")},
    )
    date_from = forms.DateField(
        label=_("From (date)"), required=False, help_text=_("For example 2026-03-27"),
        error_messages={"invalid": _("Enter the date as year-month-day, for example 2026-03-27.")},
    )
    date_to = forms.DateField(
        label=_("To (date, inclusive)"), required=False, help_text=_("For example 2026-03-31"),
        error_messages={"invalid": _("Enter the date as year-month-day, for example 2026-03-31.")},
    )

    def __init__(self, *args, time_zone: datetime.tzinfo, **kwargs):
        super().__init__(*args, **kwargs)
        self.time_zone = time_zone

    def clean_national_id(self) -> str:
        value = self.cleaned_data["national_id"].strip()
        if value and not _NATIONAL_ID.match(value):
            raise forms.ValidationError(_("A national identifier has letters and digits only."), code="invalid")
        return value

    def clean_actor(self) -> str:
        value = self.cleaned_data["actor"].strip()
        if any(not ch.isprintable() for ch in value):
            raise forms.ValidationError(_("Enter a user name without control characters."), code="invalid")
        return value

    def _date_check(self, name: str) -> datetime.date | None:
        value = self.cleaned_data[name]
        if value is not None and value < EARLIEST_DATE:
            raise forms.ValidationError(_("Enter a date in %(year)d or later.") % {"year": EARLIEST_DATE.year}, code="too_early")
        if value is not None and value > LATEST_DATE:
            raise forms.ValidationError(_("Enter a date before %(year)d.") % {"year": LATEST_DATE.year + 1}, code="too_late")
        return value

    def clean_date_from(self):
        return self._date_check("date_from")

    def clean_date_to(self):
        return self._date_check("date_to")

    def clean(self) -> dict:
        data = super().clean()
        if data.get("national_id") and data.get("person_id"):
            self.add_error("person_id", forms.ValidationError(_("Search by the national identifier or by the person number, not both."), code="both"))
        date_from, date_to = data.get("date_from"), data.get("date_to")
        if date_from and date_to and date_to < date_from:
            self.add_error("date_to", forms.ValidationError(_("The end date must be the same as or after the start date."), code="order"))
        return data

    def search(self) -> DataAccessSearch:
        """The search the valid form describes (dates are days in the display time zone)."""
        data = self.cleaned_data
        person_ids = None
        if data.get("national_id"):
            person_ids = tuple(Person.objects.filter(national_id=data["national_id"]).values_list("pk", flat=True))
        elif data.get("person_id"):
            person_ids = (data["person_id"],)

        def start_of(day: datetime.date) -> datetime.datetime:
            return datetime.datetime.combine(day, datetime.time(0), tzinfo=self.time_zone)

        return DataAccessSearch(
            person_ids=person_ids,
            actor=data.get("actor", ""),
            date_from=start_of(data["date_from"]) if data.get("date_from") else None,
            date_to=start_of(data["date_to"] + datetime.timedelta(days=1)) if data.get("date_to") else None,
        )

    @property
    def is_empty(self) -> bool:
        return not any(self.data.get(name) for name in self.fields)
