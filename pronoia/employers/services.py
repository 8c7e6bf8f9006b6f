"""Writes to the employer registry."""
from __future__ import annotations

from pronoia.employers.models import Employer


def employer_get_or_create(*, country: str, registry_no: str, name: str, sector: str = "", region: str = "") -> Employer:
    """The employer with this registry number; created with the given name when new (names are not overwritten)."""
    employer, _created = Employer.objects.get_or_create(
        country=country, registry_no=registry_no, defaults={"name": name, "sector": sector, "region": region}
    )
    return employer
