"""The test PKI service for this app's tests (the root conftest may load the same plugin for all)."""
from pronoia.documents.testing import _pki_settings, pki_service  # noqa: F401
