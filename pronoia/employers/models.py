"""Employers (contribution payers) as the business registries know them."""
from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from pronoia.core.countries import Country


class Employer(models.Model):
    country = models.CharField(max_length=2, choices=Country.choices)
    # The number the country's employer registry gives (e.g. the e-EFKA employer number, NIP/REGON, EIK).
    registry_no = models.CharField(max_length=32)
    name = models.CharField(max_length=200)
    # NACE Rev. 2 section letter (A-U).
    sector = models.CharField(max_length=1, blank=True)
    region = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["country", "registry_no"], name="employer_unique_registry_no"),
        ]
        verbose_name = _("employer")

    def __str__(self) -> str:
        return f"{self.name} ({self.registry_no})"
