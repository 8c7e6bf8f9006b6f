"""Knowledge-base items as the retriever sees them, and the loader of the JSON import format.

The import format is a list of items::

    [{"id": "pension-age", "category": "pensions",
      "translations": {"en": {"question": "...", "variants": ["...", ...], "answer": "..."}, ...}}]

A path may be one such file or a directory whose ``*.json`` files are merged (sorted by name).
Bad input raises :class:`KnowledgeFormatError` naming the file, the item (index and id) and the
field, so the command or page that called the loader can say exactly what to fix.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

LANGUAGES = ("en", "el", "pl", "bg", "ru")
MAX_FILE_BYTES = 20 * 1024 * 1024  # a starter KB is well under 1 MB; 25 000 synthetic items fit in ~15 MB
MAX_ITEMS = 100_000
MAX_TEXT_CHARS = 10_000  # one question, variant or answer
MAX_VARIANTS = 1_000
MAX_ID_CHARS = 200


@dataclass(frozen=True)
class KnowledgeEntry:
    """One knowledge-base item: ``translations`` maps a language to its question, variants and answer."""

    item_id: str
    category: str
    translations: dict[str, dict] = field(hash=False)

    def texts(self, language: str) -> list[str]:
        """The question and its variants in one language (empty when the item lacks that language)."""
        block = self.translations.get(language)
        if not block:
            return []
        return [t for t in [block.get("question", ""), *block.get("variants", [])] if t and t.strip()]

    def answer(self, language: str) -> str:
        block = self.translations.get(language) or {}
        return block.get("answer", "")


class KnowledgeFormatError(ValueError):
    """The KB file is not in the import format.

    ``code`` is stable (``kb_json``, ``kb_too_large``, ``kb_type``, ``kb_missing``, ``kb_duplicate``,
    ``kb_language``, ``kb_too_long``); ``path``, ``index`` (0-based item index), ``item_id`` and
    ``field`` (a dotted path such as ``translations.el.question``) locate the fault.
    """

    def __init__(self, *, code: str, message: str, path: str | Path | None = None, index: int | None = None,
                 item_id: str | None = None, field: str | None = None):
        self.code = code
        self.path = str(path) if path is not None else None
        self.index = index
        self.item_id = item_id
        self.field = field
        self.detail = message
        where = []
        if self.path:
            where.append(self.path)
        if index is not None:
            where.append(f"item {index}" + (f" (id {item_id!r})" if item_id else ""))
        if field:
            where.append(f"field {field!r}")
        super().__init__(f"{': '.join([', '.join(where), message]) if where else message}")

    @property
    def message(self) -> str:
        return str(self)


def _fail(code: str, message: str, **where) -> None:
    raise KnowledgeFormatError(code=code, message=message, **where)


def _text(value, *, where: dict, name: str, required: bool) -> str:
    if value is None:
        if required:
            _fail("kb_missing", "is missing", field=name, **where)
        return ""
    if not isinstance(value, str):
        _fail("kb_type", f"must be a string, not {type(value).__name__}", field=name, **where)
    if len(value) > MAX_TEXT_CHARS:
        _fail("kb_too_long", f"is longer than {MAX_TEXT_CHARS} characters", field=name, **where)
    if required and not value.strip():
        _fail("kb_missing", "is empty", field=name, **where)
    return value


def kb_items_parse(data, *, path: str | Path | None = None) -> list[KnowledgeEntry]:
    """Validate already-decoded JSON in the import format and return its entries (ids unique within it)."""
    if not isinstance(data, list):
        _fail("kb_type", f"the file must hold a JSON list of items, not {type(data).__name__}", path=path)
    if len(data) > MAX_ITEMS:
        _fail("kb_too_large", f"more than {MAX_ITEMS} items", path=path)
    entries: list[KnowledgeEntry] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(data):
        where = {"path": path, "index": index}
        if not isinstance(raw, dict):
            _fail("kb_type", f"an item must be a JSON object, not {type(raw).__name__}", **where)
        item_id = raw.get("id")
        if item_id is None:
            _fail("kb_missing", "is missing", field="id", **where)
        if not isinstance(item_id, str) or not item_id.strip():
            _fail("kb_type", "must be a non-empty string", field="id", **where)
        if len(item_id) > MAX_ID_CHARS:
            _fail("kb_too_long", f"is longer than {MAX_ID_CHARS} characters", field="id", **where)
        where["item_id"] = item_id
        if item_id in seen:
            _fail("kb_duplicate", f"duplicate id (first used by item {seen[item_id]})", field="id", **where)
        seen[item_id] = index
        category = raw.get("category", "")
        if not isinstance(category, str):
            _fail("kb_type", "must be a string", field="category", **where)
        translations = raw.get("translations")
        if translations is None:
            _fail("kb_missing", "is missing", field="translations", **where)
        if not isinstance(translations, dict):
            _fail("kb_type", "must be an object keyed by language", field="translations", **where)
        if not translations:
            _fail("kb_missing", "has no language", field="translations", **where)
        clean: dict[str, dict] = {}
        for language, block in translations.items():
            name = f"translations.{language}"
            if language not in LANGUAGES:
                _fail("kb_language", f"unknown language (expected one of {', '.join(LANGUAGES)})", field=name, **where)
            if not isinstance(block, dict):
                _fail("kb_type", "must be an object with question, variants and answer", field=name, **where)
            question = _text(block.get("question"), where=where, name=f"{name}.question", required=True)
            answer = _text(block.get("answer"), where=where, name=f"{name}.answer", required=True)
            variants = block.get("variants", [])
            if variants is None:
                variants = []
            if not isinstance(variants, list):
                _fail("kb_type", "must be a list of strings", field=f"{name}.variants", **where)
            if len(variants) > MAX_VARIANTS:
                _fail("kb_too_large", f"more than {MAX_VARIANTS} variants", field=f"{name}.variants", **where)
            for i, variant in enumerate(variants):
                if not isinstance(variant, str):
                    _fail("kb_type", f"must be a string, not {type(variant).__name__}", field=f"{name}.variants[{i}]",
                          **where)
                _text(variant, where=where, name=f"{name}.variants[{i}]", required=False)
            clean[language] = {"question": question, "variants": [v for v in variants if v.strip()], "answer": answer}
        entries.append(KnowledgeEntry(item_id=item_id, category=category, translations=clean))
    return entries


def _file_load(path: Path) -> list[KnowledgeEntry]:
    try:
        size = path.stat().st_size
    except OSError as exc:
        _fail("kb_json", f"cannot be read ({exc.strerror})", path=path)
    if size > MAX_FILE_BYTES:
        _fail("kb_too_large", f"the file is {size} bytes, more than the limit of {MAX_FILE_BYTES}", path=path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        _fail("kb_json", f"is not UTF-8 (byte {exc.start})", path=path)
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        _fail("kb_json", f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}", path=path)
    return kb_items_parse(data, path=path)


def kb_entries_load(path: str | Path) -> list[KnowledgeEntry]:
    """Entries of one import-format JSON file, or of every ``*.json`` file in a directory (merged).

    Ids must be unique across the merged files. Raises :class:`KnowledgeFormatError`.
    """
    path = Path(path)
    if path.is_dir():
        files = sorted(p for p in path.glob("*.json") if p.is_file())
        if not files:
            _fail("kb_missing", "the directory holds no .json file", path=path)
    elif path.exists():
        files = [path]
    else:
        _fail("kb_missing", "no such file or directory", path=path)
    entries: list[KnowledgeEntry] = []
    origin: dict[str, Path] = {}
    for file in files:
        for index, entry in enumerate(_file_load(file)):
            if entry.item_id in origin:
                _fail("kb_duplicate", f"duplicate id (also in {origin[entry.item_id]})", path=file, index=index,
                      item_id=entry.item_id, field="id")
            origin[entry.item_id] = file
            entries.append(entry)
    return entries
