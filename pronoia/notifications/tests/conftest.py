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
