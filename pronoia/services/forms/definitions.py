"""Form definitions: a JSON Schema (draft 2020-12) plus presentation hints, checked when loaded.

A definition file `definitions/<name>.json` holds:
  name     the file's stem
  title    {"en": ..., "el": ..., "pl": ..., "bg": ..., "ru": ...}
  schema   the JSON Schema of the answers: an object, `additionalProperties: false`, `maxLength`
           on every string; `required` lists fields required whenever they are shown
  ui       {"order": [every field once], "fields": {name: hints}}, hints being
           widget (text, textarea, date, radios, select, checkbox, file, iban, national_id, country),
           label and hint per language, options (labels of enum values), show_if
           ({"field": f, "equals": v} or {"field": f, "in": [v, ...]}), prefill (a PREFILL_SOURCES key),
           accept and max_bytes (uploads), messages ({"pattern": {lang: text}}), date_min / date_max
           ("today" or an ISO date), on_or_after (another date field), autocomplete
  example  answers the definition must accept (the tests check it)
Definitions are release files, never edited at run time: they are cached once per process.
"""
from __future__ import annotations

import datetime
import functools
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import SchemaError

from pronoia.core.errors import NotFound

DEFINITIONS_DIR = Path(__file__).resolve().parent / "definitions"
COUNTRIES_FILE = Path(__file__).resolve().parent / "countries.json"
LANGUAGES = ("en", "el", "pl", "bg", "ru")
WIDGETS = ("text", "textarea", "date", "radios", "select", "checkbox", "file", "iban", "national_id", "country")
# Where prefilled values come from (forms/prefill.py reads them through the owning apps' selectors).
PREFILL_SOURCES = (
    "person.surname",
    "person.given_name",
    "person.national_id",
    "person.birth_date",
    "person.email",
    "person.phone",
    "person.address",
    "insurance.last_employer_name",
    "insurance.last_employer_registry_no",
)
UPLOAD_TYPES = ("application/pdf", "image/jpeg", "image/png")
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
DEFINITION_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{1,79}$")
FIELD_HINT_KEYS = {
    "widget", "label", "hint", "options", "show_if", "prefill", "accept", "max_bytes", "messages",
    "date_min", "date_max", "on_or_after", "autocomplete",
}


class FormDefinitionError(ImproperlyConfigured):
    """A definition file is malformed; the message names the file and the field."""


def _iban_valid(value: object) -> bool:
    """ISO 13616 check: country code, check digits, mod-97 of the rearranged number equals 1."""
    if not isinstance(value, str):
        return True  # the "type" keyword reports non-strings
    compact = value.replace(" ", "").upper()
    if not re.fullmatch(r"[A-Z]{2}[0-9]{2}[A-Z0-9]{11,30}", compact):
        return False
    digits = "".join(str(int(ch, 36)) for ch in compact[4:] + compact[:4])
    return int(digits) % 97 == 1


FORMAT_CHECKER = FormatChecker()
FORMAT_CHECKER.checks("iban")(_iban_valid)


def text_pick(texts: dict[str, str] | None, language: str | None = None) -> str:
    """The text in `language` (default: the active one), else English; "" when there is none."""
    if not texts:
        return ""
    language = (language or get_language() or "en").lower()
    return texts.get(language) or texts.get(language.split("-")[0]) or texts.get("en", "")


@dataclass(frozen=True)
class FieldSpec:
    """One question of a form: its schema and how it is presented."""

    name: str
    widget: str
    schema: dict
    required: bool
    label: dict[str, str]
    hint: dict[str, str] = field(default_factory=dict)
    # (value, {language: label}) in the schema's enum order (radios, select, checkbox groups, country).
    options: tuple[tuple[Any, dict[str, str]], ...] = ()
    show_if: dict | None = None
    prefill: str | None = None
    accept: tuple[str, ...] = ()
    max_bytes: int = 0
    messages: dict[str, dict[str, str]] = field(default_factory=dict)
    date_min: str | None = None
    date_max: str | None = None
    on_or_after: str | None = None
    autocomplete: str = ""

    @property
    def type(self) -> str:
        return self.schema.get("type", "string")

    @property
    def is_multiple(self) -> bool:
        return self.type == "array"

    def label_in(self, language: str | None = None) -> str:
        return text_pick(self.label, language)

    def show_if_values(self) -> list:
        if not self.show_if:
            return []
        return list(self.show_if["in"]) if "in" in self.show_if else [self.show_if["equals"]]


