"""Project-wide pytest configuration."""
import pytest


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def funds(db):
    """All country-pack funds (tests run without migrations, so the seeding migration does not run)."""
    from pronoia.insurance.funds import FUNDS
    from pronoia.insurance.models import Fund

    for spec in FUNDS:
        Fund.objects.get_or_create(code=spec["code"], defaults={k: v for k, v in spec.items() if k != "code"})
    return {f.code: f for f in Fund.objects.all()}
