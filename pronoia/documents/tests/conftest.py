"""The test PKI service for this app's tests (the root conftest may load the same plugin for all)."""
from pronoia.documents.testing import _pki_settings, pki_service  # noqa: F401

import pytest  # noqa: E402


@pytest.fixture(autouse=True)
def _fresh_storage(settings):
    """A new in-memory storage per test, so "no file left behind" is checked against an empty one."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
