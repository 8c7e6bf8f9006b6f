"""Dated pension parameters per country pack, in an OpenFisca-like YAML format.

Each parameter has a ``description``, a ``unit`` and ``values``: a mapping of
ISO date -> ``{"value": ..., "reference": {"law", "article", "url"}, "note": optional}``.
Money (units ``currency-*``) is read as ``Decimal``; everything else as float64.

A value may also be a *scale*: a mapping ``threshold -> number`` (thresholds strictly
increasing), read as a tuple of (threshold, number) float64 pairs. Scales serve step tables
(marginal rates by years of insurance) and interpolated tables (life expectancy by age); see
``engine.scale_marginal_vector`` and ``engine.scale_interpolate_vector``.
"""
from __future__ import annotations

import datetime
import functools
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import numpy as np
import yaml

from pronoia.core.errors import PronoiaError

PACKS_DIR = Path(__file__).resolve().parent / "packs"
MONEY_UNITS = {"currency-EUR", "currency-PLN"}
UNITS = MONEY_UNITS | {"year", "month", "day", "rate", "/1"}
REFERENCE_KEYS = ("law", "article", "url")


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses duplicate keys (plain YAML silently keeps the last)."""

    def construct_mapping(self, node, deep=False):
        seen = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key}", key_node.start_mark)
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


class ParameterError(PronoiaError):
    """A pack's parameter file is malformed; the message names file and parameter."""


@dataclass(frozen=True)
class ParameterValue:
    name: str
    value: Decimal | np.float64 | tuple[tuple[float, float], ...]
    in_force_from: datetime.date
    reference: dict
    unit: str
    note: str = ""

    @property
    def is_scale(self) -> bool:
        return isinstance(self.value, tuple)


@dataclass(frozen=True)
class Parameter:
    name: str
    description: str
    unit: str
    values: tuple[ParameterValue, ...]  # sorted by in_force_from

    # Derived once per loaded parameter (the engine reads them for every evaluation).
    @functools.cached_property
    def starts(self) -> np.ndarray:
        return np.array([np.datetime64(v.in_force_from, "D") for v in self.values])

    @functools.cached_property
    def table(self) -> np.ndarray | None:
        """Float64 values by version, None for scales."""
        if any(v.is_scale for v in self.values):
            return None
        return np.array([float(v.value) for v in self.values], dtype=np.float64)


def _fail(path: Path, name: str, message: str) -> ParameterError:
    return ParameterError(code="pension_parameter_invalid", message=f"{path.name}: {name}: {message}", field=name)


def _parse_date(path: Path, name: str, raw) -> datetime.date:
    if isinstance(raw, datetime.date):
        return raw
    try:
        return datetime.date.fromisoformat(str(raw))
    except ValueError:
        raise _fail(path, name, f"{raw!r} is not an ISO date") from None


def _number(path: Path, name: str, start: datetime.date, raw) -> float:
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise _fail(path, name, f"{start}: {raw!r} is not a number")
    try:
        number = float(raw)
    except ValueError:
        raise _fail(path, name, f"{start}: {raw!r} is not a number") from None
    if not np.isfinite(number):
        raise _fail(path, name, f"{start}: {raw!r} is not a finite number")
    return number


def _parse_value(path: Path, name: str, start: datetime.date, unit: str, raw):
    if isinstance(raw, dict):
        if unit in MONEY_UNITS or not raw:
            raise _fail(path, name, f"{start}: a scale must be a non-empty mapping and cannot be money")
        pairs = tuple((_number(path, name, start, k), _number(path, name, start, v)) for k, v in raw.items())
        thresholds = [k for k, _ in pairs]
        if any(b <= a for a, b in zip(thresholds, thresholds[1:])):
            raise _fail(path, name, f"{start}: scale thresholds must be strictly increasing")
        return pairs
    number = _number(path, name, start, raw)
    if unit in MONEY_UNITS:
        return Decimal(str(raw))
    return np.float64(number)


def parameters_load(path: Path) -> dict[str, Parameter]:
    """Read and validate one parameter file; raise ParameterError naming file and parameter."""
    try:
        with open(path, encoding="utf-8") as fh:
            document = yaml.load(fh, Loader=_UniqueKeyLoader)  # noqa: S506 (SafeLoader subclass)
    except yaml.YAMLError as exc:
        raise _fail(path, "-", f"not valid YAML ({exc})") from None
    if not isinstance(document, dict):
        raise _fail(path, "-", "top level must be a mapping of parameter names")
    parameters: dict[str, Parameter] = {}
    for name, spec in document.items():
        if not isinstance(spec, dict):
            raise _fail(path, name, "must be a mapping")
        for key in ("description", "unit", "values"):
            if key not in spec:
                raise _fail(path, name, f"missing '{key}'")
        unit = spec["unit"]
        if unit not in UNITS:
            raise _fail(path, name, f"unknown unit {unit!r} (known: {', '.join(sorted(UNITS))})")
        raw_values = spec["values"]
        if not isinstance(raw_values, dict) or not raw_values:
            raise _fail(path, name, "'values' must be a non-empty mapping of date -> value")
        values = []
        previous = None
        for raw_date, entry in raw_values.items():
            start = _parse_date(path, name, raw_date)
            if previous is not None and start <= previous:
                raise _fail(path, name, f"dates must be sorted and unique ({start} after {previous})")
            previous = start
            if not isinstance(entry, dict) or "value" not in entry:
                raise _fail(path, name, f"{start}: missing 'value'")
            reference = entry.get("reference")
            if not isinstance(reference, dict) or any(not reference.get(k) for k in REFERENCE_KEYS):
                raise _fail(path, name, f"{start}: value lacks a reference with {', '.join(REFERENCE_KEYS)}")
            value = _parse_value(path, name, start, unit, entry["value"])
            note = entry.get("note", "")
            if not isinstance(note, str):
                raise _fail(path, name, f"{start}: 'note' must be text")
            values.append(ParameterValue(name, value, start, dict(reference), unit, note.strip()))
        parameters[name] = Parameter(name, str(spec["description"]), unit, tuple(values))
    return parameters


def pack_load(country: str) -> dict[str, Parameter]:
    """Load ``packs/<country>/parameters.yaml``."""
    path = PACKS_DIR / country / "parameters.yaml"
    if not path.is_file():
        raise ParameterError(code="pension_country_unknown", message=f"unknown country pack {country!r}", field="country")
    return parameters_load(path)


def parameter_at(pack: dict[str, Parameter], name: str, date: datetime.date) -> ParameterValue:
    """The value of `name` in force at `date`, with its reference."""
    if name not in pack:
        raise ParameterError(code="pension_parameter_unknown", message=f"unknown parameter {name!r}", field=name)
    in_force = [v for v in pack[name].values if v.in_force_from <= date]
    if not in_force:
        raise ParameterError(code="pension_parameter_not_in_force", message=f"{name}: no value in force at {date}", field=name)
    return in_force[-1]
