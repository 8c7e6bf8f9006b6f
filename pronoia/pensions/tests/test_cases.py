"""Every pack's worked examples (packs/<cc>/cases/*.yaml), each with its source cited in the file."""
import datetime
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from pronoia.pensions.compute import pension_compute
from pronoia.pensions.parameters import PACKS_DIR

TODAY = datetime.date(2026, 11, 23)


def _cases():
    for path in sorted(PACKS_DIR.glob("*/cases/*.yaml")):
        country = path.parent.parent.name
        for case in yaml.safe_load(path.read_text(encoding="utf-8")):
            yield pytest.param(country, case, id=f"{country}: {case['name']}")


def test_every_pack_has_worked_examples_with_sources():
    countries = {p.values[0] for p in _cases()}
    assert countries == {"gr", "pl", "bg"}
    for param in _cases():
        case = param.values[1]
        assert case.get("source") and case.get("steps"), case["name"]


@pytest.mark.parametrize("country, case", list(_cases()))
def test_worked_example(country, case):
    result = pension_compute(country=country, data=case["input"], today=TODAY)
    expect = dict(case["expect"])
    tolerance = Decimal(expect.pop("tolerance", "0"))
    for key in ("monthly_amount",):
        if key in expect:
            assert abs(Decimal(result[key]) - Decimal(expect.pop(key))) <= tolerance, result
    for name, amount in expect.pop("components", {}).items():
        assert abs(Decimal(result["components"][name]) - Decimal(amount)) <= tolerance, (name, result["components"])
    if "missing_codes" in expect:
        assert [m["code"] for m in result["missing"]] == expect.pop("missing_codes")
    for key, value in expect.items():
        assert result[key] == value, (key, result[key])
    # Every dated value used is in the trace with its legal reference.
    assert result["trace"] and all(t["reference"]["law"] and t["reference"]["url"] for t in result["trace"])
