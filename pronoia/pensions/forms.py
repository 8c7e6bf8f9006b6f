"""The what-if form of the forecast page: every field optional; blank means "from my record"."""
from __future__ import annotations

import datetime
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from pronoia.pensions.cases import Period
from pronoia.pensions.forecast import WhatIf

MAX_MONTHLY = Decimal("1000000")


class WhatIfForm(forms.Form):
    sex = forms.ChoiceField(label=_("Sex the pension rules use"), required=False,
                            choices=[("", _("As in my record")), ("F", _("Female")), ("M", _("Male"))])
    future_monthly_earnings = forms.DecimalField(
        label=_("Future monthly earnings"), required=False, min_value=0, max_value=MAX_MONTHLY, decimal_places=2, max_digits=12,
        help_text=_("In today's money. Leave blank to use your last 12 months on record."))
    future_days_per_year = forms.IntegerField(
        label=_("Insurance days a year from now on"), required=False, min_value=0, max_value=366,
        help_text=_("0 if you stop working. Leave blank for full time if you are insured now."))
    work_until = forms.DateField(label=_("Work until (date)"), required=False, help_text=_("For example 2031-06-30."))
    earnings_growth = forms.DecimalField(label=_("Earnings growth a year (%)"), required=False, help_text=_("Blank: 2 %."), min_value=-50, max_value=100, decimal_places=2)
    inflation = forms.DecimalField(label=_("Inflation a year (%)"), required=False, help_text=_("Blank: 2 %."), min_value=-50, max_value=100, decimal_places=2)
    extra_from = forms.DateField(label=_("From"), required=False)
    extra_to = forms.DateField(label=_("To"), required=False)
    extra_days = forms.IntegerField(label=_("Insurance days"), required=False, min_value=1)
    extra_earnings = forms.DecimalField(label=_("Earnings in the period"), required=False, min_value=0, max_value=Decimal("100000000"), decimal_places=2, max_digits=14)

    def __init__(self, *args, birth_date: datetime.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.birth_date = birth_date

    def clean(self):
        data = super().clean()
        parts = [data.get(k) for k in ("extra_from", "extra_to", "extra_days")]
        if any(p is not None for p in parts) and not all(p is not None for p in parts):
            for key in ("extra_from", "extra_to", "extra_days"):
                if data.get(key) is None and key not in self.errors:
                    self.add_error(key, _("Enter the start, the end and the days of the period not yet in the register."))
            return data
        start, end, days = parts
        if start is not None:
            if end < start:
                self.add_error("extra_to", _("The period ends before it starts."))
            elif self.birth_date and start < self.birth_date:
                self.add_error("extra_from", _("The period starts before your birth date."))
            elif days > (end - start).days + 1:
                self.add_error("extra_days", _("%(days)s days do not fit in a period of %(calendar)s calendar days.") % {"days": days, "calendar": (end - start).days + 1})
        return data

    def what_if(self) -> WhatIf:
        data = self.cleaned_data
        extra = None
        if data.get("extra_from") is not None:
            extra = Period(data["extra_from"], data["extra_to"], data["extra_days"], data.get("extra_earnings") or Decimal("0"), "entered by hand")
        growth = data.get("earnings_growth")
        inflation = data.get("inflation")
        return WhatIf(
            sex=data.get("sex") or None,
            future_monthly_earnings=data.get("future_monthly_earnings"),
            future_days_per_year=None if data.get("future_days_per_year") is None else float(data["future_days_per_year"]),
            work_until=data.get("work_until"),
            earnings_growth=0.02 if growth is None else float(growth) / 100,
            inflation=0.02 if inflation is None else float(inflation) / 100,
            extra_period=extra,
        )
