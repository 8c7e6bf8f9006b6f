"""National identifiers: Greek AMKA, Polish PESEL, Bulgarian EGN.

Each validator checks the format, the check digit and the birth date embedded in the number,
and returns what the number says (birth date, and sex where the number encodes it).
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils.translation import gettext as _

from pronoia.core.errors import PronoiaError


@dataclass(frozen=True)
class NationalIdFacts:
    country: str
    national_id: str
    birth_date: dt.date
    sex: str  # "M", "F" or "" when the number does not encode it


def _invalid(message: str, code: str = "invalid_national_id") -> PronoiaError:
    return PronoiaError(code=code, message=message, field="national_id")


def _date_or_error(year: int, month: int, day: int, name: str) -> dt.date:
    try:
        return dt.date(year, month, day)
    except ValueError:
        raise _invalid(_("The %(name)s does not contain a valid birth date.") % {"name": name}, "national_id_bad_birth_date")


def _digits(value: str, length: int, name: str) -> list[int]:
    if len(value) != length or not value.isascii() or not value.isdigit():
        raise _invalid(_("The %(name)s must be exactly %(length)d digits.") % {"name": name, "length": length}, "national_id_bad_format")
    return [int(c) for c in value]


def luhn_valid(digits: list[int]) -> bool:
    total = 0
    for index, digit in enumerate(reversed(digits)):
        if index % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return total % 10 == 0


def luhn_check_digit(partial: list[int]) -> int:
    for candidate in range(10):
        if luhn_valid(partial + [candidate]):
            return candidate
    raise AssertionError("unreachable")


def validate_amka(value: str, *, today: dt.date | None = None) -> NationalIdFacts:
    """AMKA: DDMMYY + 4 serial digits + Luhn check digit (11 digits).

    The two-digit year is resolved to the most recent century that does not put the birth in
    the future. Sex is not encoded reliably across all issuing periods, so it is not derived.
    """
    digits = _digits(value, 11, "AMKA")
    if not luhn_valid(digits):
        raise _invalid(_("The AMKA check digit is wrong."), "national_id_bad_checksum")
    today = today or dt.date.today()
    day, month, yy = int(value[0:2]), int(value[2:4]), int(value[4:6])
    year = 2000 + yy if 2000 + yy <= today.year else 1900 + yy
    birth = _date_or_error(year, month, day, "AMKA")
    if birth > today:
        birth = _date_or_error(year - 100, month, day, "AMKA")
    return NationalIdFacts("gr", value, birth, "")


_PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
_PESEL_CENTURY_BY_MONTH_OFFSET = {80: 1800, 0: 1900, 20: 2000, 40: 2100, 60: 2200}


def pesel_check_digit(first_ten: list[int]) -> int:
    return (10 - sum(w * d for w, d in zip(_PESEL_WEIGHTS, first_ten)) % 10) % 10


def validate_pesel(value: str) -> NationalIdFacts:
    """PESEL: YYMMDD (month + 20 for the 2000s, + 80 for the 1800s ...) + 4 digits + check digit.
    The tenth digit is odd for men and even for women."""
    digits = _digits(value, 11, "PESEL")
    if pesel_check_digit(digits[:10]) != digits[10]:
        raise _invalid(_("The PESEL check digit is wrong."), "national_id_bad_checksum")
    yy, mm, dd = int(value[0:2]), int(value[2:4]), int(value[4:6])
    offset = (mm // 20) * 20
    century = _PESEL_CENTURY_BY_MONTH_OFFSET.get(offset)
    if century is None:
        raise _invalid(_("The PESEL does not contain a valid birth date."), "national_id_bad_birth_date")
    birth = _date_or_error(century + yy, mm - offset, dd, "PESEL")
    return NationalIdFacts("pl", value, birth, "M" if digits[9] % 2 else "F")


_EGN_WEIGHTS = (2, 4, 8, 5, 10, 9, 7, 3, 6)


def egn_check_digit(first_nine: list[int]) -> int:
    remainder = sum(w * d for w, d in zip(_EGN_WEIGHTS, first_nine)) % 11
    return 0 if remainder == 10 else remainder


def validate_egn(value: str) -> NationalIdFacts:
    """EGN: YYMMDD (month + 20 for the 1800s, + 40 for the 2000s) + 3 digits + check digit.
    The ninth digit is even for men and odd for women."""
    digits = _digits(value, 10, "EGN")
    if egn_check_digit(digits[:9]) != digits[9]:
        raise _invalid(_("The EGN check digit is wrong."), "national_id_bad_checksum")
    yy, mm, dd = int(value[0:2]), int(value[2:4]), int(value[4:6])
    if mm > 40:
        year, month = 2000 + yy, mm - 40
    elif mm > 20:
        year, month = 1800 + yy, mm - 20
    else:
        year, month = 1900 + yy, mm
    birth = _date_or_error(year, month, dd, "EGN")
    return NationalIdFacts("bg", value, birth, "F" if digits[8] % 2 else "M")


def validate_national_id(country: str, value: str) -> NationalIdFacts:
    """Validate `value` as the national identifier of `country`; raise PronoiaError if it is not."""
    value = (value or "").strip()
    if country == "gr":
        return validate_amka(value)
    if country == "pl":
        return validate_pesel(value)
    if country == "bg":
        return validate_egn(value)
    raise PronoiaError(code="unknown_country", message=_("Unknown country %(c)s.") % {"c": country}, field="country")


def make_national_id(country: str, birth_date: dt.date, sex: str, serial: int) -> str:
    """Build a valid identifier for synthetic people (demo data and tests only)."""
    if country == "gr":
        base = f"{birth_date:%d%m}{birth_date.year % 100:02d}{serial % 10000:04d}"
        return base + str(luhn_check_digit([int(c) for c in base]))
    if country == "pl":
        offset = {1800: 80, 1900: 0, 2000: 20, 2100: 40, 2200: 60}[birth_date.year // 100 * 100]
        serial3 = serial % 1000
        sex_digit = (serial // 1000) % 5 * 2 + (1 if sex == "M" else 0)
        base = f"{birth_date.year % 100:02d}{birth_date.month + offset:02d}{birth_date.day:02d}{serial3:03d}{sex_digit}"
        return base + str(pesel_check_digit([int(c) for c in base]))
    if country == "bg":
        offset = {1800: 20, 1900: 0, 2000: 40}[birth_date.year // 100 * 100]
        serial2 = serial % 100
        sex_digit = (serial // 100) % 5 * 2 + (1 if sex == "F" else 0)
        base = f"{birth_date.year % 100:02d}{birth_date.month + offset:02d}{birth_date.day:02d}{serial2:02d}{sex_digit}"
        return base + str(egn_check_digit([int(c) for c in base]))
    raise ValueError(country)
