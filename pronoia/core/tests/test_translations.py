"""The translation catalogs in locale/ are complete, consistent with their sources, compiled, and used.

Nothing here needs the gettext tools: the .po files are read by a small parser below and the
compiled .mo files by a small reader of the GNU .mo format, so the suite also runs on a machine
without msgfmt (which is why the .mo files are committed, see locale/README.md).
"""
from __future__ import annotations

import ast
import re
import struct
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
TRANSLATED_LANGUAGES = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
# The portal-wide catalog and each app's own (pronoia/<app>/locale/, written by makemessages run in
# that app's folder), so that an app's texts are translated beside its code.
CATALOG_DIRS = [LOCALE_DIR, *sorted((Path(settings.BASE_DIR) / "pronoia").glob("*/locale"))]
CATALOGS = [
    pytest.param(directory, language, id=f"{directory.parent.name}-{language}")
    for directory in CATALOG_DIRS
    for language in TRANSLATED_LANGUAGES
]

# Python %-format conversions (with optional mapping key, flags, width, precision) and {name} fields.
PERCENT_PLACEHOLDER = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(?:\d+|\*)?(?:\.(?:\d+|\*))?[diouxXeEfFgGcrsa%]")
BRACE_PLACEHOLDER = re.compile(r"\{[A-Za-z_][A-Za-z0-9_]*\}")
HTML_TAG = re.compile(r"</?[A-Za-z][^>]*>")


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: str = ""
    msgstr_plural: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> str:
        """The key of the entry in a compiled catalog (context, EOT, msgid; plural ids joined by NUL)."""
        key = self.msgid if self.msgid_plural is None else f"{self.msgid}\0{self.msgid_plural}"
        return key if self.msgctxt is None else f"{self.msgctxt}\x04{key}"

    @property
    def translations(self) -> list[str]:
        if self.msgid_plural is None:
            return [self.msgstr]
        return [self.msgstr_plural[i] for i in sorted(self.msgstr_plural)]


def po_parse(text: str) -> list[Entry]:
    """Entries of a .po file (the header is the entry with an empty msgid); obsolete #~ entries are skipped."""
    entries: list[Entry] = []
    current = Entry()
    started = False  # a keyword line has been seen for the current entry
    target: tuple[str, int | None] | None = None

    def finish() -> None:
        nonlocal current, started, target
        if started:
            entries.append(current)
        current, started, target = Entry(), False, None

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            finish()
            continue
        if line.startswith("#"):
            if started:
                finish()
            if line.startswith("#,"):
                current.flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        match = re.fullmatch(r'(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(".*")', line)
        if match:
            keyword, index, literal = match.groups()
            if keyword in ("msgctxt", "msgid") and target is not None and target[0] == "msgstr":
                finish()  # a new entry without a blank line before it
            if not started:
                current.line = number
            started = True
            target = (keyword, int(index) if index is not None else None)
            value = ast.literal_eval(literal)
            if keyword == "msgstr" and index is not None:
                current.msgstr_plural[int(index)] = value
            else:
                setattr(current, keyword, value)
            continue
        if line.startswith('"') and target is not None:
            keyword, index = target
            value = ast.literal_eval(line)
            if keyword == "msgstr" and index is not None:
                current.msgstr_plural[index] += value
            else:
                setattr(current, keyword, getattr(current, keyword) + value)
            continue
        raise AssertionError(f"line {number}: cannot parse {raw!r}")
    finish()
    return entries


def mo_read(path: Path) -> dict[str, str]:
    """The catalog of a GNU .mo file as {key: translation} (plural forms joined by NUL, as stored)."""
    data = path.read_bytes()
    magic = struct.unpack("<I", data[:4])[0]
    endian = "<" if magic == 0x950412DE else ">"
    assert struct.unpack(endian + "I", data[:4])[0] == 0x950412DE, f"{path} is not a .mo file"
    _revision, count, originals, translations = struct.unpack(endian + "4I", data[4:20])
    catalog = {}
    for i in range(count):
        length, offset = struct.unpack(endian + "2I", data[originals + 8 * i : originals + 8 * i + 8])
        key = data[offset : offset + length].decode("utf-8")
        length, offset = struct.unpack(endian + "2I", data[translations + 8 * i : translations + 8 * i + 8])
        catalog[key] = data[offset : offset + length].decode("utf-8")
    return catalog


