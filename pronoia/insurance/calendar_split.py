"""Pro-rata split of a period's days and earnings over calendar years or months.

A period spanning several years (or months) is split in proportion to the calendar days it
covers in each: 2010-07-01..2011-06-30 with 300 days gives 2010 184/365 of the days and 2011
181/365. Days are whole numbers and earnings whole cents, allocated by the largest-remainder
method so that the parts always add up exactly to the period's totals.
"""
from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterator
from decimal import Decimal

CENT = Decimal("0.01")


def allocate(total: int, weights: list[int]) -> list[int]:
    """Split the integer `total` in proportion to `weights` (largest remainder; ties go to the earlier part)."""
    weight_sum = sum(weights)
    if weight_sum <= 0:
        return [total] + [0] * (len(weights) - 1)
    shares = [total * w // weight_sum for w in weights]
    remainders = [(total * w) % weight_sum for w in weights]
    left = total - sum(shares)
    for index in sorted(range(len(weights)), key=lambda i: (-remainders[i], i))[:left]:
        shares[index] += 1
    return shares


def _split(buckets: list[tuple], days: int, earnings: Decimal) -> list[tuple]:
    weights = [calendar_days for _key, calendar_days in buckets]
    day_parts = allocate(days, weights)
    cent_parts = allocate(int((earnings / CENT).to_integral_value()), weights)
    return [(key, d, Decimal(c) * CENT) for (key, _w), d, c in zip(buckets, day_parts, cent_parts)]


def year_buckets(start: dt.date, end: dt.date) -> list[tuple[int, int]]:
    """(year, calendar days of [start, end] in that year) for each year touched."""
    buckets = []
    for year in range(start.year, end.year + 1):
        first = max(start, dt.date(year, 1, 1))
        last = min(end, dt.date(year, 12, 31))
        buckets.append((year, (last - first).days + 1))
    return buckets


def _year_months(start: dt.date, end: dt.date) -> Iterator[tuple[int, int]]:
    year, month = start.year, start.month
    while (year, month) <= (end.year, end.month):
        yield year, month
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)


def month_keys(start: dt.date, end: dt.date) -> Iterator[str]:
    """"YYYY-MM" of each calendar month [start, end] touches."""
    return (f"{year:04d}-{month:02d}" for year, month in _year_months(start, end))


def month_buckets(start: dt.date, end: dt.date) -> list[tuple[str, int]]:
    """("YYYY-MM", calendar days of [start, end] in that month) for each month touched."""
    buckets = []
    for year, month in _year_months(start, end):
        first = max(start, dt.date(year, month, 1))
        last = min(end, dt.date(year, month, calendar.monthrange(year, month)[1]))
        buckets.append((f"{year:04d}-{month:02d}", (last - first).days + 1))
    return buckets


def split_by_year(start: dt.date, end: dt.date, days: int, earnings: Decimal) -> list[tuple[int, int, Decimal]]:
    """[(year, days, earnings)] of one period, pro rata by calendar days."""
    if start.year == end.year:
        return [(start.year, days, earnings)]
    return _split(year_buckets(start, end), days, earnings)


def split_by_month(start: dt.date, end: dt.date, days: int, earnings: Decimal) -> list[tuple[str, int, Decimal]]:
    """[("YYYY-MM", days, earnings)] of one period, pro rata by calendar days."""
    if (start.year, start.month) == (end.year, end.month):
        return [(f"{start.year:04d}-{start.month:02d}", days, earnings)]
    return _split(month_buckets(start, end), days, earnings)


def days_in_month(month: str) -> int:
    year, mon = (int(part) for part in month.split("-"))
    return calendar.monthrange(year, mon)[1]


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later, clamped to the month's last day (31 Jan + 1 = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def whole_months_between(start: dt.date, end: dt.date) -> int:
    """Whole months in the inclusive range [start, end] (2010-01-01..2010-06-30 is 6)."""
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    while months > 0 and add_months(start, months) > end + dt.timedelta(days=1):
        months -= 1
    return max(months, 0)
