"""Message texts: {name} placeholders checked against a template's declared names, and rendering.

Only plain `{name}` fields are allowed (no attribute access, indexing, conversions or format specs:
a template author must not reach into Python objects). `{{` and `}}` write literal braces. Texts
are plain text; pages escape them when they show them.
"""
from __future__ import annotations

import re
import string
from dataclasses import dataclass

from django.utils.translation import gettext as _

from pronoia.core.errors import PronoiaError

PLACEHOLDER_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
SUBJECT_MAX_CHARS = 200
BODY_MAX_CHARS = 5000
SMS_BODY_MAX_CHARS = 480  # three concatenated SMS parts
PUSH_BODY_MAX_CHARS = 200
# Control characters other than line breaks and tabs have no place in a message.
CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def placeholders_of(text: str, *, where: str) -> set[str]:
    """The {names} a text uses; raises PronoiaError naming `where` for anything but plain fields."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        raise PronoiaError(
            code="template_braces",
            message=_("%(where)s: unmatched { or }. Write {{ or }} for a brace.") % {"where": where},
            field=where,
        ) from None
    names: set[str] = set()
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if spec or conversion or not PLACEHOLDER_NAME.match(name):
            raise PronoiaError(
                code="template_placeholder_invalid",
                message=_("%(where)s: {%(name)s} is not a valid placeholder; use lower-case names such as {protocol_number}.")
                % {"where": where, "name": name[:40]},
                field=where,
            )
        names.add(name)
    return names


def text_clean(value: str, *, where: str, max_chars: int) -> str:
    """Normalise line ends and refuse control characters and oversized texts with a clear message."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if CONTROL_CHARACTERS.search(value):
        raise PronoiaError(code="template_control_characters", message=_("%(where)s contains control characters.") % {"where": where}, field=where)
    if len(value) > max_chars:
        raise PronoiaError(
            code="template_too_long",
            message=_("%(where)s is too long: %(length)s characters, at most %(max)s.") % {"where": where, "length": len(value), "max": max_chars},
            field=where,
        )
    return value


def texts_validate(*, texts: dict, declared: list[str], channel: str, languages: tuple[str, ...]) -> dict:
    """Check a version's texts: every language present, plain placeholders all declared, sizes.

    Returns the cleaned texts. Raises PronoiaError with the language and part at fault.
    """
    if not isinstance(texts, dict):
        raise PronoiaError(code="template_texts_invalid", message=_("The texts must be given per language."), field="texts")
    unknown_languages = sorted(set(texts) - set(languages))
    if unknown_languages:
        raise PronoiaError(
            code="template_language_unknown",
            message=_("Unknown language: %(languages)s.") % {"languages": ", ".join(str(x)[:8] for x in unknown_languages)},
            field="texts",
        )
    body_max = {"sms": SMS_BODY_MAX_CHARS, "push": PUSH_BODY_MAX_CHARS}.get(channel, BODY_MAX_CHARS)
    allowed = set(declared)
    cleaned: dict[str, dict[str, str]] = {}
    for language in languages:
        part = texts.get(language)
        if not isinstance(part, dict) or not isinstance(part.get("body"), str) or not part["body"].strip():
            raise PronoiaError(code="template_language_missing", message=_("The %(language)s text is missing.") % {"language": language}, field=f"texts.{language}")
        subject = part.get("subject", "")
        if not isinstance(subject, str):
            raise PronoiaError(code="template_texts_invalid", message=_("The %(language)s subject must be text.") % {"language": language}, field=f"texts.{language}.subject")
        entry = {}
        for key, value, max_chars in (("subject", subject, SUBJECT_MAX_CHARS), ("body", part["body"], body_max)):
            where = f"{language} {key}"
            value = text_clean(value, where=where, max_chars=max_chars)
            extra = sorted(placeholders_of(value, where=where) - allowed)
            if extra:
                raise PronoiaError(
                    code="template_placeholder_unknown",
                    message=_("%(where)s uses {%(name)s}, which this template does not declare (declared: %(declared)s).")
                    % {"where": where, "name": extra[0], "declared": ", ".join(sorted(allowed)) or "-"},
                    field=f"texts.{language}.{key}",
                )
            entry[key] = value
        if "\n" in entry["subject"]:
            raise PronoiaError(code="template_subject_line", message=_("The %(language)s subject must be one line.") % {"language": language}, field=f"texts.{language}.subject")
        cleaned[language] = entry
    return cleaned


def render(*, texts: dict, language: str, declared: list[str], values: dict) -> Rendered:
    """The subject and body in `language` (English when the version lacks it) with `values` filled in.

    A declared placeholder the text uses with no value is refused: a message is never sent with a
    hole in it.
    """
    part = texts.get(language) or texts["en"]
    out = {}
    for key in ("subject", "body"):
        text = part.get(key, "")
        used = placeholders_of(text, where=f"{language} {key}")
        missing = sorted(name for name in used if values.get(name) in (None, ""))
        if missing or not used <= set(declared):
            name = (missing or sorted(used - set(declared)))[0]
            raise PronoiaError(
                code="template_value_missing",
                message=_("No value for {%(name)s} in the %(language)s %(part)s.") % {"name": name, "language": language, "part": key},
                field=name,
            )
        out[key] = text.format_map({name: str(values[name]) for name in used})
    return Rendered(subject=out["subject"], body=out["body"])