def placeholders(text: str) -> list[str]:
    found = [p for p in PERCENT_PLACEHOLDER.findall(text) if p != "%%"]
    return sorted(found + BRACE_PLACEHOLDER.findall(text))


def header_fields(entries: list[Entry]) -> dict[str, str]:
    header = next(e for e in entries if e.msgid == "" and e.msgctxt is None)
    pairs = (line.split(":", 1) for line in header.msgstr.splitlines() if ":" in line)
    return {name.strip(): value.strip() for name, value in pairs}


def nplurals(entries: list[Entry]) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", header_fields(entries)["Plural-Forms"])
    assert match, "Plural-Forms header without nplurals"
    return int(match.group(1))


def po_entries(language: str, directory: Path = LOCALE_DIR) -> list[Entry]:
    path = directory / language / "LC_MESSAGES" / "django.po"
    assert path.exists(), f"{path} is missing: run makemessages for {language}"
    return po_parse(path.read_text(encoding="utf-8"))


def messages(entries: list[Entry]) -> list[Entry]:
    return [e for e in entries if not (e.msgid == "" and e.msgctxt is None)]


def test_every_portal_language_has_a_catalog():
    assert sorted(TRANSLATED_LANGUAGES) == ["bg", "el", "pl", "ru"]
    for directory in CATALOG_DIRS:
        for language in TRANSLATED_LANGUAGES:
            assert (directory / language / "LC_MESSAGES" / "django.po").exists()
            assert (directory / language / "LC_MESSAGES" / "django.mo").exists()


def test_parser_reads_multiline_plural_and_flags():
    text = (
        'msgid ""\nmsgstr ""\n"Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
        '#, fuzzy, python-format\nmsgid "a %(n)s "\n"b"\nmsgid_plural "c"\nmsgstr[0] "x\\"y"\nmsgstr[1] ""\n"z"\n\n'
        '#~ msgid "old"\n#~ msgstr "alt"\n'
    )
    header, entry = po_parse(text)
    assert nplurals([header]) == 2
    assert entry.msgid == "a %(n)s b" and entry.msgid_plural == "c"
    assert entry.translations == ['x"y', "z"] and "fuzzy" in entry.flags
    assert entry.key == "a %(n)s b\0c"


@pytest.mark.parametrize(("directory", "language"), CATALOGS)
def test_catalog_is_complete_and_not_fuzzy(directory, language):
    entries = po_entries(language, directory)
    assert header_fields(entries).get("Language") == language
    problems = []
    for entry in entries:
        if "fuzzy" in entry.flags:
            problems.append(f"line {entry.line}: fuzzy {entry.msgid[:60]!r}")
    for entry in messages(entries):
        if entry.msgid_plural is not None and len(entry.msgstr_plural) != nplurals(entries):
            problems.append(f"line {entry.line}: {len(entry.msgstr_plural)} plural forms instead of {nplurals(entries)}")
        if any(not text.strip() for text in entry.translations):
            problems.append(f"line {entry.line}: untranslated {entry.msgid[:60]!r}")
    # The portal-wide catalog is large; an app's own may be small but never empty.
    assert len(messages(entries)) > (100 if directory == LOCALE_DIR else 0)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("directory", "language"), CATALOGS)
