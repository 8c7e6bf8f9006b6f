"""form_validate: coercion, conditional questions, clear messages per field, hostile input, uploads."""
from __future__ import annotations

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import QueryDict
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pronoia.services.forms import FormResult, definition_names, form_definition_get, form_validate

PDF = b"%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def png_bytes() -> bytes:
    from io import BytesIO

    from PIL import Image

    buffer = BytesIO()
    Image.new("RGB", (4, 4), "white").save(buffer, format="PNG")
    return buffer.getvalue()


def a1() -> dict:
    return form_definition_get("gr-a1-document")


def posted(**values) -> QueryDict:
    data = QueryDict(mutable=True)
    for key, value in values.items():
        if isinstance(value, list):
            data.setlist(key, value)
        else:
            data[key] = value
    return data


def a1_answers(**changes) -> dict:
    answers = {
        "surname": "Papadopoulou",
        "given_name": "Maria",
        "national_id": "01016012345",
        "work_situation": "posted_employee",
        "work_location": "eu_eea_ch",
        "work_country": "DE",
        "date_from": "2026-03-01",
        "date_to": "2026-08-31",
        "declaration": "true",
    }
    answers.update(changes)
    return {key: value for key, value in answers.items() if value is not None}


# --- coercion -------------------------------------------------------------------------------------


def test_page_strings_are_coerced_and_empty_optional_answers_dropped():
    definition = form_definition_get("gr-insurance-data-correction")
    result = form_validate(
        definition,
        posted(surname="A", given_name="B", national_id="01016012345", period_id=" 42 ", flag_id="", problem="other",
               explanation="The days for 2015 are wrong.", declaration="on", affected_from="", employer_concerned="ignored"),
    )  # fmt: skip
    assert result.errors == {}
    assert result.cleaned["period_id"] == 42
    assert "flag_id" not in result.cleaned and "affected_from" not in result.cleaned
    assert result.cleaned["declaration"] is True
    # "other" does not show the employer question: its answer is dropped, not kept.
    assert "employer_concerned" not in result.cleaned


def test_api_values_are_taken_as_sent():
    definition = form_definition_get("gr-insurance-data-correction")
    data = {"surname": "A", "given_name": "B", "national_id": "01016012345", "problem": "other", "explanation": "Wrong days in 2015.", "declaration": True, "period_id": "42"}
    result = form_validate(definition, data, source="api")
    assert result.errors == {"period_id": ["“Period reference” must be a whole number, like 12."]}
    data["period_id"] = 42
    assert form_validate(definition, data, source="api").is_valid


def test_api_null_counts_as_not_answered():
    result = form_validate(a1(), {**a1_answers(declaration=None), "declaration": True, "work_address": None}, source="api")
    assert result.is_valid
    assert "work_address" not in result.cleaned


def test_iban_spaces_and_case_are_normalised_on_pages():
    definition = form_definition_get("gr-old-age-pension-application")
    example = {k: ("true" if v is True else v) for k, v in definition.example.items()}
    example["iban"] = "gr16 0110 1250 0000 0001 2300 695"
    result = form_validate(definition, posted(**example))
    assert result.errors == {}
    assert result.cleaned["iban"] == "GR1601101250000000012300695"


# --- conditional questions -------------------------------------------------------------------------


def test_hidden_conditional_questions_are_dropped_and_not_checked():
    # EU path: the non-EU questions are hidden, so even an over-long answer to them is ignored.
    result = form_validate(a1(), posted(**a1_answers(non_eu_country="x" * 5000, foreign_employer_name="")))
    assert result.errors == {}
    assert "non_eu_country" not in result.cleaned


def test_shown_conditional_questions_are_required():
    result = form_validate(a1(), posted(**a1_answers(work_location="non_eu", work_country="DE")))
    assert set(result.errors) == {"non_eu_country", "foreign_employer_name"}
    assert "work_country" not in result.cleaned  # the EU question is hidden on the non-EU path
    ok = form_validate(a1(), posted(**a1_answers(work_location="non_eu", work_country=None, non_eu_country="Canada", foreign_employer_name="Maple Ltd")))
    assert ok.errors == {}
    assert ok.cleaned["work_location"] == "non_eu"


