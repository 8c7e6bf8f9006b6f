"""Stored population projections, for the analytics pages (aggregates only, no person's data)."""
from __future__ import annotations

from django.db import models


class PensionProjection(models.Model):
    country = models.CharField(max_length=2)
    from_year = models.PositiveSmallIntegerField()
    years = models.PositiveSmallIntegerField()
    source = models.CharField(max_length=20)  # "database" or "synthetic:<n>:<seed>"
    persons = models.PositiveIntegerField()
    assumptions = models.JSONField(default=dict)
    results = models.JSONField(default=dict)  # see pronoia.pensions.population.population_project
    seconds = models.FloatField()
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=models.Q(years__gte=1) & models.Q(years__lte=100), name="pension_projection_years_range"),
        ]

    def __str__(self) -> str:
        return f"{self.country} {self.from_year}+{self.years} ({self.source})"
