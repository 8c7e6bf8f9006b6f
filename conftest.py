"""Project-wide pytest configuration."""
import pytest

from pronoia.audit.testing import data_access_log_purgeable  # noqa: F401  (fixture for live-server tests)


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def funds(db):
    """All country-pack funds (tests run without migrations, so the seeding migration does not run)."""
    from pronoia.insurance.funds import FUNDS
    from pronoia.insurance.tests.factories import fund

    return {spec["code"]: fund(spec["code"]) for spec in FUNDS}
