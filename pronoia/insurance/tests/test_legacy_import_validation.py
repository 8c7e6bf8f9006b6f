"""Every rejected line is reported with its line number, field and reason; good lines are kept."""
import pytest

from pronoia.insurance.models import InsurancePeriod
from pronoia.insurance.services import legacy_import_file
from pronoia.insurance.tests.legacy_csv import csv_text, legacy_row, write_export
from pronoia.people.national_ids import luhn_check_digit

pytestmark = pytest.mark.usefixtures("funds")


def import_rows(tmp_path, rows):
    return legacy_import_file(path=write_export(tmp_path, rows), source_code="IKA", country="gr")


@pytest.mark.parametrize(
    ("overrides", "field", "code"),
    [
        ({"source_record_id": ""}, "source_record_id", "missing_field"),
        ({"surname": "  "}, "surname", "missing_field"),
        ({"birth_date": "17/05/1970"}, "birth_date", "bad_date"),
        ({"period_from": "2021-02-30", "period_to": "2021-03-31"}, "period_from", "impossible_date"),
        ({"period_from": "2010-02-01", "period_to": "2010-01-31"}, "period_to", "period_dates_reversed"),
        ({"days": "-3"}, "days", "negative"),
        ({"days": "ten"}, "days", "not_a_number"),
        ({"period_to": "2010-01-20", "days": "21"}, "days", "too_many_days"),
        ({"days": "27"}, "days", "too_many_days"),  # Greece: at most 26 days a month
        ({"earnings": "-1.00"}, "earnings", "negative"),
        ({"earnings": "1,200.50"}, "earnings", "not_a_number"),
        ({"earnings": "NaN"}, "earnings", "not_a_number"),
        ({"earnings": "1.005"}, "earnings", "too_many_decimals"),
        ({"contributions": "1000000000000.00"}, "contributions", "too_large"),
        ({"currency": "XYZ"}, "currency", "unknown_currency"),
        ({"currency": "eur"}, "currency", "unknown_currency"),
        ({"insurance_type": "pirate"}, "insurance_type", "unknown_insurance_type"),
        ({"legacy_fund": "NOPE"}, "legacy_fund", "unknown_fund"),
        ({"legacy_fund": "ZUS"}, "legacy_fund", "fund_wrong_country"),
        ({"employer_registry_no": "", "employer_name": ""}, "employer_registry_no", "employer_required"),
        ({"employer_name": ""}, "employer_name", "missing_field"),
        ({"surname": "x" * 201}, "surname", "field_too_long"),
        ({"surname": "x" * 101}, "surname", "too_long"),
        ({"surname": "=HYPERLINK(\"http://x\")"}, "surname", "formula_injection"),
        ({"given_name": "@SUM(A1)"}, "given_name", "formula_injection"),
        ({"employer_name": "+cmd"}, "employer_name", "formula_injection"),
        ({"employer_name": "-2+3"}, "employer_name", "formula_injection"),
        ({"surname": "\tTab"}, "surname", "formula_injection"),
        ({"national_id": "123"}, "national_id", "national_id_bad_format"),
        ({"national_id": "3102701234" + str(luhn_check_digit([int(c) for c in "3102701234"]))}, "national_id", "national_id_bad_birth_date"),
        ({"birth_date": "2999-01-01"}, "birth_date", "birth_date_in_future"),
        ({"period_from": "1960-01-01", "period_to": "1960-01-31"}, "period_from", "period_before_birth"),
    ],
)
def test_bad_field_is_reported_with_line_field_and_reason(tmp_path, overrides, field, code):
    if "national_id" not in overrides:
        overrides = {**overrides, "national_id": ""}  # keep the national id out of the way
    batch = import_rows(tmp_path, [legacy_row(source_record_id="OK", national_id="", surname="Good"), legacy_row(**overrides)])

    error = batch.row_errors.get()
    assert (error.line_no, error.field, error.code) == (3, field, code)
    assert error.message
    assert (batch.rows_read, batch.rows_error) == (2, 1)
    assert list(InsurancePeriod.objects.values_list("source_record_id", flat=True)) == ["OK"]


def test_self_employment_needs_no_employer(tmp_path):
    batch = import_rows(tmp_path, [legacy_row(employer_registry_no="", employer_name="", insurance_type="self_employment", legacy_fund="OAEE")])

    assert batch.rows_created == 1 and InsurancePeriod.objects.get().employer is None


def test_duplicate_record_id_inside_a_file_is_an_error(tmp_path):
    batch = import_rows(tmp_path, [legacy_row(), legacy_row(period_from="2010-02-01", period_to="2010-02-28")])

    assert list(batch.row_errors.values_list("line_no", "field", "code")) == [(3, "source_record_id", "duplicate_in_file")]
    assert InsurancePeriod.objects.count() == 1


def _import_text(tmp_path, data: bytes):
    path = tmp_path / "raw.csv"
    path.write_bytes(data)
    return legacy_import_file(path=path, source_code="IKA", country="gr")


def test_wrong_column_count_nul_bytes_and_broken_quotes(tmp_path):
    good = csv_text([legacy_row()]).encode()
    extra = b"R2,x\n"
    nul = csv_text([legacy_row(source_record_id="R3")]).splitlines()[1].encode().replace(b"R3", b"R\x003") + b"\n"
    quote = b'R4,"unterminated\n'
    batch = _import_text(tmp_path, good + extra + nul + quote)

    assert list(batch.row_errors.values_list("line_no", "code")) == [(3, "column_count"), (4, "nul_byte"), (5, "bad_csv")]
    assert batch.rows_created == 1


def test_quoted_fields_with_commas_are_read(tmp_path):
    batch = import_rows(tmp_path, [legacy_row(employer_name="Bakery, Sons & Co")])

    assert batch.rows_created == 1 and InsurancePeriod.objects.get().employer.name == "Bakery, Sons & Co"


def test_bom_blank_lines_and_crlf_are_accepted(tmp_path):
    text = csv_text([legacy_row()]).replace("\n", "\r\n")
    batch = _import_text(tmp_path, b"\xef\xbb\xbf" + text.encode() + b"\r\n")

    assert (batch.rows_read, batch.rows_created, batch.rows_error) == (1, 1, 0)


def test_error_excerpt_is_safe_to_show(tmp_path):
    batch = import_rows(tmp_path, [legacy_row(source_record_id="=cmd|' /C calc'!A0")])

    error = batch.row_errors.get()
    assert error.code == "formula_injection" and error.excerpt.startswith("'=")
