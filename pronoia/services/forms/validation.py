"""Validate answers against a form definition: pages (strings from request.POST) and the API (JSON).

Nothing here raises on bad input: every problem becomes a message in FormResult.errors, keyed by
the field ("" for the form as a whole), in the active language.
"""
from __future__ import annotations

import datetime
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext as _

from pronoia.services.forms.definitions import FieldSpec, FormDefinition, text_pick

# Keys a page's POST carries besides the answers.
TRANSPORT_KEYS = frozenset({"csrfmiddlewaretoken"})
# Hard limits before the schema is even consulted: they bound the work hostile input can cause.
MAX_EXTRA_KEYS = 20
MAX_VALUE_CHARS = 10_000
MAX_ITEMS = 50
MAX_KEY_SHOWN = 40
# Control characters are refused everywhere; line breaks and tabs only in long answers.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
_CONTROL_SINGLE_LINE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_INTEGER = re.compile(r"^[+-]?\d{1,15}$")
_TRUE = {"true", "on", "1", "yes"}
_PRIORITY = {"type": 0, "maxLength": 1, "maxItems": 1, "minLength": 2, "minItems": 2, "pattern": 3, "enum": 4, "const": 4, "format": 5}
_FALSE = {"false", "off", "0", "no"}


@dataclass
class FormResult:
    cleaned: dict  # values coerced to the schema's types; hidden conditional fields dropped
    errors: dict[str, list[str]]  # field name -> messages in the active language; "" for form-level
    files: dict[str, UploadedFile] = field(default_factory=dict)  # uploads that passed the checks (not stored)

    @property
    def is_valid(self) -> bool:
        return not self.errors


def _shown_key(key: Any) -> str:
    text = _CONTROL_SINGLE_LINE.sub("?", str(key))
    return text[:MAX_KEY_SHOWN] + ("…" if len(text) > MAX_KEY_SHOWN else "")


def _raw_values(data: Mapping, name: str) -> list:
    """Every value sent for `name` (a QueryDict may hold several)."""
    getlist = getattr(data, "getlist", None)
    if callable(getlist):
        return list(getlist(name))
    return [data[name]]


def _coerce_html(spec: FieldSpec, values: list) -> tuple[Any, str | None]:
    """(value, error) from the strings a page sent; value None means "not answered"."""
    label = spec.label_in()
    if spec.is_multiple:
        items = [v for v in values if isinstance(v, str) and v.strip() != ""]
        if any(not isinstance(v, str) for v in values):
            return None, _("“%(label)s” must be a list of choices.") % {"label": label}
        return (items or None), None
    if len(values) != 1:
        return None, _("“%(label)s” must have a single answer.") % {"label": label}
    value = values[0]
    if not isinstance(value, str):
        return None, _("“%(label)s” must be text.") % {"label": label}
    if spec.widget != "textarea":
        value = value.strip()
    elif value.strip() == "":
        value = ""
    if value == "":
        return None, None
    kind = spec.type
    if kind == "integer":
        return (int(value) if _INTEGER.match(value) else value), None
    if kind == "number":
        try:
            number = Decimal(value.replace(",", "."))
        except InvalidOperation:
            return value, None
        return (float(number) if number.is_finite() else value), None
    if kind == "boolean":
        lowered = value.lower()
        if lowered in _TRUE:
            return True, None
        if lowered in _FALSE:
            return False, None
        return value, None
    if spec.widget == "iban":
        value = value.replace(" ", "").upper()
    return value, None


def _hostile(spec: FieldSpec, value: Any) -> str | None:
    """A message when a value carries control characters, is oversized or is nested junk."""
    label = spec.label_in()
    values = value if isinstance(value, list) and spec.is_multiple else [value]
    if spec.is_multiple and isinstance(value, list) and len(value) > MAX_ITEMS:
        return _("“%(label)s” has too many answers.") % {"label": label}
    for item in values:
        if isinstance(item, (dict, list)):
            return _("“%(label)s” must be a single value, not a list or an object.") % {"label": label}
        if isinstance(item, str):
            if len(item) > MAX_VALUE_CHARS:
                return _("“%(label)s” is far too long.") % {"label": label}
            pattern = _CONTROL if spec.widget == "textarea" else _CONTROL_SINGLE_LINE
            if pattern.search(item):
                return _("“%(label)s” contains characters that are not allowed (control characters).") % {"label": label}
    return None


def _visible(spec: FieldSpec, cleaned: Mapping, shown: set[str]) -> bool:
    if not spec.show_if:
        return True
    controller = spec.show_if["field"]
    return controller in shown and cleaned.get(controller) in spec.show_if_values()


