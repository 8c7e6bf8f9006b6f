"""Writes to the insurance file."""
from __future__ import annotations

from pronoia.insurance.legacy_import import legacy_import_file, period_fact_hash, periods_relink_unlinked

__all__ = ["legacy_import_file", "period_fact_hash", "periods_relink_unlinked"]
