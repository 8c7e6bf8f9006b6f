"""Vectorised evaluation helpers: one code path for one person or millions.

Formulas are plain numpy functions over arrays of persons. Parameters are read
per person at that person's own date through `parameter_vector`, which records
every (name, value, date in force, reference) it used in a `Trace`.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field

import numpy as np

from pronoia.pensions.parameters import Parameter, ParameterError, ParameterValue


@dataclass
class Trace:
    """The parameters a computation used, in first-use order, without repeats."""

    entries: list[ParameterValue] = field(default_factory=list)

    def record(self, value: ParameterValue) -> None:
        if value not in self.entries:
            self.entries.append(value)

    def as_list(self) -> list[dict]:
        return [
            {"name": v.name, "value": str(v.value), "in_force_from": v.in_force_from.isoformat(),
             "unit": v.unit, "reference": v.reference}
            for v in self.entries
        ]


def parameter_vector(pack: dict[str, Parameter], name: str, dates: np.ndarray, trace: Trace) -> np.ndarray:
    """Float64 value of `name` in force at each date of `dates` (numpy datetime64[D])."""
    if name not in pack:
        raise ParameterError(code="pension_parameter_unknown", message=f"unknown parameter {name!r}", field=name)
    values = pack[name].values
    starts = np.array([np.datetime64(v.in_force_from, "D") for v in values])
    dates = np.asarray(dates, dtype="datetime64[D]")
    index = np.searchsorted(starts, dates, side="right") - 1
    if np.any(index < 0):
        first = dates[index < 0].min()
        raise ParameterError(code="pension_parameter_not_in_force",
                             message=f"{name}: no value in force at {first}", field=name)
    for i in np.unique(index):
        trace.record(values[i])
    table = np.array([float(v.value) for v in values], dtype=np.float64)
    return table[index]


def dates_array(dates: list[datetime.date]) -> np.ndarray:
    return np.array(dates, dtype="datetime64[D]")