@dataclass(frozen=True)
class FormDefinition:
    name: str
    title: dict[str, str]
    schema: dict
    fields: tuple[FieldSpec, ...]
    example: dict

    def field(self, name: str) -> FieldSpec:
        return self.by_name[name]

    @functools.cached_property
    def by_name(self) -> dict[str, FieldSpec]:
        return {spec.name: spec for spec in self.fields}

    @functools.cached_property
    def validator(self) -> Draft202012Validator:
        # `required` is checked by forms.validation (it depends on which conditional fields show).
        schema = {key: value for key, value in self.schema.items() if key != "required"}
        return Draft202012Validator(schema, format_checker=FORMAT_CHECKER)

    def title_in(self, language: str | None = None) -> str:
        return text_pick(self.title, language)

    @property
    def has_uploads(self) -> bool:
        return any(spec.widget == "file" for spec in self.fields)


class _Checker:
    def __init__(self, path: Path):
        self.path = path

    def fail(self, where: str, problem: str) -> FormDefinitionError:
        return FormDefinitionError(f"{self.path.name}: {where}: {problem}")

    def texts(self, value: Any, where: str) -> dict[str, str]:
        if not isinstance(value, dict):
            raise self.fail(where, "expected texts by language")
        missing = [lang for lang in LANGUAGES if not isinstance(value.get(lang), str) or not value[lang].strip()]
        if missing:
            raise self.fail(where, f"text missing in {', '.join(missing)}")
        if set(value) - set(LANGUAGES):
            raise self.fail(where, f"unknown language(s) {sorted(set(value) - set(LANGUAGES))}")
        return dict(value)


def _strings_bounded(schema: Any, where: str, check: _Checker) -> None:
    """Every string in the schema, at any depth, has a maxLength: no unbounded text is accepted."""
    if isinstance(schema, dict):
        if schema.get("type") == "string" and not isinstance(schema.get("maxLength"), int):
            raise check.fail(where, "a string without maxLength")
        for key, value in schema.items():
            if key in ("properties", "$defs"):
                for name, sub in value.items():
                    _strings_bounded(sub, f"{where}.{name}", check)
            elif key in ("items", "additionalProperties", "not", "if", "then", "else"):
                _strings_bounded(value, where, check)
            elif key in ("allOf", "anyOf", "oneOf", "prefixItems"):
                for sub in value:
                    _strings_bounded(sub, where, check)


@functools.cache
def country_names() -> dict[str, dict[str, str]]:
    """Names of the countries a country widget may offer, by ISO 3166-1 alpha-2 code and language."""
    return json.loads(COUNTRIES_FILE.read_text(encoding="utf-8"))


def _widget_fits(widget: str, schema: dict) -> bool:
    kind = schema.get("type")
    if widget in ("text",):
        return kind in ("string", "integer", "number")
    if widget in ("textarea", "file", "iban", "national_id"):
        return kind == "string"
    if widget == "date":
        return kind == "string" and schema.get("format") == "date"
    if widget in ("radios", "select", "country"):
        return kind == "string" and isinstance(schema.get("enum"), list)
    if widget == "checkbox":
        return kind == "boolean" or (kind == "array" and isinstance(schema.get("items", {}).get("enum"), list))
    return False


def _date_bound_valid(value: Any) -> bool:
    if value == "today":
        return True
    try:
        datetime.date.fromisoformat(value)
    except (TypeError, ValueError):
        return False
    return True