def test_placeholders_and_tags_match_the_source(directory, language):
    problems = []
    for entry in messages(po_entries(language, directory)):
        if entry.msgid_plural is None:
            expected = [(placeholders(entry.msgid), placeholders(entry.msgstr))]
        else:
            singular, plural = placeholders(entry.msgid), placeholders(entry.msgid_plural)
            expected = []
            for index, text in sorted(entry.msgstr_plural.items()):
                found = placeholders(text)
                if index == 0 and found != plural:
                    # The first form may drop the count when the source singular does ("This record…").
                    expected.append((singular if found == singular else plural, found))
                else:
                    expected.append((plural, found))
        for want, found in expected:
            if want != found:
                problems.append(f"line {entry.line}: {entry.msgid[:50]!r} has {found}, expected {want}")
        source_tags = sorted(HTML_TAG.findall(entry.msgid))
        for text in entry.translations:
            if sorted(HTML_TAG.findall(text)) != source_tags:
                problems.append(f"line {entry.line}: HTML tags differ in {entry.msgid[:50]!r}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(("directory", "language"), CATALOGS)
def test_compiled_catalog_matches_the_po_file(directory, language):
    """The committed .mo holds exactly the .po translations: recompile after every .po change."""
    entries = po_entries(language, directory)
    compiled = mo_read(directory / language / "LC_MESSAGES" / "django.mo")
    expected = {e.key: "\0".join(e.translations) for e in messages(entries) if "fuzzy" not in e.flags}
    stale = sorted(key for key, text in expected.items() if compiled.get(key) != text)
    extra = sorted(key for key in compiled if key and key not in expected)
    assert not stale, f"{language}: django.mo is stale for {len(stale)} messages, e.g. {stale[0][:60]!r}; run compilemessages"
    assert not extra, f"{language}: django.mo has messages the .po lacks, e.g. {extra[0][:60]!r}; run compilemessages"
    assert "Plural-Forms" in compiled.get("", "")


@pytest.mark.parametrize(
    ("language", "forms"),
    [
        ("el", {1: "1 εγγραφή", 2: "2 εγγραφές"}),
        ("bg", {1: "1 запис", 3: "3 записа"}),
        ("pl", {1: "1 wpis", 3: "3 wpisy", 5: "5 wpisów", 22: "22 wpisy", 112: "112 wpisów"}),
        ("ru", {1: "1 запись", 3: "3 записи", 5: "5 записей", 21: "21 запись", 11: "11 записей"}),
    ],
)
def test_plural_forms_follow_the_language(language, forms):
    with translation.override(language):
        for count, text in forms.items():
            assert translation.ngettext("%(counter)s record", "%(counter)s records", count) % {"counter": count} == text


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "text"),
    [
        ("el", "Η κοινωνική σας ασφάλιση σε ένα σημείο"),
        ("pl", "Twoje ubezpieczenia społeczne w jednym miejscu"),
        ("bg", "Вашето социално осигуряване на едно място"),
        ("ru", "Ваше социальное страхование в одном месте"),
    ],
)
def test_home_page_in_the_browser_language(client, language, text):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE=f"{language},en;q=0.5")
    assert response.status_code == 200
    assert response.headers["Content-Language"] == language
    assert text in response.content.decode()


@pytest.mark.django_db
def test_home_page_in_greek_from_the_language_cookie(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "el"
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Πύλη κοινωνικής ασφάλισης" in page
    assert "Social insurance portal" not in page


@pytest.fixture
def one_eid_provider(settings):
    settings.PRONOIA_EID_PROVIDERS = [
        {"key": "national", "display_name": "National eID", "issuer": "https://eid.invalid", "client_id": "portal", "private_key_file": "/nonexistent", "acr_levels": {"x": "high"}}
    ]


@pytest.mark.django_db
def test_sign_in_page_in_bulgarian(client, one_eid_provider):
    response = client.get("/sign-in", HTTP_ACCEPT_LANGUAGE="bg")
    assert response.status_code == 200
    page = response.content.decode()
    assert '<html lang="bg"' in page
    assert '<h1 class="govuk-heading-l">Вход</h1>' in page


@pytest.mark.django_db
def test_form_errors_in_bulgarian(client, one_eid_provider):
    response = client.post("/sign-in", {"provider": ""}, HTTP_ACCEPT_LANGUAGE="bg")
    assert response.status_code == 400
    page = response.content.decode()
    assert "Има проблем" in page and "Грешка:" in page