def test_condition_with_several_values():
    definition = form_definition_get("gr-insurance-data-correction")
    base = {"surname": "A", "given_name": "B", "national_id": "01016012345", "explanation": "Missing half a year.", "declaration": True}
    shown = form_validate(definition, {**base, "problem": "wrong_employer", "employer_concerned": "Acme"}, source="api")
    hidden = form_validate(definition, {**base, "problem": "duplicate_period", "employer_concerned": "Acme"}, source="api")
    assert shown.cleaned["employer_concerned"] == "Acme"
    assert "employer_concerned" not in hidden.cleaned


def test_an_unanswered_controller_hides_its_questions():
    result = form_validate(a1(), posted(**a1_answers(work_location=None, work_country="DE")))
    assert result.errors == {"work_location": ["Select an answer for “Where will you work?”."]}
    assert "work_country" not in result.cleaned


# --- messages -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"work_situation": None}, "work_situation", "Select an answer for “Which describes your work?”."),
        ({"declaration": None}, "declaration", "Tick “I declare that the information I give is true” to continue."),
        ({"date_from": None}, "date_from", "Enter “First day of work abroad”."),
        ({"surname": "x" * 101}, "surname", "“Surname” must be 100 characters or fewer (you entered 101)."),
        ({"national_id": "12345"}, "national_id", "The AMKA is 11 digits."),
        ({"date_from": "2026-02-30"}, "date_from", "“First day of work abroad” must be a real date, like 2024-03-27."),
        ({"date_from": "01/03/2026"}, "date_from", "“First day of work abroad” must be a real date, like 2024-03-27."),
        ({"work_location": "moon"}, "work_location", "Select one of the answers offered for “Where will you work?”."),
        ({"work_country": "GR"}, "work_country", "Select one of the answers offered for “Country of work”."),
        ({"date_to": "2026-02-01"}, "date_to", "“Last day of work abroad” must be the same as or after “First day of work abroad”."),
        ({"declaration": "false"}, "declaration", "Tick “I declare that the information I give is true” to continue."),
        ({"declaration": "maybe"}, "declaration", "“I declare that the information I give is true” must be yes or no."),
    ],
)
def test_clear_message_per_field(changes, field, message):
    result = form_validate(a1(), posted(**a1_answers(**changes)))
    assert result.errors == {field: [message]}
    assert field not in result.cleaned


def test_minimum_and_iban_check_digits():
    correction = form_definition_get("gr-insurance-data-correction")
    base = {"surname": "A", "given_name": "B", "national_id": "01016012345", "problem": "other", "explanation": "Wrong days in 2015.", "declaration": True}
    assert form_validate(correction, {**base, "period_id": 0}, source="api").errors == {"period_id": ["“Period reference” must be 1 or more."]}
    pension = form_definition_get("gr-old-age-pension-application")
    wrong_digits = {**pension.example, "iban": "GR1701101250000000012300695"}
    assert form_validate(pension, wrong_digits, source="api").errors == {
        "iban": ["The IBAN's check digits do not match: check it against your bank statement."]
    }
    not_greek = {**pension.example, "iban": "DE89370400440532013000"}
    assert "Enter a Greek IBAN" in form_validate(pension, not_greek, source="api").errors["iban"][0]


def test_dates_relative_to_today():
    definition = form_definition_get("gr-insurance-history-certificate")
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    result = form_validate(definition, {**definition.example, "birth_date": tomorrow}, source="api")
    assert result.errors == {"birth_date": ["“Date of birth” must be today or in the past."]}


