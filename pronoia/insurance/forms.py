from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from pronoia.insurance.corrections import MESSAGE_MAX_CHARS


class CorrectionRequestForm(forms.Form):
    message = forms.CharField(
        label=_("What is wrong, and what should it be?"),
        help_text=_("For example the employer, the dates, the days or the earnings that are wrong or missing."),
        max_length=MESSAGE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={
            "required": _("Describe what is wrong and what it should be."),
            "max_length": _("The description must be %(limit_value)d characters or fewer (it has %(show_value)d)."),
        },
    )
