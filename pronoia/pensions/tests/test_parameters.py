import datetime
from decimal import Decimal

import pytest

from pronoia.pensions.parameters import ParameterError, parameter_at, parameters_load

REF = "reference: {law: 'L 1', article: 'art 1', url: 'https://example.org'}"


def _write(tmp_path, text):
    path = tmp_path / "parameters.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_parameter_at_across_a_change_date(tmp_path):
    path = _write(tmp_path, f"""
amount:
  description: an amount
  unit: currency-EUR
  values:
    2020-01-01: {{value: 100.10, {REF}}}
    2023-01-01: {{value: 110.20, {REF}}}
""")
    pack = parameters_load(path)
    assert parameter_at(pack, "amount", datetime.date(2022, 12, 31)).value == Decimal("100.1")
    later = parameter_at(pack, "amount", datetime.date(2023, 1, 1))
    assert later.value == Decimal("110.2")
    assert later.reference["law"] == "L 1"
    with pytest.raises(ParameterError):
        parameter_at(pack, "amount", datetime.date(2019, 1, 1))


@pytest.mark.parametrize("body, fragment", [
    ("unit: year\n  values:\n    2020-01-01: {value: 1}", "lacks a reference"),
    ("unit: parsec\n  values:\n    2020-01-01: {value: 1, " + REF + "}", "unknown unit"),
    ("unit: year\n  values:\n    2021-01-01: {value: 1, " + REF + "}\n    2020-01-01: {value: 2, " + REF + "}", "sorted"),
])
def test_loader_errors_name_file_and_parameter(tmp_path, body, fragment):
    path = _write(tmp_path, "age:\n  description: d\n  " + body + "\n")
    with pytest.raises(ParameterError) as exc:
        parameters_load(path)
    assert "parameters.yaml: age:" in exc.value.message
    assert fragment in exc.value.message


def test_duplicate_date_is_rejected(tmp_path):
    path = _write(tmp_path, f"""
age:
  description: d
  unit: year
  values:
    2020-01-01: {{value: 1, {REF}}}
    2020-01-01: {{value: 2, {REF}}}
""")
    with pytest.raises(ParameterError) as exc:
        parameters_load(path)
    assert "parameters.yaml" in exc.value.message and "duplicate key 2020-01-01" in exc.value.message


@pytest.mark.parametrize("value, fragment", [
    ("{0: 0.01, 10: 0.02}", None),
    ("{10: 0.01, 0: 0.02}", "strictly increasing"),
    ("{}", "non-empty"),
    ("{0: abc}", "not a number"),
    (".nan", "not a finite number"),
    ("'many'", "not a number"),
    ("[1, 2]", "not a number"),
])
def test_scale_values(tmp_path, value, fragment):
    path = _write(tmp_path, f"rate:\n  description: d\n  unit: rate\n  values:\n    2020-01-01: {{value: {value}, {REF}}}\n")
    if fragment is None:
        assert parameters_load(path)["rate"].values[0].value == ((0.0, 0.01), (10.0, 0.02))
        return
    with pytest.raises(ParameterError) as exc:
        parameters_load(path)
    assert fragment in exc.value.message


def test_money_cannot_be_a_scale_and_notes_must_be_text(tmp_path):
    path = _write(tmp_path, f"a:\n  description: d\n  unit: currency-EUR\n  values:\n    2020-01-01: {{value: {{0: 1}}, {REF}}}\n")
    with pytest.raises(ParameterError):
        parameters_load(path)
    path = _write(tmp_path, f"a:\n  description: d\n  unit: year\n  values:\n    2020-01-01: {{value: 1, note: [x], {REF}}}\n")
    with pytest.raises(ParameterError) as exc:
        parameters_load(path)
    assert "note" in exc.value.message


@pytest.mark.parametrize("country", ["gr", "pl", "bg"])
def test_every_shipped_pack_loads_and_cites_every_value(country):
    from pronoia.pensions.parameters import pack_load
    pack = pack_load(country)
    assert pack
    for parameter in pack.values():
        for value in parameter.values:
            assert value.reference["url"].startswith("https://"), (parameter.name, value.in_force_from)
