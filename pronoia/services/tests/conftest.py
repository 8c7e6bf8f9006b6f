"""Fixtures of the applications tests: the test PKI service (documents are sealed for real)."""
from pronoia.documents.testing import _pki_settings, pki_service  # noqa: F401
