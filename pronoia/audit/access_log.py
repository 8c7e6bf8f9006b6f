"""The hash-chained personal-data access log: appending, verifying and the database guards.

Each entry's `entry_hash` is SHA-256 over a canonical serialisation of its fields and the previous
entry's hash (`prev_hash`; the first entry links to GENESIS_HASH). Appends are serialised (a
transaction-scoped advisory lock on PostgreSQL, the write lock of an IMMEDIATE transaction on
SQLite) and a unique constraint on `prev_hash` refuses a fork even if they were not. The database
refuses UPDATE, DELETE and TRUNCATE on the table (triggers installed by `append_only_guard_install`).
"""
from __future__ import annotations

import datetime
import hashlib
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from django.db import connection as default_connection
from django.db import transaction

from pronoia.accounts.roles import Channel, DataCategory
from pronoia.audit.models import DataAccessEntry

GENESIS_HASH = "0" * 64
# Version tag of the canonical serialisation; part of every hashed payload.
CANONICAL_FORMAT = "pronoia-data-access/1"
CHAINED_FIELDS = (
    "occurred_at", "person_id", "actor_user_id", "actor_label", "actor_role", "mandate_id", "categories",
    "purpose", "legal_basis", "channel", "request_id", "institution", "unit",
)
_TEXT_FIELDS = ("actor_label", "actor_role", "purpose", "legal_basis", "request_id", "institution", "unit")
# Any constant works; it names the lock that serialises appends on PostgreSQL.
_APPEND_LOCK_KEY = 727_001
TABLE = DataAccessEntry._meta.db_table


def occurred_at_canonical(value: datetime.datetime) -> str:
    """The time as stored: UTC, microseconds always written, so every backend hashes the same text."""
    if value.tzinfo is None:
        raise ValueError("access-log times must be timezone-aware")
    return value.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def entry_hash_compute(prev_hash: str, fields: dict) -> str:
    """SHA-256 (hex) of the previous hash and the canonical JSON of the chained fields."""
    canonical = {name: fields[name] for name in CHAINED_FIELDS}
    canonical["occurred_at"] = occurred_at_canonical(fields["occurred_at"])
    body = json.dumps(canonical, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    payload = f"{CANONICAL_FORMAT}\n{prev_hash}\n{body}"
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def _text_clean(value: str, max_length: int) -> str:
    """Control characters out (PostgreSQL refuses NUL; none belongs in a log line), then clipped.

    Clipping here, before hashing, keeps what is hashed equal to what every backend stores.
    """
    cleaned = "".join(ch if ch.isprintable() else " " for ch in str(value or ""))
    return cleaned.strip()[:max_length]


def _fields_normalise(fields: dict) -> dict:
    # The time is always the server's, taken under the append lock.
    unknown = set(fields) - (set(CHAINED_FIELDS) - {"occurred_at"})
    if unknown:
        raise TypeError(f"unknown access-log fields: {sorted(unknown)}")
    categories = fields.get("categories", "")
    if isinstance(categories, str):
        categories = [c for c in categories.split(",") if c]
    categories = sorted(set(categories))
    if not categories:
        raise ValueError("an access-log entry names at least one data category")
    bad = set(categories) - set(DataCategory.values)
    if bad:
        raise ValueError(f"unknown data categories: {sorted(bad)}")
    channel = fields.get("channel", "")
    if channel not in Channel.values:
        raise ValueError(f"unknown channel: {channel!r}")
    person_id = fields.get("person_id")
    if not isinstance(person_id, int) or isinstance(person_id, bool) or person_id <= 0:
        raise ValueError("person_id must be a positive integer")
    out = {
        "person_id": person_id,
        "actor_user_id": fields.get("actor_user_id"),
        "mandate_id": fields.get("mandate_id"),
        "categories": ",".join(categories),
        "channel": str(channel),
    }
    for name in ("actor_user_id", "mandate_id"):
        if out[name] is not None and (not isinstance(out[name], int) or isinstance(out[name], bool)):
            raise ValueError(f"{name} must be an integer or None")
    for name in _TEXT_FIELDS:
        out[name] = _text_clean(fields.get(name, ""), DataAccessEntry._meta.get_field(name).max_length)
    return out


def _utc_now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def data_access_append(**fields) -> DataAccessEntry:
    """Append one entry at the head of the chain and return it.

    Called inside a caller's transaction, the entry commits or rolls back with it, and the
    append lock is held until then (the next append must see this entry as its predecessor).
    """
    values = _fields_normalise(fields)
    with transaction.atomic():
        if default_connection.vendor == "postgresql":
            with default_connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_APPEND_LOCK_KEY])
        # On SQLite the IMMEDIATE transaction (settings.database_config) already holds the write lock.
        last = DataAccessEntry.objects.order_by("-id").values_list("entry_hash", "occurred_at").first()
        last_hash, last_time = last if last else (GENESIS_HASH, None)
        now = _utc_now()
        # A clock stepped back must not put an entry before its predecessor.
        values["occurred_at"] = max(now, last_time) if last_time else now
        entry = DataAccessEntry(prev_hash=last_hash, **values)
        entry.entry_hash = entry_hash_compute(last_hash, values)
        entry.save(force_insert=True)
        return entry


