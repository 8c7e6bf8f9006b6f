import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from pronoia.core.errors import PronoiaError
from pronoia.people.national_ids import make_national_id, validate_amka, validate_egn, validate_national_id, validate_pesel


def test_pesel_known_valid_number():
    # 44051401359: the PESEL used in Polish government documentation examples (male, 1944-05-14).
    facts = validate_pesel("44051401359")
    assert facts.birth_date == dt.date(1944, 5, 14)
    assert facts.sex == "M"


def test_pesel_bad_checksum():
    with pytest.raises(PronoiaError) as err:
        validate_pesel("44051401358")
    assert err.value.code == "national_id_bad_checksum"
    assert err.value.field == "national_id"


def test_pesel_2000s_century_offset():
    facts = validate_pesel(make_national_id("pl", dt.date(2003, 2, 28), "F", 123))
    assert facts.birth_date == dt.date(2003, 2, 28)
    assert facts.sex == "F"


def test_egn_known_valid_number():
    # 7523169263: the EGN example of the Bulgarian civil registry's documentation (1875-03-16).
    facts = validate_egn("7523169263")
    assert facts.birth_date == dt.date(1875, 3, 16)


def test_egn_bad_checksum_and_bad_date():
    with pytest.raises(PronoiaError) as err:
        validate_egn("7523169264")
    assert err.value.code == "national_id_bad_checksum"
    with pytest.raises(PronoiaError) as err:
        validate_egn(make_egn_raw("751332", "926"))
    assert err.value.code == "national_id_bad_birth_date"


def make_egn_raw(date6: str, serial3: str) -> str:
    from pronoia.people.national_ids import egn_check_digit

    base = date6 + serial3
    return base + str(egn_check_digit([int(c) for c in base]))


def test_amka_checksum_and_date():
    amka = make_national_id("gr", dt.date(1971, 12, 31), "M", 4567)
    facts = validate_amka(amka, today=dt.date(2026, 11, 23))
    assert facts.birth_date == dt.date(1971, 12, 31)
    broken = amka[:-1] + str((int(amka[-1]) + 1) % 10)
    with pytest.raises(PronoiaError) as err:
        validate_amka(broken)
    assert err.value.code == "national_id_bad_checksum"


def test_amka_impossible_birth_date():
    from pronoia.people.national_ids import luhn_check_digit

    base = "3102801234"  # 31 February 1980
    amka = base + str(luhn_check_digit([int(c) for c in base]))
    with pytest.raises(PronoiaError) as err:
        validate_amka(amka)
    assert err.value.code == "national_id_bad_birth_date"


@pytest.mark.parametrize("value", ["", "123", "abcdefghijk", "4405140135９", "440514013590"])
def test_bad_formats_are_rejected_with_format_code(value):
    with pytest.raises(PronoiaError) as err:
        validate_national_id("pl", value)
    assert err.value.code == "national_id_bad_format"


@given(
    country=st.sampled_from(["gr", "pl", "bg"]),
    birth=st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2020, 12, 31)),
    sex=st.sampled_from(["M", "F"]),
    serial=st.integers(min_value=0, max_value=99999),
)
def test_generated_ids_round_trip(country, birth, sex, serial):
    facts = validate_national_id(country, make_national_id(country, birth, sex, serial))
    assert facts.birth_date == birth
    if country != "gr":
        assert facts.sex == sex


# PESEL weights (1, 3, 7, 9) are coprime with 10, so every single-digit change is caught.
# EGN is not tested this way: it maps remainder 10 to check digit 0, so some changes slip by.
@given(birth=st.dates(min_value=dt.date(1930, 1, 1), max_value=dt.date(2020, 12, 31)), position=st.integers(0, 9), serial=st.integers(0, 999))
def test_single_digit_change_is_detected_in_pesel(birth, position, serial):
    country = "pl"
    value = make_national_id(country, birth, "M", serial)
    changed = value[:position] + str((int(value[position]) + 1) % 10) + value[position + 1 :]
    with pytest.raises(PronoiaError):
        validate_national_id(country, changed)
