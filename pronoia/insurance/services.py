"""Writes to the insurance file."""
from __future__ import annotations

from pronoia.insurance.legacy_import import legacy_import_file, period_fact_hash, periods_relink_unlinked

__all__ = ["legacy_import_file", "period_fact_hash", "periods_relink_unlinked"]

# Correction requests (written in corrections.py, re-exported so callers find every write here).
from pronoia.insurance.corrections import correction_request_submit  # noqa: E402

__all__ += ["correction_request_submit"]