def test_messages_in_greek_when_the_language_is_greek():
    with translation.override("el"):
        result = form_validate(a1(), posted(**a1_answers(national_id="12", surname="x" * 150, work_situation=None)))
    # Texts from the definition are Greek; the templates around them come from the message catalogue.
    assert result.errors["national_id"] == ["Ο ΑΜΚΑ αποτελείται από 11 ψηφία."]
    assert "«Επώνυμο»" in result.errors["surname"][0] or "“Επώνυμο”" in result.errors["surname"][0]
    assert "Ποια περιγραφή ταιριάζει στην εργασία σας;" in result.errors["work_situation"][0]
    with translation.override("el"):
        pension = form_definition_get("gr-old-age-pension-application")
        iban = form_validate(pension, {**pension.example, "iban": "GR17"}, source="api")
    assert iban.errors["iban"] == ["Εισαγάγετε ελληνικό IBAN: GR και 25 ακόμη χαρακτήρες, π.χ. GR16 0110 1250 0000 0001 2300 695."]


# --- hostile input --------------------------------------------------------------------------------


def test_unknown_fields_are_refused_by_name():
    result = form_validate(a1(), posted(**a1_answers(), is_admin="1", csrfmiddlewaretoken="x"))
    assert result.errors == {"": ["The form does not have a field called “is_admin”."]}
    api = form_validate(a1(), {**a1_answers(declaration=None), "declaration": True, "csrfmiddlewaretoken": "x"}, source="api")
    assert api.errors == {"": ["The form does not have a field called “csrfmiddlewaretoken”."]}


@pytest.mark.parametrize("value", ["Maria\x00", "Ma\x1bria", "Maria\nSmith", "Ma\u2028ria", "\x7f"])
def test_control_characters_are_refused(value):
    result = form_validate(a1(), posted(**a1_answers(given_name=value)))
    assert result.errors == {"given_name": ["“Given name” contains characters that are not allowed (control characters)."]}


def test_line_breaks_are_fine_in_long_answers_but_not_nul():
    ok = form_validate(a1(), posted(**a1_answers(work_address="Hafenstraße 1\r\n20457 Hamburg")))
    assert ok.errors == {}
    bad = form_validate(a1(), posted(**a1_answers(work_address="Hafen\x00straße")))
    assert list(bad.errors) == ["work_address"]


def test_oversized_values_are_refused_before_the_schema():
    result = form_validate(a1(), posted(**a1_answers(work_address="x" * 1_000_000)))
    assert result.errors == {"work_address": ["“Address of the place of work abroad” is far too long."]}


def test_too_many_fields_are_refused():
    junk = {f"f{i}": "1" for i in range(200)}
    result = form_validate(a1(), posted(**junk))
    assert result.errors == {"": ["The form received too many fields (200)."]}
    assert result.cleaned == {}


@pytest.mark.parametrize("junk", [{"a": 1}, ["x", "y"], [[["deep"]]], {"$ref": "#"}])
def test_nested_junk_from_the_api_is_refused(junk):
    result = form_validate(a1(), {**a1_answers(declaration=None), "declaration": True, "surname": junk}, source="api")
    assert result.errors == {"surname": ["“Surname” must be a single value, not a list or an object."]}


def test_several_values_for_a_single_answer_are_refused():
    data = posted(**a1_answers())
    data.setlist("work_location", ["eu_eea_ch", "non_eu"])
    result = form_validate(a1(), data)
    assert result.errors["work_location"] == ["“Where will you work?” must have a single answer."]


def test_non_mapping_and_odd_keys():
    assert form_validate(a1(), ["a", "b"], source="api").errors == {"": ["The answers must be a set of named fields."]}
    result = form_validate(a1(), {1: "x", "surname\x00": "y"}, source="api")
    assert result.errors[""] == ["The form does not have a field called “1”.", "The form does not have a field called “surname?”."]