@dataclass(frozen=True)
class ChainBreak:
    entry_id: int
    kind: str  # "changed", "removed", "out_of_order"
    detail: str


@dataclass(frozen=True)
class ChainReport:
    checked: int
    head_id: int | None
    head_hash: str
    broken: ChainBreak | None

    @property
    def ok(self) -> bool:
        return self.broken is None


_VERIFY_COLUMNS = ("id", "prev_hash", "entry_hash", *CHAINED_FIELDS)


def _rows() -> Iterator[dict]:
    # values() + iterator(): constant memory (a server-side cursor on PostgreSQL).
    return DataAccessEntry.objects.order_by("id").values(*_VERIFY_COLUMNS).iterator(chunk_size=2000)


def data_access_chain_verify(
    *,
    anchors: dict[int, str] | None = None,
    progress: Callable[[int], None] | None = None,
    progress_every: int = 100_000,
) -> ChainReport:
    """Walk the whole log in id order; stop at the first entry that breaks the chain.

    `anchors` maps entry ids to hashes recorded earlier (outside the database): each must still
    be there with the same hash, which also catches entries removed from the end of the log.
    """
    anchors = dict(anchors or {})
    checked = 0
    previous: dict | None = None
    for row in _rows():
        broken = _row_check(row, previous)
        if broken is None and row["id"] in anchors and anchors.pop(row["id"]) != row["entry_hash"]:
            broken = ChainBreak(row["id"], "changed", "its hash differs from the anchor recorded for it")
        if broken is not None:
            return ChainReport(checked, previous["id"] if previous else None, previous["entry_hash"] if previous else GENESIS_HASH, broken)
        checked += 1
        previous = row
        if progress is not None and checked % progress_every == 0:
            progress(checked)
    head_id = previous["id"] if previous else None
    head_hash = previous["entry_hash"] if previous else GENESIS_HASH
    if anchors:
        missing = min(anchors)
        return ChainReport(checked, head_id, head_hash, ChainBreak(missing, "removed", "an anchored entry is no longer in the log"))
    return ChainReport(checked, head_id, head_hash, None)


def _row_check(row: dict, previous: dict | None) -> ChainBreak | None:
    if entry_hash_compute(row["prev_hash"], row) != row["entry_hash"]:
        return ChainBreak(row["id"], "changed", "its content does not match its hash")
    expected_prev = previous["entry_hash"] if previous else GENESIS_HASH
    if row["prev_hash"] != expected_prev:
        linked = DataAccessEntry.objects.filter(entry_hash=row["prev_hash"]).values_list("id", flat=True).first()
        if linked is not None:
            return ChainBreak(row["id"], "out_of_order", f"it links to entry #{linked}, not to the entry before it")
        before = f"entry #{previous['id']}" if previous else "the start of the log"
        return ChainBreak(row["id"], "removed", f"its predecessor is missing: an entry after {before} was removed or changed")
    if previous is not None and row["occurred_at"] < previous["occurred_at"]:
        return ChainBreak(row["id"], "out_of_order", f"it is dated before entry #{previous['id']}")
    return None


