"""Fixtures of the cross-domain tests: the test PKI service, since journeys issue sealed documents."""
from pronoia.documents.testing import _pki_settings, pki_service  # noqa: F401
