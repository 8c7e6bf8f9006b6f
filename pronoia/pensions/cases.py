"""The outside contract's input: one person's case as JSON, parsed and checked once at the boundary.

`case_parse(country, data)` turns the JSON of `pronoia pension_compute` and
`POST /api/v1/pensions/compute` into a `Case`, or raises `PensionInputError` naming the field
(`periods[2].days`, `assumptions.inflation`, ...). See docs/pensions.md for the shape per pack.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from pronoia.core.errors import PronoiaError

COUNTRIES = ("gr", "pl", "bg")
MAX_PERIODS = 1000
MAX_MONEY = Decimal("100000000")  # per period or per month: far above any real earnings
EARLIEST_DATE = datetime.date(1900, 1, 1)
LATEST_DATE = datetime.date(2100, 12, 31)
SEXES = ("F", "M")
COMMON_FIELDS = {"birth_date", "sex", "claim_date", "periods", "assumptions"}
PERIOD_FIELDS = {"from", "to", "days", "earnings", "type"}
# Pack-specific top-level fields (documented in docs/pensions.md).
PACK_FIELDS = {
    "gr": {"residence_years"},
    "pl": {"capital"},
    "bg": {"individual_coefficient"},
}
ASSUMPTION_FIELDS = {"as_of", "future_monthly_earnings", "future_days_per_year", "work_until", "earnings_growth", "inflation"}
DEFAULT_GROWTH = 0.02
DEFAULT_INFLATION = 0.02


class PensionInputError(PronoiaError):
    """A case is malformed; `field` is the path of the offending input."""

    def __init__(self, field: str, message: str):
        super().__init__(code="pension_input_invalid", message=message, field=field)


@dataclass(frozen=True)
class Period:
    start: datetime.date
    end: datetime.date
    days: int
    earnings: Decimal
    type: str = ""


@dataclass(frozen=True)
class Assumptions:
    as_of: datetime.date
    future_monthly_earnings: Decimal = Decimal("0")
    future_days_per_year: float = 0.0
    work_until: datetime.date | None = None
    earnings_growth: float = DEFAULT_GROWTH
    inflation: float = DEFAULT_INFLATION


@dataclass(frozen=True)
class Case:
    country: str
    birth_date: datetime.date
    sex: str
    claim_date: datetime.date
    periods: tuple[Period, ...]
    assumptions: Assumptions
    extra: dict = field(default_factory=dict)  # pack-specific fields, parsed


def _date(value, name: str, *, low: datetime.date = EARLIEST_DATE, high: datetime.date = LATEST_DATE) -> datetime.date:
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        parsed = value
    elif isinstance(value, str) and len(value) == 10:
        try:
            parsed = datetime.date.fromisoformat(value)
        except ValueError:
            raise PensionInputError(name, _("%(value)s is not a real date (use YYYY-MM-DD).") % {"value": value[:20]}) from None
    else:
        raise PensionInputError(name, _("Enter a date as YYYY-MM-DD."))
    if not low <= parsed <= high:
        raise PensionInputError(name, _("The date must be between %(low)s and %(high)s.") % {"low": low.isoformat(), "high": high.isoformat()})
    return parsed


def _money(value, name: str) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise PensionInputError(name, _("Enter an amount as a number, for example 1234.56."))
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise PensionInputError(name, _("Enter an amount as a number, for example 1234.56.")) from None
    if not amount.is_finite():
        raise PensionInputError(name, _("Enter an amount as a number, for example 1234.56."))
    if amount < 0:
        raise PensionInputError(name, _("The amount cannot be negative."))
    if amount > MAX_MONEY:
        raise PensionInputError(name, _("The amount is too large."))
    return amount


def _number(value, name: str, *, low: float, high: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str, Decimal)):
        raise PensionInputError(name, _("Enter a number."))
    try:
        number = float(str(value).strip())
    except ValueError:
        raise PensionInputError(name, _("Enter a number.")) from None
    if not low <= number <= high:  # also refuses NaN
        raise PensionInputError(name, _("Enter a number from %(low)s to %(high)s.") % {"low": f"{low:g}", "high": f"{high:g}"})
    return number


def _mapping(value, name: str, allowed: set[str]) -> dict:
    if not isinstance(value, dict):
        raise PensionInputError(name, _("Expected an object with named fields."))
    unknown = sorted(str(k) for k in value if k not in allowed)
    if unknown:
        prefix = f"{name}." if name else ""
        raise PensionInputError(f"{prefix}{unknown[0]}", _("Unknown field. Allowed fields: %(fields)s.") % {"fields": ", ".join(sorted(allowed))})
    return value


def _required(data: dict, key: str, prefix: str = ""):
    if key not in data or data[key] is None or data[key] == "":
        raise PensionInputError(f"{prefix}{key}", _("This field is required."))
    return data[key]


def _period(raw, index: int, birth: datetime.date) -> Period:
    name = f"periods[{index}]"
    raw = _mapping(raw, name, PERIOD_FIELDS)
    start = _date(_required(raw, "from", f"{name}."), f"{name}.from")
    end = _date(_required(raw, "to", f"{name}."), f"{name}.to")
    if end < start:
        raise PensionInputError(f"{name}.to", _("The period ends before it starts."))
    if start < birth:
        raise PensionInputError(f"{name}.from", _("The period starts before the birth date."))
    days_raw = _required(raw, "days", f"{name}.")
    if isinstance(days_raw, bool) or not isinstance(days_raw, int):
        raise PensionInputError(f"{name}.days", _("Enter the number of insurance days as a whole number."))
    calendar_days = (end - start).days + 1
    if days_raw < 0:
        raise PensionInputError(f"{name}.days", _("The number of days cannot be negative."))
    if days_raw > calendar_days:
        raise PensionInputError(f"{name}.days", _("%(days)s days do not fit in a period of %(calendar)s calendar days.") % {"days": days_raw, "calendar": calendar_days})
    earnings = _money(raw.get("earnings", "0"), f"{name}.earnings")
    kind = raw.get("type", "")
    if not isinstance(kind, str) or len(kind) > 40:
        raise PensionInputError(f"{name}.type", _("The type must be text of at most 40 characters."))
    return Period(start, end, days_raw, earnings, kind)


def case_parse(country: str, data, *, today: datetime.date) -> Case:
    """Check and parse one case; `today` is the default record date (`assumptions.as_of`)."""
    if country not in COUNTRIES:
        raise PensionInputError("country", _("Unknown country %(country)s. Known: %(known)s.") % {"country": str(country)[:8], "known": ", ".join(COUNTRIES)})
    data = _mapping(data, "", COMMON_FIELDS | PACK_FIELDS[country])
    birth = _date(_required(data, "birth_date"), "birth_date", high=today)
    sex = _required(data, "sex")
    if sex not in SEXES:
        raise PensionInputError("sex", _("Enter F or M."))
    claim = _date(_required(data, "claim_date"), "claim_date", low=birth)
    if claim.year - birth.year > 100:
        raise PensionInputError("claim_date", _("The claim date must be before the 100th birthday."))
    raw_periods = data.get("periods", [])
    if not isinstance(raw_periods, list):
        raise PensionInputError("periods", _("Expected a list of periods."))
    if len(raw_periods) > MAX_PERIODS:
        raise PensionInputError("periods", _("At most %(n)s periods.") % {"n": MAX_PERIODS})
    periods = [_period(raw, i, birth) for i, raw in enumerate(raw_periods)]
    order = sorted(range(len(periods)), key=lambda i: (periods[i].start, periods[i].end))
    for previous, current in zip(order, order[1:]):
        if periods[current].start <= periods[previous].end:
            raise PensionInputError(f"periods[{current}]", _("This period overlaps period %(other)s (%(start)s to %(end)s).") % {
                "other": previous, "start": periods[previous].start.isoformat(), "end": periods[previous].end.isoformat()})
    for i, period in enumerate(periods):
        if period.end > claim:
            raise PensionInputError(f"periods[{i}].to", _("The period ends after the claim date."))
    assumptions = _assumptions(data.get("assumptions", {}), periods, birth, today)
    extra = _extra(country, data)
    return Case(country, birth, sex, claim, tuple(sorted(periods, key=lambda p: p.start)), assumptions, extra)


def _assumptions(raw, periods: list[Period], birth: datetime.date, today: datetime.date) -> Assumptions:
    raw = _mapping(raw if raw is not None else {}, "assumptions", ASSUMPTION_FIELDS)
    last_end = max((p.end for p in periods), default=None)
    if raw.get("as_of"):
        as_of = _date(raw["as_of"], "assumptions.as_of", low=birth)
        if last_end and as_of < last_end:
            raise PensionInputError("assumptions.as_of", _("The record date cannot be before the end of the last period (%(date)s).") % {"date": last_end.isoformat()})
    else:
        as_of = max(today, last_end) if last_end else today
    work_until = _date(raw["work_until"], "assumptions.work_until", low=birth) if raw.get("work_until") else None
    return Assumptions(
        as_of=as_of,
        future_monthly_earnings=_money(raw.get("future_monthly_earnings", "0"), "assumptions.future_monthly_earnings"),
        future_days_per_year=_number(raw.get("future_days_per_year", 0), "assumptions.future_days_per_year", low=0, high=366),
        work_until=work_until,
        earnings_growth=_number(raw.get("earnings_growth", DEFAULT_GROWTH), "assumptions.earnings_growth", low=-0.5, high=1.0),
        inflation=_number(raw.get("inflation", DEFAULT_INFLATION), "assumptions.inflation", low=-0.5, high=1.0),
    )


def _extra(country: str, data: dict) -> dict:
    if country == "gr":
        return {"residence_years": _number(data.get("residence_years", 40), "residence_years", low=0, high=100)}
    if country == "pl":
        capital = data.get("capital")
        return {"capital": _money(capital, "capital") if capital is not None else None}
    coefficient = data.get("individual_coefficient")
    return {"individual_coefficient": _number(coefficient, "individual_coefficient", low=0, high=100) if coefficient is not None else None}
