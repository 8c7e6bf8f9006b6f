"""Form definitions: every release definition loads and accepts its own example; bad ones are refused
when loaded, with the file and the field named."""
from __future__ import annotations

import copy
import json

import pytest
from django.http import QueryDict

from pronoia.core.errors import NotFound
from pronoia.services.catalogue.selectors import catalogue_services
from pronoia.services.forms import FormDefinitionError, definition_names, form_definition_get, form_validate
from pronoia.services.forms.definition_sources import definition_text, definitions_build
from pronoia.services.forms.definitions import DEFINITIONS_DIR, definition_parse


@pytest.mark.parametrize("name", definition_names())
def test_definition_accepts_its_example_from_the_api_and_from_a_page(name):
    definition = form_definition_get(name)
    from_api = form_validate(definition, definition.example, source="api")
    assert from_api.errors == {}
    assert from_api.cleaned == definition.example
    # The same answers as a page posts them: every value a string.
    posted = QueryDict(mutable=True)
    for key, value in definition.example.items():
        if isinstance(value, list):
            posted.setlist(key, value)
        else:
            posted[key] = "true" if value is True else str(value)
    from_page = form_validate(definition, posted, source="html")
    assert from_page.errors == {}
    assert from_page.cleaned == definition.example


def test_every_catalogue_service_has_its_form():
    names = set(definition_names())
    services = catalogue_services()
    assert services
    missing = [entry.code for entry in services if entry.form not in names]
    assert missing == []


def test_greek_pack_has_the_five_forms():
    assert {
        "gr-insurance-history-certificate",
        "gr-insurance-status-certificate",
        "gr-a1-document",
        "gr-insurance-data-correction",
        "gr-old-age-pension-application",
    } <= set(definition_names())


def test_committed_files_equal_what_the_sources_build():
    built = definitions_build()
    assert sorted(built) == definition_names()
    for name, definition in built.items():
        assert (DEFINITIONS_DIR / f"{name}.json").read_text(encoding="utf-8") == definition_text(definition), name


@pytest.mark.parametrize("name", ["nope", "../gr-a1-document", "", "GR-A1-DOCUMENT", "gr-a1-document.json", None, 5])
def test_unknown_form_is_not_found(name):
    with pytest.raises(NotFound) as caught:
        form_definition_get(name)
    assert caught.value.code == "form_unknown"


def _good() -> dict:
    return copy.deepcopy(json.loads((DEFINITIONS_DIR / "gr-a1-document.json").read_text(encoding="utf-8")))


def _break(change) -> dict:
    raw = _good()
    change(raw)
    return raw


BROKEN = {
    "string without maxLength": (lambda r: r["schema"]["properties"]["work_address"].pop("maxLength"), "without maxLength"),
    "additional properties allowed": (lambda r: r["schema"].update(additionalProperties=True), "additionalProperties false"),
    "not a JSON Schema": (lambda r: r["schema"]["properties"]["date_from"].update(type="datum"), "not a valid JSON Schema"),
    "hints for an unknown field": (lambda r: r["ui"]["fields"].update(ghost={"widget": "text"}), "ghost"),
    "order misses a field": (lambda r: r["ui"]["order"].remove("work_address"), "ui order"),
    "widget does not fit": (lambda r: r["ui"]["fields"]["date_from"].update(widget="radios"), "'date_from'"),
    "unknown widget": (lambda r: r["ui"]["fields"]["date_from"].update(widget="slider"), "widget must be one of"),
    "label missing a language": (lambda r: r["ui"]["fields"]["date_from"]["label"].pop("bg"), "text missing in bg"),
    "show_if on an unknown field": (lambda r: r["ui"]["fields"]["non_eu_country"].update(show_if={"field": "nowhere", "equals": "x"}), "not an earlier field"),
    "show_if value not a choice": (lambda r: r["ui"]["fields"]["non_eu_country"].update(show_if={"field": "work_location", "equals": "mars"}), "not choices"),
    "unknown prefill source": (lambda r: r["ui"]["fields"]["surname"].update(prefill="person.password"), "unknown prefill source"),
    "upload without a size limit": (lambda r: r["ui"]["fields"]["contract"].pop("max_bytes"), "max_bytes"),
    "upload of an executable": (lambda r: r["ui"]["fields"]["contract"].update(accept=["application/x-msdownload"]), "accept"),
    "pattern without a message": (lambda r: r["ui"]["fields"]["national_id"].pop("messages"), "pattern needs a message"),
    "option labels do not match the enum": (lambda r: r["ui"]["fields"]["work_location"]["options"].pop("non_eu"), "options must label"),
    "name differs from the file": (lambda r: r.update(name="another-name"), "name"),
    "unknown hint": (lambda r: r["ui"]["fields"]["date_to"].update(colour="red"), "unknown hint"),
}


@pytest.mark.parametrize("case", sorted(BROKEN))
def test_broken_definition_is_refused_naming_file_and_problem(tmp_path, case):
    change, expected = BROKEN[case]
    raw = _break(change)
    path = tmp_path / "gr-a1-document.json"
    path.write_text(json.dumps(raw), encoding="utf-8")
    with pytest.raises(FormDefinitionError) as caught:
        definition_parse(path)
    assert "gr-a1-document.json" in str(caught.value)
    assert expected in str(caught.value)


def test_good_copy_parses(tmp_path):
    path = tmp_path / "gr-a1-document.json"
    path.write_text(json.dumps(_good()), encoding="utf-8")
    assert definition_parse(path).name == "gr-a1-document"


def test_invalid_json_is_refused(tmp_path):
    path = tmp_path / "gr-a1-document.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(FormDefinitionError, match="gr-a1-document.json: JSON"):
        definition_parse(path)
