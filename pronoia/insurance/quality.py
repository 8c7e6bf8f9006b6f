"""Data-quality flags of the insurance file (gaps, overlaps, conflicting months, outliers, unmatched).

TEMPORARY: the detection is being written; until then recomputation does nothing.
"""
from __future__ import annotations

from collections.abc import Iterable


def flags_recompute_for_persons(*, person_ids: Iterable[int]) -> None:
    """Recompute the flags of these persons from their live periods (idempotent)."""
    return None
