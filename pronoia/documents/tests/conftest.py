"""Storage for this app's tests (the test PKI service comes from the root conftest)."""
import pytest


@pytest.fixture(autouse=True)
def _fresh_storage(settings):
    """A new in-memory storage per test, so "no file left behind" is checked against an empty one."""
    settings.STORAGES = {**settings.STORAGES, "default": {"BACKEND": "django.core.files.storage.InMemoryStorage"}}
