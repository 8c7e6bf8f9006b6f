"""The outside contract: the CLI and the API take the same JSON and give the same result."""
import io
import json

import pytest
from django.core.management import call_command

GR_CASE = {
    "birth_date": "1959-05-15", "sex": "M", "claim_date": "2026-06-01",
    "periods": [{"from": "2002-01-01", "to": "2026-05-31", "days": 7500, "earnings": "450000"}],
    "assumptions": {"as_of": "2026-05-31", "inflation": 0, "earnings_growth": 0},
}


def _cli(country, text, tmp_path):
    path = tmp_path / "case.json"
    path.write_text(text, encoding="utf-8")
    out, err = io.StringIO(), io.StringIO()
    code = 0
    try:
        call_command("pension_compute", country=country, input=str(path), stdout=out, stderr=err)
    except SystemExit as exc:
        code = exc.code
    return code, out.getvalue(), err.getvalue()


def test_cli_computes_a_case(tmp_path):
    code, out, _ = _cli("gr", json.dumps(GR_CASE), tmp_path)
    result = json.loads(out)
    assert code == 0 and result["monthly_amount"] == "757.07" and result["eligible"] is True
    assert {t["name"] for t in result["trace"]} >= {"national_pension_full_amount", "replacement_rate_per_year"}


@pytest.mark.parametrize("country, text, field", [
    ("gr", "{not json", "input"),
    ("gr", json.dumps({**GR_CASE, "birth_date": "1959-13-01"}), "birth_date"),
    ("xx", json.dumps(GR_CASE), "country"),
    ("gr", json.dumps({**GR_CASE, "periods": [{"from": "2002-01-01", "to": "2001-01-01", "days": 1}]}), "periods[0].to"),
    ("gr", "x" * (512 * 1024 + 10), "input"),
    ("gr", "[" * 100_000 + "]" * 100_000, "input"),
])
def test_cli_bad_input_exits_2_with_the_field(tmp_path, country, text, field):
    code, out, err = _cli(country, text, tmp_path)
    assert code == 2 and out == ""
    assert json.loads(err)["field"] == field


@pytest.mark.django_db
def test_api_equals_cli(client, tmp_path):
    response = client.post("/api/v1/pensions/compute?country=gr", data=json.dumps(GR_CASE), content_type="application/json")
    assert response.status_code == 200, response.content
    _, out, _ = _cli("gr", json.dumps(GR_CASE), tmp_path)
    api = response.json()
    cli = json.loads(out)
    assert {k: v for k, v in api.items() if k != "trace"} == {k: v for k, v in cli.items() if k != "trace"}
    assert [t["name"] for t in api["trace"]] == [t["name"] for t in cli["trace"]]


@pytest.mark.django_db
@pytest.mark.parametrize("query, body, status, field", [
    ("country=gr", "{oops", 400, "body"),
    ("country=gr", json.dumps({**GR_CASE, "sex": "?"}), 400, "sex"),
    ("country=zz", json.dumps(GR_CASE), 400, "country"),
    ("country=gr", json.dumps({**GR_CASE, "periods": [{"from": "2002-01-01", "to": "2002-12-31", "days": 400}]}), 400, "periods[0].days"),
    ("country=gr", json.dumps({**GR_CASE, "claim_date": None}), 400, "claim_date"),
    ("country=gr", json.dumps({"x": "y" * 600_000}), 413, None),
    ("country=gr", "[" * 100_000 + "]" * 100_000, 400, "body"),
    ("country=gr", json.dumps([1, 2]), 400, ""),
    ("", json.dumps(GR_CASE), 400, "country"),
])
def test_api_bad_input(client, query, body, status, field):
    response = client.post(f"/api/v1/pensions/compute?{query}", data=body, content_type="application/json")
    assert response.status_code == status, response.content
    assert response.json()["field"] == field
