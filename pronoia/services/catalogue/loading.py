"""Load and check the country packs' catalogue files (data/<cc>.yaml).

Bad data stops the load with an error that names the file, the service and the problem, so a
typo in a data file fails the first test or the first request rather than showing half a page.
The result is cached once per process: the files are part of the release, never edited at run time.
"""
from __future__ import annotations

import functools
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ImproperlyConfigured

from pronoia.services.catalogue.selectors import (
    ACR_LEVELS,
    AUTOMATIC_KINDS,
    LANGUAGES,
    UNITS,
    Authority,
    EvidenceItem,
    LegalResource,
    ServiceChannel,
    ServiceCost,
    ServiceEntry,
    ServiceHandling,
    ServiceOutput,
    Text,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
COUNTRIES = ("gr", "pl", "bg")
CURRENCIES = {"gr": "EUR", "pl": "PLN", "bg": "BGN"}
CHANNEL_KINDS = ("portal", "branch", "phone", "email", "post")
# xsd:duration with at least one component (P0D and PT0S are fine, "P" and "PT" are not).
XSD_DURATION = re.compile(r"^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+(\.\d+)?S)?)?$")
IDENTIFIER = re.compile(r"^[a-z0-9][a-z0-9-]{1,79}$")
# ELI URIs are http://data.europa.eu/eli/...; everything else is https.
HTTPS_URL = re.compile(r"^https?://[A-Za-z0-9.-]+(/[^\s<>\"]*)?$")


class CatalogueDataError(ImproperlyConfigured):
    """A catalogue file is malformed; the message names the file and the service."""


class _Checker:
    """Helpers that raise CatalogueDataError with the file and the place of the problem."""

    def __init__(self, path: Path):
        self.path = path

    def fail(self, where: str, problem: str) -> CatalogueDataError:
        return CatalogueDataError(f"{self.path.name}: {where}: {problem}")

    def mapping(self, value: Any, where: str) -> dict:
        if not isinstance(value, dict):
            raise self.fail(where, "expected a mapping")
        return value

    def keys(self, value: dict, where: str, *, required: set[str], optional: set[str] = frozenset()) -> None:
        missing = required - set(value)
        if missing:
            raise self.fail(where, f"missing {', '.join(sorted(missing))}")
        unknown = set(value) - required - set(optional)
        if unknown:
            raise self.fail(where, f"unknown key(s) {', '.join(sorted(map(str, unknown)))}")

    def text(self, value: Any, where: str) -> Text:
        value = self.mapping(value, where)
        missing = [lang for lang in LANGUAGES if not isinstance(value.get(lang), str) or not value[lang].strip()]
        if missing:
            raise self.fail(where, f"text missing in {', '.join(missing)}")
        unknown = set(value) - set(LANGUAGES)
        if unknown:
            raise self.fail(where, f"unknown language(s) {', '.join(sorted(map(str, unknown)))}")
        return Text({lang: " ".join(value[lang].split()) for lang in LANGUAGES})

    def identifier(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not IDENTIFIER.match(value):
            raise self.fail(where, f"identifier {value!r} must be lower-case letters, digits and hyphens")
        return value

    def url(self, value: Any, where: str) -> str:
        if not isinstance(value, str) or not HTTPS_URL.match(value):
            raise self.fail(where, f"{value!r} is not an http(s) URL")
        return value


def _pack_parse(path: Path) -> list[ServiceEntry]:
    check = _Checker(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise check.fail("YAML", str(exc)) from exc
    pack = check.mapping(raw, "top level")
    check.keys(pack, "top level", required={"country", "authority", "channels", "legal_resources", "evidence", "outputs", "free_of_charge", "services"})
    country = pack["country"]
    if country not in COUNTRIES or path.stem != country:
        raise check.fail("country", f"{country!r} must be one of {COUNTRIES} and match the file name")

    auth = check.mapping(pack["authority"], "authority")
    check.keys(auth, "authority", required={"id", "name", "homepage", "country_iso3"})
    if not re.fullmatch(r"[A-Z]{3}", str(auth["country_iso3"])):
        raise check.fail("authority", "country_iso3 must be three capital letters")
    authority = Authority(check.identifier(auth["id"], "authority"), check.text(auth["name"], "authority name"), check.url(auth["homepage"], "authority homepage"), auth["country_iso3"])

    def table(key: str, build) -> dict:
        items = pack[key]
        if not isinstance(items, list) or not items:
            raise check.fail(key, "expected a non-empty list")
        out: dict = {}
        for index, item in enumerate(items):
            item = check.mapping(item, f"{key}[{index}]")
            ident = check.identifier(item.get("id"), f"{key}[{index}]")
            if ident in out:
                raise check.fail(key, f"duplicate id {ident!r}")
            out[ident] = build(item, f"{key} {ident}")
        return out

    def channel(item: dict, where: str) -> ServiceChannel:
        check.keys(item, where, required={"id", "kind", "name"}, optional={"url"})
        if item["kind"] not in CHANNEL_KINDS:
            raise check.fail(where, f"kind must be one of {CHANNEL_KINDS}")
        return ServiceChannel(item["id"], item["kind"], check.text(item["name"], where), check.url(item["url"], where) if "url" in item else "")

    def legal(item: dict, where: str) -> LegalResource:
        check.keys(item, where, required={"id", "title"}, optional={"url"})
        return LegalResource(item["id"], check.text(item["title"], where), check.url(item["url"], where) if "url" in item else "")

    def evidence(item: dict, where: str) -> EvidenceItem:
        check.keys(item, where, required={"id", "name", "description"})
        return EvidenceItem(item["id"], check.text(item["name"], where + " name"), check.text(item["description"], where + " description"))

    def output(item: dict, where: str) -> ServiceOutput:
        check.keys(item, where, required={"id", "name", "description"})
        return ServiceOutput(item["id"], check.text(item["name"], where + " name"), check.text(item["description"], where + " description"))

    channels = table("channels", channel)
    laws = table("legal_resources", legal)
    evidences = table("evidence", evidence)
    outputs = table("outputs", output)
    free_text = check.text(pack["free_of_charge"], "free_of_charge")

    services = pack["services"]
    if not isinstance(services, list) or not services:
        raise check.fail("services", "expected a non-empty list")
    entries: list[ServiceEntry] = []
    seen: set[str] = set()
    for index, raw_service in enumerate(services):
        service = check.mapping(raw_service, f"services[{index}]")
        code = service.get("code")
        where = f"service {code!r}" if isinstance(code, str) else f"services[{index}]"
        check.keys(
            service,
            where,
            required={"code", "form", "title", "description", "who_can_apply", "channels", "legal_resources", "evidence", "output", "processing_time", "processing_time_text", "cost", "handling"},
            optional={"keywords", "official_name"},
        )
        check.identifier(code, where)
        if not code.startswith(f"{country}-"):
            raise check.fail(where, f"code must start with the country prefix {country}-")
        if code in seen:
            raise check.fail(where, "duplicate service code")
        seen.add(code)
        check.identifier(service["form"], where + " form")

        def refs(key: str, known: dict) -> tuple:
            ids = service[key]
            if not isinstance(ids, list) or not ids:
                raise check.fail(where, f"{key} must be a non-empty list of ids")
            unknown = [i for i in ids if i not in known]
            if unknown:
                raise check.fail(where, f"{key} refers to unknown id(s) {unknown}")
            if len(set(ids)) != len(ids):
                raise check.fail(where, f"{key} lists an id twice")
            return tuple(known[i] for i in ids)

        if service["output"] not in outputs:
            raise check.fail(where, f"output refers to unknown id {service['output']!r}")
        duration = service["processing_time"]
        if not isinstance(duration, str) or not XSD_DURATION.match(duration):
            raise check.fail(where, f"processing_time {duration!r} is not an xsd:duration (e.g. PT0S, P30D)")

        cost = check.mapping(service["cost"], where + " cost")
        check.keys(cost, where + " cost", required={"value", "currency"}, optional={"description"})
        try:
            cost_value = Decimal(str(cost["value"]))
        except InvalidOperation as exc:
            raise check.fail(where, f"cost value {cost['value']!r} is not a number") from exc
        if cost_value < 0 or cost_value != cost_value.quantize(Decimal("0.01")):
            raise check.fail(where, "cost value must be zero or positive with at most two decimals")
        if cost["currency"] != CURRENCIES[country]:
            raise check.fail(where, f"cost currency must be {CURRENCIES[country]}")
        cost_text = check.text(cost["description"], where + " cost description") if "description" in cost else free_text

        handling = check.mapping(service["handling"], where + " handling")
        check.keys(handling, where + " handling", required={"unit", "sla_days", "second_approval", "automatic", "min_acr"})
        if handling["unit"] not in UNITS:
            raise check.fail(where, f"handling unit must be one of {UNITS}")
        sla = handling["sla_days"]
        if not isinstance(sla, int) or isinstance(sla, bool) or not 0 <= sla <= 365:
            raise check.fail(where, "handling sla_days must be a whole number of days between 0 and 365")
        if not isinstance(handling["second_approval"], bool):
            raise check.fail(where, "handling second_approval must be true or false")
        automatic = handling["automatic"]
        if automatic is not None and automatic not in AUTOMATIC_KINDS:
            raise check.fail(where, f"handling automatic must be null or one of {AUTOMATIC_KINDS}")
        if automatic is not None and sla != 0:
            raise check.fail(where, "an automatic service has sla_days 0")
        if handling["min_acr"] not in ACR_LEVELS:
            raise check.fail(where, f"handling min_acr must be one of {ACR_LEVELS}")
        keywords = service.get("keywords", [])
        if not isinstance(keywords, list) or not all(isinstance(k, str) and 0 < len(k) <= 60 for k in keywords):
            raise check.fail(where, "keywords must be a list of short texts")
        official_name = service.get("official_name", "")
        if not isinstance(official_name, str) or len(official_name) > 200:
            raise check.fail(where, "official_name must be a short text")

        entries.append(
            ServiceEntry(
                code=code,
                country=country,
                form=service["form"],
                handling=ServiceHandling(handling["unit"], sla, handling["second_approval"], automatic, handling["min_acr"]),
                titles=check.text(service["title"], where + " title"),
                descriptions=check.text(service["description"], where + " description"),
                who_can_apply=check.text(service["who_can_apply"], where + " who_can_apply"),
                authority=authority,
                channels=refs("channels", channels),
                legal_resources=refs("legal_resources", laws),
                evidence=refs("evidence", evidences),
                output=outputs[service["output"]],
                processing_time=duration,
                processing_time_text=check.text(service["processing_time_text"], where + " processing_time_text"),
                cost=ServiceCost(cost_value, cost["currency"], cost_text),
                keywords=tuple(keywords),
                official_name=official_name,
            )
        )
    return entries


def catalogue_load_dir(directory: Path) -> dict[str, tuple[ServiceEntry, ...]]:
    """Every pack in `directory` (uncached; tests use it with bad data). Codes are unique across packs."""
    catalogue: dict[str, tuple[ServiceEntry, ...]] = {}
    codes: set[str] = set()
    for country in COUNTRIES:
        path = directory / f"{country}.yaml"
        if not path.exists():
            continue
        entries = _pack_parse(path)
        for entry in entries:
            if entry.code in codes:
                raise CatalogueDataError(f"{path.name}: service {entry.code!r}: duplicate service code across packs")
            codes.add(entry.code)
        catalogue[country] = tuple(entries)
    return catalogue


@functools.cache
def catalogue_load() -> dict[str, tuple[ServiceEntry, ...]]:
    """The catalogue of the release, parsed and checked once per process."""
    return catalogue_load_dir(DATA_DIR)


@functools.cache
def catalogue_index() -> dict[str, ServiceEntry]:
    return {entry.code: entry for entries in catalogue_load().values() for entry in entries}
