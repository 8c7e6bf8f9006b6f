import datetime

import numpy as np

from pronoia.pensions.engine import Trace, dates_array, parameter_vector
from pronoia.pensions.parameters import parameters_load

REF = "reference: {law: 'L 1', article: 'art 1', url: 'https://example.org'}"


def _pack(tmp_path):
    path = tmp_path / "parameters.yaml"
    path.write_text(f"""
amount:
  description: an amount
  unit: currency-EUR
  values:
    2020-01-01: {{value: 100, {REF}}}
    2023-01-01: {{value: 110, {REF}}}
""", encoding="utf-8")
    return parameters_load(path)


def test_each_person_reads_the_value_in_force_at_their_date(tmp_path):
    trace = Trace()
    days = dates_array([datetime.date(2022, 12, 31), datetime.date(2023, 1, 1)])
    assert parameter_vector(_pack(tmp_path), "amount", days, trace).tolist() == [100.0, 110.0]
    assert [e["in_force_from"] for e in trace.as_list()] == ["2020-01-01", "2023-01-01"]


def test_one_person_alone_equals_the_same_person_in_a_batch_of_1000(tmp_path):
    pack = _pack(tmp_path)
    rng = np.random.default_rng(6)
    batch = np.datetime64("2020-01-01") + rng.integers(0, 2000, size=1000).astype("timedelta64[D]")
    together = parameter_vector(pack, "amount", batch, Trace())
    for i in (0, 499, 999):
        alone = parameter_vector(pack, "amount", batch[i:i + 1], Trace())
        assert alone[0] == together[i]


def _scale_pack(tmp_path):
    path = tmp_path / "parameters.yaml"
    path.write_text(f"""
rate:
  description: marginal rate per year by band
  unit: rate
  values:
    2020-01-01: {{value: {{0: 0.01, 10: 0.02}}, {REF}}}
    2024-01-01: {{value: {{0: 0.01, 10: 0.03}}, {REF}, note: a later version}}
life:
  description: interpolated table
  unit: month
  values:
    2020-01-01: {{value: {{720: 260, 780: 220}}, {REF}}}
""", encoding="utf-8")
    return parameters_load(path)


def test_marginal_scale_sums_bands_and_picks_the_version_per_person(tmp_path):
    from pronoia.pensions.engine import scale_marginal_vector
    pack = _scale_pack(tmp_path)
    trace = Trace()
    days = dates_array([datetime.date(2023, 1, 1), datetime.date(2024, 6, 1), datetime.date(2024, 6, 1)])
    out = scale_marginal_vector(pack, "rate", days, np.array([15.0, 15.0, 5.5]), trace)
    assert np.allclose(out, [0.10 + 0.10, 0.10 + 0.15, 0.055])
    assert [e["note"] for e in trace.as_list() if "note" in e] == ["a later version"]


def test_interpolated_scale_is_nan_outside_the_table(tmp_path):
    from pronoia.pensions.engine import scale_interpolate_vector
    pack = _scale_pack(tmp_path)
    days = dates_array([datetime.date(2022, 1, 1)] * 3)
    out = scale_interpolate_vector(pack, "life", days, np.array([720.0, 750.0, 900.0]), Trace())
    assert out[0] == 260 and out[1] == 240 and np.isnan(out[2])


def test_a_scale_read_as_a_single_value_is_an_error(tmp_path):
    import pytest
    from pronoia.pensions.parameters import ParameterError
    with pytest.raises(ParameterError) as exc:
        parameter_vector(_scale_pack(tmp_path), "rate", dates_array([datetime.date(2022, 1, 1)]), Trace())
    assert exc.value.field == "rate"


def test_formula_cycles_are_refused_with_the_path():
    import pytest
    from pronoia.pensions.engine import FormulaCycleError, Model
    model = Model()

    @model.formula("b")
    def a(v, pack, trace):
        return v["b"]

    @model.formula("c")
    def b(v, pack, trace):
        return v["c"]

    @model.formula("a")
    def c(v, pack, trace):
        return v["a"]

    with pytest.raises(FormulaCycleError) as exc:
        model.evaluate({}, ("a",), pack={}, trace=Trace())
    assert exc.value.code == "pension_formula_cycle" and "a -> b -> c -> a" in exc.value.message
    # Given as an input, the cycle is broken: inputs are not recomputed.
    assert model.evaluate({"c": np.array([1.0])}, ("a",), pack={}, trace=Trace())["a"][0] == 1.0


def test_formulas_run_in_dependency_order_and_unknown_names_are_refused():
    import pytest
    from pronoia.pensions.engine import FormulaCycleError, Model
    model = Model()

    @model.formula("doubled")
    def total(v, pack, trace):
        return v["doubled"] + 1

    @model.formula("x")
    def doubled(v, pack, trace):
        return v["x"] * 2

    assert model.evaluate({"x": np.array([3.0])}, ("total",), pack={}, trace=Trace())["total"][0] == 7.0
    with pytest.raises(FormulaCycleError) as exc:
        model.evaluate({}, ("total",), pack={}, trace=Trace())
    assert exc.value.code == "pension_formula_unknown" and exc.value.field == "x"


def test_every_pack_model_is_acyclic():
    from pronoia.pensions.compute import BASE_TARGETS, MISSING_TARGETS, RULES
    from pronoia.pensions.rules.common import COMMON_INPUTS
    for country, rules in RULES.items():
        order = rules.model.order(BASE_TARGETS + rules.COMPONENTS + MISSING_TARGETS[country], set(COMMON_INPUTS + rules.INPUTS))
        assert order, country


def test_add_months_clamps_the_day_and_age_counts_completed_months():
    from pronoia.pensions.engine import add_months, age_in_months
    start = dates_array([datetime.date(2024, 1, 31), datetime.date(2023, 3, 15), datetime.date(2020, 2, 29)])
    assert add_months(start, np.array([1, 12, 12])).tolist() == [
        datetime.date(2024, 2, 29), datetime.date(2024, 3, 15), datetime.date(2021, 2, 28)]
    birth = dates_array([datetime.date(1960, 5, 15)] * 3)
    on = dates_array([datetime.date(2025, 5, 14), datetime.date(2025, 5, 15), datetime.date(2025, 6, 30)])
    assert age_in_months(birth, on).tolist() == [779, 780, 781]


def test_integer_calendar_equals_numpy_and_python_on_random_dates():
    from pronoia.pensions.engine import add_months, date_parts
    rng = np.random.default_rng(7)
    days = np.datetime64("1900-01-01") + rng.integers(0, 80_000, size=5000).astype("timedelta64[D]")
    year, month, day = date_parts(days)
    python = [d.tolist() for d in days]
    assert [(int(y), int(m), int(d)) for y, m, d in zip(year, month, day)] == [(d.year, d.month, d.day) for d in python]
    months = rng.integers(-30, 900, size=5000)
    numpy_way = (days.astype("datetime64[M]") + months.astype("timedelta64[M]")).astype("datetime64[D]")
    shifted = add_months(days, months)
    assert (shifted.astype("datetime64[M]") == numpy_way.astype("datetime64[M]")).all()
    assert (date_parts(shifted)[2] <= day).all()
