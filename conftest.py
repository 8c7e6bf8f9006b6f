"""Project-wide pytest configuration."""
import pytest

from pronoia.audit.testing import data_access_log_purgeable  # noqa: F401  (fixture for live-server tests)
# The test PKI service (seal, TSA, OCSP, CRLs) over real HTTP, started once per test process.
from pronoia.documents.testing import _pki_settings, pki_service  # noqa: F401
# The delivery simulators (SMTP sink, SMS gateway, push service) as processes, once per test process.
from pronoia.notifications.testing import _delivery_settings, delivery_simulators, simulators  # noqa: F401


@pytest.fixture(autouse=True)
def _english_by_default(settings):
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def funds(db):
    """All country-pack funds (tests run without migrations, so the seeding migration does not run)."""
    from pronoia.insurance.funds import FUNDS
    from pronoia.insurance.tests.factories import fund

    return {spec["code"]: fund(spec["code"]) for spec in FUNDS}
