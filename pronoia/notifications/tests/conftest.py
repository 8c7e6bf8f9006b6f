import pytest


@pytest.fixture
def templates(db):
    """The default templates, as `pronoia notifications_templates_load` stores them."""
    from pronoia.notifications.template_versions import templates_default_load

    templates_default_load()


@pytest.fixture
def adapters():
    from pronoia.notifications.tests.factories import Adapters

    return Adapters()


@pytest.fixture(autouse=True)
def _unread_counts_forgotten():
    """The navigation's cached unread counts must not carry over between tests (ids are reused)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()
