"""Reads for other apps (the analytics pages): stored population projections, aggregates only."""
from __future__ import annotations

from pronoia.pensions.models import PensionProjection


def pension_projection_latest(*, country: str) -> PensionProjection | None:
    """The most recent stored projection for `country` (see population.population_project for
    the shape of `results`), or None."""
    return PensionProjection.objects.filter(country=country).order_by("-created_at", "-pk").first()
