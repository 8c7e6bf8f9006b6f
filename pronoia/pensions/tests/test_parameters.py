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