def _required_message(spec: FieldSpec) -> str:
    custom = text_pick(spec.messages.get("required"))
    if custom:
        return custom
    label = spec.label_in()
    if spec.widget == "file":
        return _("Upload a file for “%(label)s”.") % {"label": label}
    if spec.widget in ("radios", "select", "country") or spec.is_multiple:
        return _("Select an answer for “%(label)s”.") % {"label": label}
    if spec.widget == "checkbox":
        return _("Tick “%(label)s” to continue.") % {"label": label}
    return _("Enter “%(label)s”.") % {"label": label}


_TYPE_MESSAGES = {
    "integer": lambda label: _("“%(label)s” must be a whole number, like 12.") % {"label": label},
    "number": lambda label: _("“%(label)s” must be a number, like 12.5.") % {"label": label},
    "boolean": lambda label: _("“%(label)s” must be yes or no.") % {"label": label},
    "string": lambda label: _("“%(label)s” must be text.") % {"label": label},
    "array": lambda label: _("“%(label)s” must be a list of choices.") % {"label": label},
}


def _schema_message(spec: FieldSpec, error) -> str:
    """A message for one jsonschema error on `spec`, in the active language."""
    label = spec.label_in()
    keyword = error.validator
    limit = error.validator_value
    if keyword == "type":
        expected = limit if isinstance(limit, str) else spec.type
        return _TYPE_MESSAGES.get(expected, _TYPE_MESSAGES["string"])(label)
    if keyword == "maxLength":
        return _("“%(label)s” must be %(limit)d characters or fewer (you entered %(count)d).") % {"label": label, "limit": limit, "count": len(error.instance)}
    if keyword == "minLength":
        return _("“%(label)s” must be at least %(limit)d characters.") % {"label": label, "limit": limit}
    if keyword == "pattern":
        return text_pick(spec.messages.get("pattern")) or _("“%(label)s” is not in the expected format.") % {"label": label}
    if keyword == "format":
        custom = text_pick(spec.messages.get("format"))
        if custom:
            return custom
        if limit == "date":
            return _("“%(label)s” must be a real date, like 2024-03-27.") % {"label": label}
        if limit == "iban":
            return _("“%(label)s” must be a valid IBAN, like GR16 0110 1250 0000 0001 2300 695.") % {"label": label}
        if limit == "email":
            return _("“%(label)s” must be an e-mail address, like name@example.com.") % {"label": label}
        return _("“%(label)s” is not in the expected format.") % {"label": label}
    if keyword in ("enum", "const"):
        if spec.widget == "checkbox" and spec.type == "boolean":
            return _required_message(spec)
        return _("Select one of the answers offered for “%(label)s”.") % {"label": label}
    if keyword in ("minimum", "exclusiveMinimum"):
        return _("“%(label)s” must be %(limit)s or more.") % {"label": label, "limit": limit}
    if keyword in ("maximum", "exclusiveMaximum"):
        return _("“%(label)s” must be %(limit)s or less.") % {"label": label, "limit": limit}
    if keyword == "maxItems":
        return _("“%(label)s” has too many answers.") % {"label": label}
    if keyword == "minItems":
        return _required_message(spec)
    if keyword == "uniqueItems":
        return _("“%(label)s” lists the same answer twice.") % {"label": label}
    return _("“%(label)s” is not valid.") % {"label": label}


def _date_bound(bound: str) -> datetime.date:
    return timezone.localdate() if bound == "today" else datetime.date.fromisoformat(bound)


def _date_checks(spec: FieldSpec, value: str, cleaned: Mapping, labels: Mapping[str, str]) -> str | None:
    """Bounds a schema cannot say: relative to today, or to another date answer."""
    label = spec.label_in()
    day = datetime.date.fromisoformat(value)
    if spec.date_min and day < _date_bound(spec.date_min):
        if spec.date_min == "today":
            return _("“%(label)s” must be today or in the future.") % {"label": label}
        return _("“%(label)s” must be on or after %(date)s.") % {"label": label, "date": spec.date_min}
    if spec.date_max and day > _date_bound(spec.date_max):
        if spec.date_max == "today":
            return _("“%(label)s” must be today or in the past.") % {"label": label}
        return _("“%(label)s” must be on or before %(date)s.") % {"label": label, "date": spec.date_max}
    other = cleaned.get(spec.on_or_after) if spec.on_or_after else None
    if isinstance(other, str):
        try:
            other_day = datetime.date.fromisoformat(other)
        except ValueError:
            return None
        if day < other_day:
            return _("“%(label)s” must be the same as or after “%(other)s”.") % {"label": label, "other": labels[spec.on_or_after]}
    return None