def definition_parse(path: Path) -> FormDefinition:
    """Load and check one definition file; FormDefinitionError names the file and the problem."""
    check = _Checker(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise check.fail("JSON", str(exc)) from exc
    if not isinstance(raw, dict) or set(raw) != {"name", "title", "schema", "ui", "example"}:
        raise check.fail("top level", "expected exactly name, title, schema, ui and example")
    name = raw["name"]
    if not isinstance(name, str) or not DEFINITION_NAME.match(name) or name != path.stem:
        raise check.fail("name", "must be lower-case letters, digits and hyphens, equal to the file name")
    title = check.texts(raw["title"], "title")
    schema = raw["schema"]
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise check.fail("schema", f"not a valid JSON Schema: {exc.message}") from exc
    if schema.get("$schema") != "https://json-schema.org/draft/2020-12/schema":
        raise check.fail("schema", "$schema must be https://json-schema.org/draft/2020-12/schema")
    if schema.get("type") != "object" or schema.get("additionalProperties") is not False:
        raise check.fail("schema", "must be an object with additionalProperties false")
    properties = schema.get("properties")
    if not isinstance(properties, dict) or not properties:
        raise check.fail("schema", "needs properties")
    for field_name in properties:
        if not NAME.match(field_name):
            raise check.fail(f"field {field_name!r}", "field names are lower-case identifiers of at most 40 characters")
    _strings_bounded(schema, "schema", check)
    required = schema.get("required", [])
    if set(required) - set(properties):
        raise check.fail("schema", f"required names unknown field(s) {sorted(set(required) - set(properties))}")

    ui = raw["ui"]
    if not isinstance(ui, dict) or set(ui) != {"order", "fields"}:
        raise check.fail("ui", "expected exactly order and fields")
    order = ui["order"]
    if not isinstance(order, list) or sorted(order) != sorted(properties) or len(set(order)) != len(order):
        raise check.fail("ui order", "must list every schema property exactly once")
    hints_by_field = ui["fields"]
    if not isinstance(hints_by_field, dict) or set(hints_by_field) != set(properties):
        extra = sorted(set(hints_by_field) - set(properties)) if isinstance(hints_by_field, dict) else []
        raise check.fail("ui fields", f"must give hints for every schema property and no other (unknown: {extra})")

    specs: list[FieldSpec] = []
    seen: dict[str, FieldSpec] = {}
    for field_name in order:
        where = f"field {field_name!r}"
        hints = hints_by_field[field_name]
        prop = properties[field_name]
        if not isinstance(hints, dict):
            raise check.fail(where, "hints must be a mapping")
        if set(hints) - FIELD_HINT_KEYS:
            raise check.fail(where, f"unknown hint(s) {sorted(set(hints) - FIELD_HINT_KEYS)}")
        widget = hints.get("widget")
        if widget not in WIDGETS:
            raise check.fail(where, f"widget must be one of {WIDGETS}")
        if not isinstance(prop, dict) or not _widget_fits(widget, prop):
            raise check.fail(where, f"the {widget} widget does not fit the schema {prop!r}")
        label = check.texts(hints.get("label"), where + " label")
        hint = check.texts(hints["hint"], where + " hint") if "hint" in hints else {}

        options: tuple = ()
        enum = prop.get("enum") if widget != "checkbox" else prop.get("items", {}).get("enum")
        if widget == "country":
            names = country_names()
            unknown = [code for code in enum if code not in names]
            if unknown or "options" in hints:
                raise check.fail(where, f"country codes without names {unknown} (country names come from countries.json)")
            options = tuple((code, names[code]) for code in enum)
        elif enum is not None:
            labels = hints.get("options")
            if not isinstance(labels, dict) or set(labels) != {str(v) for v in enum}:
                raise check.fail(where, "options must label every enum value and no other")
            options = tuple((value, check.texts(labels[str(value)], f"{where} option {value!r}")) for value in enum)
        elif "options" in hints:
            raise check.fail(where, "options given for a field without enum")

        show_if = hints.get("show_if")
        if show_if is not None:
            if not isinstance(show_if, dict) or set(show_if) not in ({"field", "equals"}, {"field", "in"}):
                raise check.fail(where, "show_if is {field, equals} or {field, in}")
            controller = seen.get(show_if["field"])
            if controller is None:
                raise check.fail(where, f"show_if refers to {show_if['field']!r}, which is not an earlier field")
            if controller.widget == "file" or controller.is_multiple:
                raise check.fail(where, "show_if cannot depend on an upload or a multiple choice")
            wanted = show_if["in"] if "in" in show_if else [show_if["equals"]]
            if not isinstance(wanted, list) or not wanted:
                raise check.fail(where, "show_if needs at least one value")
            allowed = [value for value, _labels in controller.options] if controller.options else ([True, False] if controller.type == "boolean" else None)
            if allowed is None or any(value not in allowed for value in wanted):
                raise check.fail(where, f"show_if values {wanted} are not choices of {controller.name!r}")

        prefill = hints.get("prefill")
        if prefill is not None and prefill not in PREFILL_SOURCES:
            raise check.fail(where, f"unknown prefill source {prefill!r}")
        accept: tuple[str, ...] = ()
        max_bytes = 0
        if widget == "file":
            accept = tuple(hints.get("accept") or ())
            max_bytes = hints.get("max_bytes")
            if not accept or set(accept) - set(UPLOAD_TYPES):
                raise check.fail(where, f"accept must list types among {UPLOAD_TYPES}")
            if not isinstance(max_bytes, int) or isinstance(max_bytes, bool) or not 0 < max_bytes <= MAX_UPLOAD_BYTES:
                raise check.fail(where, f"max_bytes must be a positive whole number up to {MAX_UPLOAD_BYTES}")
            if prefill:
                raise check.fail(where, "an upload cannot be prefilled")
        elif "accept" in hints or "max_bytes" in hints:
            raise check.fail(where, "accept and max_bytes are for uploads only")
        messages = hints.get("messages", {})
        if not isinstance(messages, dict) or set(messages) - {"pattern", "format", "required"}:
            raise check.fail(where, "messages may hold pattern, format and required texts")
        messages = {key: check.texts(value, f"{where} message {key}") for key, value in messages.items()}
        if "pattern" in prop and "pattern" not in messages:
            raise check.fail(where, "a pattern needs a message saying what is expected")
        for bound in ("date_min", "date_max"):
            if bound in hints and (widget != "date" or not _date_bound_valid(hints[bound])):
                raise check.fail(where, f"{bound} is 'today' or an ISO date, on a date field")
        on_or_after = hints.get("on_or_after")
        if on_or_after is not None and (widget != "date" or on_or_after not in seen or seen[on_or_after].widget != "date"):
            raise check.fail(where, "on_or_after names an earlier date field")
        autocomplete = hints.get("autocomplete", "")
        if not isinstance(autocomplete, str) or not re.fullmatch(r"[a-z -]{0,40}", autocomplete):
            raise check.fail(where, "autocomplete is an HTML autocomplete token")

        spec = FieldSpec(
            name=field_name,
            widget=widget,
            schema=prop,
            required=field_name in required,
            label=label,
            hint=hint,
            options=options,
            show_if=show_if,
            prefill=prefill,
            accept=accept,
            max_bytes=max_bytes or 0,
            messages=messages,
            date_min=hints.get("date_min"),
            date_max=hints.get("date_max"),
            on_or_after=on_or_after,
            autocomplete=autocomplete,
        )
        specs.append(spec)
        seen[field_name] = spec

    example = raw["example"]
    if not isinstance(example, dict):
        raise check.fail("example", "expected an object of answers")
    return FormDefinition(name=name, title=title, schema=schema, fields=tuple(specs), example=example)


def definition_names() -> list[str]:
    """Names of every definition in the release."""
    return sorted(path.stem for path in DEFINITIONS_DIR.glob("*.json"))


@functools.cache
def _definition_cached(name: str) -> FormDefinition:
    return definition_parse(DEFINITIONS_DIR / f"{name}.json")


def form_definition_get(name: str) -> FormDefinition:
    """The checked definition called `name`; NotFound(code="form_unknown") when there is none."""
    if not isinstance(name, str) or not DEFINITION_NAME.match(name) or not (DEFINITIONS_DIR / f"{name}.json").is_file():
        raise NotFound(code="form_unknown", message=_("There is no such form."), field="form")
    return _definition_cached(name)
