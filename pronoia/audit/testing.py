"""Pytest fixtures other apps' tests can import (e.g. in the root conftest.py)."""
from __future__ import annotations

import pytest


@pytest.fixture
def data_access_log_purgeable(transactional_db):
    """For transactional tests (live server, threads) that append to the access log.

    The database refuses to empty a filled log, so the flush after such a test would fail; this
    lifts the append-only guard just before it (the flush's post_migrate installs it again).
    """
    yield
    from pronoia.audit.access_log import append_only_guard_remove

    append_only_guard_remove()