def _upload_check(spec: FieldSpec, upload: Any) -> str | None:
    """None when the upload is of an accepted type and size, else a translated message."""
    if not isinstance(upload, UploadedFile):
        return _("“%(label)s” must be an uploaded file.") % {"label": spec.label_in()}
    from pronoia.documents.selectors import upload_sniff  # type by content, size, hostile shapes

    message = upload_sniff(upload, accept=spec.accept, max_bytes=spec.max_bytes)
    upload.seek(0)
    # The reason says what is wrong with the file; the label says which question it answers.
    return _("“%(label)s”: %(problem)s") % {"label": spec.label_in(), "problem": message} if message else None


def _safe_filename(name: str) -> str:
    base = re.split(r"[\\/]", name or "")[-1]
    base = _CONTROL_SINGLE_LINE.sub("", base).strip()
    return base[:200] or "upload"


def form_validate(
    definition: FormDefinition,
    data: Mapping[str, Any],
    *,
    files: Mapping[str, UploadedFile] | None = None,
    source: str = "html",
    prefilled: Mapping[str, Any] | None = None,
) -> FormResult:
    """Check answers against `definition`; never raises on bad input.

    source="html": strings from request.POST are coerced to the schema's types (empty optional
    answers dropped); source="api": JSON values are taken as sent (null counts as not answered).
    Questions hidden by their show_if condition are dropped and not checked. `prefilled` (from
    form_prefill) overrides whatever was sent for those fields: the file's data cannot be changed
    through the form. Uploads are checked for type (by content) and size, not stored.
    """
    if source not in ("html", "api"):
        raise ValueError(f"unknown source {source!r}")
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, Any] = {}
    accepted_files: dict[str, UploadedFile] = {}
    files = files or {}
    prefilled = prefilled or {}
    if not isinstance(data, Mapping):
        return FormResult(cleaned={}, errors={"": [_("The answers must be a set of named fields.")]})

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    keys = list(data.keys())
    if len(keys) > len(definition.fields) + len(TRANSPORT_KEYS) + MAX_EXTRA_KEYS:
        return FormResult(cleaned={}, errors={"": [_("The form received too many fields (%(count)d).") % {"count": len(keys)}]})
    for key in keys:
        if not isinstance(key, str) or (key not in definition.by_name and not (source == "html" and key in TRANSPORT_KEYS)):
            add("", _("The form does not have a field called “%(name)s”.") % {"name": _shown_key(key)})
    for key in files:
        if key not in definition.by_name or definition.by_name[key].widget != "file":
            add("", _("The form does not take a file called “%(name)s”.") % {"name": _shown_key(key)})

    shown: set[str] = set()
    for spec in definition.fields:
        if not _visible(spec, cleaned, shown):
            continue  # hidden conditional question: dropped, not checked
        shown.add(spec.name)
        if spec.widget == "file":
            upload = files.get(spec.name)
            if upload is None:
                continue
            message = _upload_check(spec, upload)
            if message:
                add(spec.name, message)
                continue
            accepted_files[spec.name] = upload
            cleaned[spec.name] = _safe_filename(getattr(upload, "name", ""))
            continue
        if spec.name in prefilled:
            cleaned[spec.name] = prefilled[spec.name]
            continue
        if spec.name not in data:
            continue
        if source == "html":
            value, problem = _coerce_html(spec, _raw_values(data, spec.name))
        else:
            value, problem = data[spec.name], None
        if problem is None and value is not None:
            problem = _hostile(spec, value)
        if problem:
            add(spec.name, problem)
            continue
        if value is None:
            continue
        cleaned[spec.name] = value

    for spec in definition.fields:
        if spec.name in shown and spec.required and spec.name not in cleaned and spec.name not in errors:
            add(spec.name, _required_message(spec))

    # One message per field, the most basic problem first (a wrong shape before a failed check digit).
    first_error: dict[str, Any] = {}
    for error in definition.validator.iter_errors(cleaned):
        if not error.path:
            add("", _("The answers are not valid."))
            continue
        name = str(error.path[0])
        if name not in definition.by_name or name in errors:
            continue
        current = first_error.get(name)
        if current is None or _PRIORITY.get(error.validator, 99) < _PRIORITY.get(current.validator, 99):
            first_error[name] = error
    for name, error in first_error.items():
        add(name, _schema_message(definition.by_name[name], error))

    labels = {spec.name: spec.label_in() for spec in definition.fields}
    for spec in definition.fields:
        if spec.widget == "date" and spec.name in cleaned and spec.name not in errors:
            message = _date_checks(spec, cleaned[spec.name], cleaned, labels)
            if message:
                add(spec.name, message)

    # Only checked answers are handed on; the form-level key is kept last.
    for name in errors:
        cleaned.pop(name, None)
        accepted_files.pop(name, None)
    ordered = {spec.name: errors[spec.name] for spec in definition.fields if spec.name in errors}
    if "" in errors:
        ordered[""] = errors[""]
    return FormResult(cleaned=cleaned, errors=ordered, files=accepted_files)
