"""The catalogue data: loaded and checked from the country packs; bad data names file and service."""
from __future__ import annotations

import re
import shutil

import pytest
import yaml

from pronoia.core.errors import NotFound
from pronoia.services.catalogue.loading import DATA_DIR, XSD_DURATION, CatalogueDataError, catalogue_load, catalogue_load_dir
from pronoia.services.catalogue.selectors import LANGUAGES, catalogue_countries, catalogue_service_get, catalogue_services

GREEK_SERVICES = {
    "gr-insurance-history-certificate",
    "gr-insurance-status-certificate",
    "gr-a1-document",
    "gr-insurance-data-correction",
    "gr-old-age-pension-application",
}


def test_greek_pack_has_the_required_services_with_their_handling():
    services = {entry.code: entry for entry in catalogue_services(country="gr")}
    assert GREEK_SERVICES <= set(services)
    history = services["gr-insurance-history-certificate"].handling
    assert (history.automatic, history.min_acr, history.sla_days) == ("insurance_history_certificate", "substantial", 0)
    assert services["gr-insurance-status-certificate"].handling.automatic == "insurance_status_certificate"
    assert services["gr-a1-document"].handling.unit == "international-relations"
    assert services["gr-a1-document"].handling.automatic is None
    assert services["gr-insurance-data-correction"].handling.unit == "insurance-records"
    pension = services["gr-old-age-pension-application"].handling
    assert (pension.unit, pension.second_approval) == ("benefits", True)


def test_every_pack_has_a_catalogue_with_its_authority():
    assert catalogue_countries() == ["gr", "pl", "bg"]
    homepages = {country: catalogue_services(country=country)[0].authority.homepage for country in catalogue_countries()}
    assert homepages == {"gr": "https://www.efka.gov.gr/", "pl": "https://www.zus.pl/", "bg": "https://www.nssi.bg/"}


def test_every_service_is_complete_in_every_language():
    for entry in catalogue_services():
        assert entry.code.startswith(f"{entry.country}-")
        for language in LANGUAGES:
            assert entry.title(language) and entry.description(language) and entry.who_can_apply.get(language)
        assert XSD_DURATION.match(entry.processing_time)
        assert entry.cost.currency == {"gr": "EUR", "pl": "PLN", "bg": "BGN"}[entry.country]
        assert entry.channels and entry.legal_resources and entry.evidence


def test_titles_fall_back_to_english_and_follow_the_active_language():
    entry = catalogue_service_get("gr-a1-document")
    assert entry.title("el").startswith("Έντυπο Α1")
    assert entry.title("de") == entry.title("en")
    assert entry.title("el-gr") == entry.title("el")
    from django.utils import translation

    with translation.override("pl"):
        assert entry.title() == "Dokument A1 – ustawodawstwo właściwe przy pracy za granicą"


@pytest.mark.parametrize("code", ["nope", "", "../gr-a1-document", "GR-A1-DOCUMENT", None, 3])
def test_unknown_service_is_not_found(code):
    with pytest.raises(NotFound) as caught:
        catalogue_service_get(code)
    assert caught.value.code == "service_unknown"


def test_the_catalogue_is_loaded_once_per_process():
    assert catalogue_load() is catalogue_load()


def test_eu_laws_cite_their_eli():
    for entry in catalogue_services():
        for law in entry.legal_resources:
            if "Regulation (EC)" in law.title.get("en") or "Regulation (EU)" in law.title.get("en"):
                assert re.fullmatch(r"http://data\.europa\.eu/eli/reg/\d{4}/\d+/oj", law.url), law.id


# --- bad data --------------------------------------------------------------------------------------


@pytest.fixture
def pack(tmp_path):
    """A writable copy of the Greek pack: change it, then load the directory."""
    shutil.copy(DATA_DIR / "gr.yaml", tmp_path / "gr.yaml")
    path = tmp_path / "gr.yaml"

    def change(edit) -> None:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        edit(data)
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")

    return tmp_path, change


def service(data: dict, code: str) -> dict:
    return next(item for item in data["services"] if item["code"] == code)


BAD = {
    "missing Bulgarian title": (lambda d: service(d, "gr-a1-document")["title"].pop("bg"), "service 'gr-a1-document' title: text missing in bg"),
    "unknown handling unit": (lambda d: service(d, "gr-a1-document")["handling"].update(unit="space"), "service 'gr-a1-document': handling unit"),
    "bad duration": (lambda d: service(d, "gr-a1-document").update(processing_time="30 days"), "is not an xsd:duration"),
    "automatic with an SLA": (lambda d: service(d, "gr-insurance-history-certificate")["handling"].update(sla_days=5), "automatic service has sla_days 0"),
    "unknown automatic kind": (lambda d: service(d, "gr-a1-document")["handling"].update(automatic="a1"), "handling automatic"),
    "unknown acr": (lambda d: service(d, "gr-a1-document")["handling"].update(min_acr="very high"), "min_acr"),
    "wrong currency": (lambda d: service(d, "gr-a1-document")["cost"].update(currency="USD"), "cost currency must be EUR"),
    "negative cost": (lambda d: service(d, "gr-a1-document")["cost"].update(value=-1), "zero or positive"),
    "unknown evidence": (lambda d: service(d, "gr-a1-document")["evidence"].append("passport"), "unknown id(s) ['passport']"),
    "duplicate code": (lambda d: d["services"].append(dict(service(d, "gr-a1-document"))), "duplicate service code"),
    "code without country prefix": (lambda d: service(d, "gr-a1-document").update(code="a1-document"), "country prefix gr-"),
    "unknown key": (lambda d: service(d, "gr-a1-document").update(fee=3), "unknown key(s) fee"),
    "not an URL": (lambda d: d["authority"].update(homepage="javascript:alert(1)"), "not an http(s) URL"),
    "sla as text": (lambda d: service(d, "gr-a1-document")["handling"].update(sla_days="30"), "sla_days must be a whole number"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_data_stops_the_load_naming_file_and_service(pack, case):
    directory, change = pack
    edit, expected = BAD[case]
    change(edit)
    with pytest.raises(CatalogueDataError) as caught:
        catalogue_load_dir(directory)
    assert str(caught.value).startswith("gr.yaml: ")
    assert expected in str(caught.value)


def test_unmodified_copy_loads(pack):
    directory, _change = pack
    assert [entry.code for entry in catalogue_load_dir(directory)["gr"]] == [entry.code for entry in catalogue_services(country="gr")]


def test_broken_yaml_is_reported(tmp_path):
    (tmp_path / "gr.yaml").write_text("country: gr\nservices: [\n", encoding="utf-8")
    with pytest.raises(CatalogueDataError, match="gr.yaml: YAML"):
        catalogue_load_dir(tmp_path)


def test_file_and_country_must_agree(tmp_path):
    shutil.copy(DATA_DIR / "gr.yaml", tmp_path / "pl.yaml")
    with pytest.raises(CatalogueDataError, match="pl.yaml: country"):
        catalogue_load_dir(tmp_path)
