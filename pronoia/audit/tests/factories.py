"""Access-log entries for tests, appended through the real service."""
from __future__ import annotations

import itertools

from pronoia.accounts.roles import Channel, DataCategory, Role
from pronoia.audit.models import DataAccessEntry
from pronoia.audit.services import data_access_record

_numbers = itertools.count(1)


def data_access_entry(*, person_id: int = 1, **overrides) -> DataAccessEntry:
    n = next(_numbers)
    fields = dict(
        person_id=person_id,
        actor_user_id=1000 + n,
        actor_label=f"staff-{n}",
        actor_role=Role.CASE_HANDLER,
        categories=[DataCategory.INSURANCE_RECORD],
        purpose=f"case {n}",
        channel=Channel.WEB,
        request_id=f"req{n:08d}",
        unit="Branch Athens 1",
    )
    fields.update(overrides)
    return data_access_record(**fields)
