"""What the form template shows, and the answers as (label, value) pairs for receipts."""
from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from typing import Any

from django.template.defaultfilters import filesizeformat
from django.utils import formats, translation
from django.utils.translation import gettext as _

from pronoia.services.forms.definitions import FieldSpec, FormDefinition, text_pick

_INPUT_TYPES = {"date": "date", "iban": "text", "national_id": "text", "text": "text"}
_FILE_TYPE_NAMES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}


def _field_id(name: str) -> str:
    return f"field-{name}"


def _shown_value(value: Any) -> str:
    """A value as a page shows it back in an input (booleans as the checkbox's "true")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _sent_values(values: Mapping, name: str) -> list[str]:
    getlist = getattr(values, "getlist", None)
    if callable(getlist):
        return [_shown_value(v) for v in getlist(name)]
    value = values.get(name)
    if isinstance(value, (list, tuple)):
        return [_shown_value(v) for v in value]
    return [] if value is None else [_shown_value(value)]


def _option_label(spec: FieldSpec, value: Any) -> str:
    for option_value, labels in spec.options:
        if option_value == value:
            return text_pick(labels)
    return str(value)


def _conditional_note(definition: FormDefinition, spec: FieldSpec) -> str:
    controller = definition.field(spec.show_if["field"])
    if controller.options:
        answers = [_option_label(controller, value) for value in spec.show_if_values()]
    else:
        answers = [_("Yes") if value is True else _("No") for value in spec.show_if_values()]
    return _("Answer this only if you chose %(answers)s for “%(question)s”.") % {
        "answers": _(" or ").join(f"“{answer}”" for answer in answers),
        "question": controller.label_in(),
    }


def form_context(definition: FormDefinition, *, values: Mapping, errors: Mapping[str, list[str]], prefilled: Mapping) -> dict:
    """What "services/forms/form.html" needs (include it `with form=form`).

    `values` are the answers to show back (request.POST after a failed submission, or cleaned
    answers); `prefilled` (from form_prefill) are shown read-only under "Details from your file"
    and are not inputs: form_validate re-applies them on the server.
    """
    values = values or {}
    errors = errors or {}
    prefilled = prefilled or {}
    reveals: dict[str, list[str]] = {}  # controller field -> ids of the conditional blocks it controls
    for spec in definition.fields:
        if spec.show_if and spec.name not in prefilled:
            reveals.setdefault(spec.show_if["field"], []).append(f"conditional-{spec.name}")

    fields: list[dict] = []
    known: list[dict] = []
    summary: list[dict] = []
    for spec in definition.fields:
        field_id = _field_id(spec.name)
        if spec.name in prefilled:
            known.append({"label": spec.label_in(), "value": display_value(spec, prefilled[spec.name])})
            continue
        sent = _sent_values(values, spec.name) if spec.widget != "file" else []
        field_errors = [str(message) for message in errors.get(spec.name, [])]
        options = []
        for index, (option_value, labels) in enumerate(spec.options):
            shown = _shown_value(option_value)
            option = {
                "value": shown,
                "label": text_pick(labels),
                "id": field_id if index == 0 else f"{field_id}-{index + 1}",
                "selected": shown in sent,
                "controls": "",
            }
            options.append(option)
        controlled = reveals.get(spec.name, [])
        if controlled and options:
            # Every option gets aria-controls for the blocks this question reveals (as GOV.UK radios do).
            for option in options:
                option["controls"] = " ".join(controlled)
        first_target = options[0]["id"] if options else field_id
        for message in field_errors:
            summary.append({"href": f"#{first_target}", "text": message})
        hint = text_pick(spec.hint)
        upload_note = ""
        if spec.widget == "file":
            upload_note = _("Accepted: %(types)s. Maximum size: %(size)s.") % {
                "types": ", ".join(_FILE_TYPE_NAMES.get(kind, kind) for kind in spec.accept),
                "size": filesizeformat(spec.max_bytes),
            }
        described = " ".join(
            part for part, present in ((f"{field_id}-hint", bool(hint or upload_note)), (f"{field_id}-error", bool(field_errors))) if present
        )
        fields.append(
            {
                "name": spec.name,
                "id": field_id,
                "widget": spec.widget,
                "label": spec.label_in(),
                "hint": hint,
                "upload_note": upload_note,
                "errors": field_errors,
                "required": spec.required,
                "value": sent[0] if sent and not spec.is_multiple else "",
                "checked": bool(sent) and sent[0] == "true",
                "options": options,
                "multiple": spec.is_multiple,
                "described_by": described,
                "input_type": _INPUT_TYPES.get(spec.widget, "text"),
                "inputmode": "numeric" if spec.type == "integer" or spec.widget == "national_id" else "",
                "autocomplete": spec.autocomplete,
                "maxlength": spec.schema.get("maxLength", ""),
                "accept": ",".join(spec.accept),
                "controls": " ".join(controlled),
                "conditional": {
                    "id": f"conditional-{spec.name}",
                    "field": spec.show_if["field"],
                    "values": json.dumps([_shown_value(v) for v in spec.show_if_values()]),
                    "note": _conditional_note(definition, spec),
                }
                if spec.show_if and spec.show_if["field"] not in prefilled
                else None,
                "width": "govuk-input--width-10" if spec.widget in ("date", "national_id") else ("govuk-input--width-30" if spec.widget == "iban" else ""),
            }
        )
    for message in errors.get("", []):
        summary.insert(0, {"href": "#form-answers", "text": str(message)})
    return {
        "name": definition.name,
        "title": definition.title_in(),
        "fields": fields,
        "known": known,
        "error_summary": summary,
        "form_errors": [str(message) for message in errors.get("", [])],
        "has_errors": bool(summary),
        "multipart": definition.has_uploads,
        "enctype": "multipart/form-data" if definition.has_uploads else "application/x-www-form-urlencoded",
    }


def display_value(spec: FieldSpec, value: Any) -> str:
    """One answer as people read it, in the active language."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, list):
        return ", ".join(_option_label(spec, item) for item in value)
    if spec.options:
        return _option_label(spec, value)
    if spec.widget == "date" and isinstance(value, str):
        try:
            return formats.date_format(datetime.date.fromisoformat(value), "SHORT_DATE_FORMAT")
        except ValueError:
            return value
    return str(value)


def form_summary(definition: FormDefinition, cleaned: Mapping, *, language: str) -> list[tuple[str, str]]:
    """(label, displayed value) pairs of the answers given, in the form's order, in `language`."""
    with translation.override(language):
        return [
            (spec.label_in(language), display_value(spec, cleaned[spec.name]))
            for spec in definition.fields
            if spec.name in cleaned and cleaned[spec.name] not in (None, "", [])
        ]