# --- Database guards: the table is append-only -------------------------------------------------

_PG_FUNCTION = "pronoia_data_access_refuse"
_GUARD_NAMES = ("pronoia_data_access_no_update", "pronoia_data_access_no_delete", "pronoia_data_access_no_truncate")


def _pg_install_sql() -> list[str]:
    return [
        # TRUNCATE of an empty table loses nothing; allowing it lets test databases be flushed.
        # Every name interpolated in this module's SQL is a module constant, never input.
        f"""
        CREATE OR REPLACE FUNCTION {_PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP = 'TRUNCATE' AND NOT EXISTS (SELECT 1 FROM {TABLE}) THEN
                RETURN NULL;
            END IF;
            RAISE EXCEPTION 'the personal-data access log is append-only: % refused', TG_OP
                USING ERRCODE = 'restrict_violation';
        END
        $$
        """,
        f"DROP TRIGGER IF EXISTS pronoia_data_access_no_update ON {TABLE}",
        f"DROP TRIGGER IF EXISTS pronoia_data_access_no_delete ON {TABLE}",
        f"DROP TRIGGER IF EXISTS pronoia_data_access_no_truncate ON {TABLE}",
        f"CREATE TRIGGER pronoia_data_access_no_update BEFORE UPDATE ON {TABLE} FOR EACH ROW EXECUTE FUNCTION {_PG_FUNCTION}()",
        f"CREATE TRIGGER pronoia_data_access_no_delete BEFORE DELETE ON {TABLE} FOR EACH ROW EXECUTE FUNCTION {_PG_FUNCTION}()",
        f"CREATE TRIGGER pronoia_data_access_no_truncate BEFORE TRUNCATE ON {TABLE} FOR EACH STATEMENT EXECUTE FUNCTION {_PG_FUNCTION}()",
    ]


def _sqlite_install_sql() -> list[str]:
    return [
        f"""CREATE TRIGGER IF NOT EXISTS pronoia_data_access_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'the personal-data access log is append-only: UPDATE refused'); END""",
        f"""CREATE TRIGGER IF NOT EXISTS pronoia_data_access_no_delete BEFORE DELETE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, 'the personal-data access log is append-only: DELETE refused'); END""",
    ]


def _table_exists(connection) -> bool:
    with connection.cursor() as cursor:
        return TABLE in connection.introspection.table_names(cursor)


def append_only_guard_install(connection=None) -> bool:
    """Create (or re-create) the triggers that refuse UPDATE/DELETE/TRUNCATE; idempotent.

    Returns False when the table does not exist yet or the backend has no guard.
    """
    connection = connection or default_connection
    if not _table_exists(connection):
        return False
    if connection.vendor == "postgresql":
        statements = _pg_install_sql()
    elif connection.vendor == "sqlite":
        statements = _sqlite_install_sql()
    else:
        return False
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for sql in statements:
            cursor.execute(sql)
    return True


def append_only_guard_remove(connection=None) -> None:
    """Drop the triggers (migration reverse, and tests that must flush a filled log)."""
    connection = connection or default_connection
    if not _table_exists(connection):
        return
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for name in _GUARD_NAMES:
            if connection.vendor == "postgresql":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name} ON {TABLE}")
            elif connection.vendor == "sqlite":
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
        if connection.vendor == "postgresql":
            cursor.execute(f"DROP FUNCTION IF EXISTS {_PG_FUNCTION}()")


def append_only_guard_installed(connection=None) -> bool:
    """Whether the UPDATE and DELETE guards are in place on this database."""
    connection = connection or default_connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname IN (%s, %s) AND NOT tgisinternal",
                [TABLE, _GUARD_NAMES[0], _GUARD_NAMES[1]],
            )
        elif connection.vendor == "sqlite":
            cursor.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND name IN (%s, %s)", [_GUARD_NAMES[0], _GUARD_NAMES[1]])
        else:
            return False
        return cursor.fetchone()[0] == 2
