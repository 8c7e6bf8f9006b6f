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