def test_unknown_source_is_a_programming_error():
    with pytest.raises(ValueError):
        form_validate(a1(), {}, source="xml")


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=300),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4),
    max_leaves=12,
)
field_names = st.sampled_from(["surname", "work_location", "work_country", "date_from", "date_to", "declaration", "contract", "non_eu_country", "period_id"]) | st.text(max_size=30)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.dictionaries(field_names, json_values, max_size=15), name=st.sampled_from(definition_names()))
def test_arbitrary_api_junk_never_raises(data, name):
    definition = form_definition_get(name)
    result = form_validate(definition, data, source="api")
    assert isinstance(result, FormResult)
    assert set(result.cleaned) <= set(definition.by_name)
    assert set(result.errors) <= set(definition.by_name) | {""}
    assert all(isinstance(m, str) and m for messages in result.errors.values() for m in messages)
    if result.is_valid:
        assert not list(definition.validator.iter_errors(result.cleaned))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pairs=st.lists(st.tuples(field_names, st.text(max_size=200)), max_size=25), name=st.sampled_from(definition_names()))
def test_arbitrary_page_junk_never_raises(pairs, name):
    definition = form_definition_get(name)
    data = QueryDict(mutable=True)
    for key, value in pairs:
        data.appendlist(key, value)
    result = form_validate(definition, data, source="html")
    assert isinstance(result, FormResult)
    assert set(result.cleaned) <= set(definition.by_name)
    if result.is_valid:
        assert not list(definition.validator.iter_errors(result.cleaned))


# --- prefilled answers ------------------------------------------------------------------------------


def test_prefilled_answers_cannot_be_overridden_by_the_client():
    prefilled = {"surname": "Papadopoulou", "given_name": "Maria", "national_id": "01016012345"}
    result = form_validate(a1(), posted(**a1_answers(surname="Someone Else", national_id="99999999999")), prefilled=prefilled)
    assert result.errors == {}
    assert result.cleaned["surname"] == "Papadopoulou"
    assert result.cleaned["national_id"] == "01016012345"
    # Even when the client leaves them out.
    missing = form_validate(a1(), posted(**a1_answers(surname=None, given_name=None, national_id=None)), prefilled=prefilled)
    assert missing.errors == {}
    assert missing.cleaned["given_name"] == "Maria"


# --- uploads --------------------------------------------------------------------------------------


def test_accepted_upload_is_handed_on_not_stored():
    upload = SimpleUploadedFile("../../etc/contract.pdf", PDF, content_type="application/pdf")
    result = form_validate(a1(), posted(**a1_answers()), files={"contract": upload})
    assert result.errors == {}
    assert result.files == {"contract": upload}
    assert result.cleaned["contract"] == "contract.pdf"


@pytest.mark.parametrize(
    ("content", "filename", "expected"),
    [
        (b"MZ\x90\x00 not a pdf", "contract.pdf", "PDF"),
        (b"", "contract.pdf", "“Contract or posting letter”"),
        (b"%PDF-" + b"0" * (5 * 1024 * 1024), "contract.pdf", "MB"),
        (b"<html><script>alert(1)</script>", "contract.png", "PNG"),
    ],
)
def test_wrong_type_empty_or_oversized_upload_is_refused(content, filename, expected):
    upload = SimpleUploadedFile(filename, content, content_type="application/pdf")
    result = form_validate(a1(), posted(**a1_answers()), files={"contract": upload})
    assert list(result.errors) == ["contract"]
    assert expected in result.errors["contract"][0]
    assert result.files == {}
    assert "contract" not in result.cleaned


def test_png_is_accepted_where_images_are():
    result = form_validate(a1(), posted(**a1_answers()), files={"contract": SimpleUploadedFile("scan.png", png_bytes(), content_type="image/png")})
    assert result.errors == {}


def test_upload_to_a_field_that_takes_none_is_refused():
    upload = SimpleUploadedFile("x.pdf", PDF, content_type="application/pdf")
    result = form_validate(a1(), posted(**a1_answers()), files={"surname": upload, "other": upload})
    assert result.errors == {"": ["The form does not take a file called “surname”.", "The form does not take a file called “other”."]}
    assert result.files == {}


def test_a_file_name_sent_as_text_is_not_an_upload():
    result = form_validate(a1(), {**a1_answers(declaration=None), "declaration": True, "contract": "/etc/passwd"}, source="api")
    assert "contract" not in result.cleaned
    assert result.files == {}
