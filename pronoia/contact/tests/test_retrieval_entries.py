"""kb_entries_load: the import format, and every kind of bad file named precisely."""
from __future__ import annotations

import json

import pytest

from pronoia.contact.retrieval import KnowledgeFormatError, kb_entries_load
from pronoia.contact.retrieval import entries as entries_module

from .test_retrieval_fixtures import KB_ITEMS, kb_write


def test_loads_file(tmp_path):
    entries = kb_entries_load(kb_write(tmp_path))
    assert [e.item_id for e in entries] == [item["id"] for item in KB_ITEMS]
    first = entries[0]
    assert first.category == "pensions"
    assert first.texts("el") == ["Πότε μπορώ να βγω στη σύνταξη;", "Ποιο είναι το όριο ηλικίας συνταξιοδότησης;"]
    assert first.answer("pl") == "Wiek emerytalny wynosi 67 lat."
    assert entries[1].texts("pl") == []


def test_loads_directory_merged_in_name_order(tmp_path):
    kb_write(tmp_path, KB_ITEMS[2:], name="b.json")
    kb_write(tmp_path, KB_ITEMS[:2], name="a.json")
    (tmp_path / "notes.txt").write_text("not json")
    assert [e.item_id for e in kb_entries_load(tmp_path)] == [i["id"] for i in KB_ITEMS]


def test_duplicate_id_across_files(tmp_path):
    kb_write(tmp_path, KB_ITEMS[:2], name="a.json")
    kb_write(tmp_path, KB_ITEMS[1:3], name="b.json")
    with pytest.raises(KnowledgeFormatError) as caught:
        kb_entries_load(tmp_path)
    error = caught.value
    assert (error.code, error.index, error.item_id, error.field) == ("kb_duplicate", 0, "amka", "id")
    assert error.path.endswith("b.json") and "a.json" in str(error)


def test_duplicate_id_in_one_file(tmp_path):
    with pytest.raises(KnowledgeFormatError) as caught:
        kb_entries_load(kb_write(tmp_path, [KB_ITEMS[0], KB_ITEMS[1], KB_ITEMS[0]]))
    assert (caught.value.code, caught.value.index, caught.value.item_id) == ("kb_duplicate", 2, "pension-age")
    assert "first used by item 0" in str(caught.value)


def test_malformed_json_names_line(tmp_path):
    path = tmp_path / "kb.json"
    path.write_text('[{"id": "a",\n "category": }]')
    with pytest.raises(KnowledgeFormatError) as caught:
        kb_entries_load(path)
    assert caught.value.code == "kb_json" and "line 2" in str(caught.value) and str(path) in str(caught.value)


def test_not_utf8(tmp_path):
    path = tmp_path / "kb.json"
    path.write_bytes(b'[{"id": "\xff"}]')
    with pytest.raises(KnowledgeFormatError, match="not UTF-8"):
        kb_entries_load(path)


def _item(**changes):
    item = json.loads(json.dumps(KB_ITEMS[0]))
    for key, value in changes.items():
        if value is None:
            item.pop(key, None)
        else:
            item[key] = value
    return item


@pytest.mark.parametrize(("item", "code", "field"), [
    (_item(id=None), "kb_missing", "id"),
    (_item(id=17), "kb_type", "id"),
    (_item(id="   "), "kb_type", "id"),
    (_item(id="x" * 201), "kb_too_long", "id"),
    (_item(category=["p"]), "kb_type", "category"),
    (_item(translations=None), "kb_missing", "translations"),
    (_item(translations=[]), "kb_type", "translations"),
    (_item(translations={}), "kb_missing", "translations"),
    (_item(translations={"de": {"question": "q", "answer": "a"}}), "kb_language", "translations.de"),
    (_item(translations={"en": "When?"}), "kb_type", "translations.en"),
    (_item(translations={"en": {"answer": "a"}}), "kb_missing", "translations.en.question"),
    (_item(translations={"en": {"question": "q", "answer": "  "}}), "kb_missing", "translations.en.answer"),
    (_item(translations={"en": {"question": 5, "answer": "a"}}), "kb_type", "translations.en.question"),
    (_item(translations={"en": {"question": "q", "answer": "a", "variants": "v"}}), "kb_type",
     "translations.en.variants"),
    (_item(translations={"en": {"question": "q", "answer": "a", "variants": ["ok", None]}}), "kb_type",
     "translations.en.variants[1]"),
    (_item(translations={"en": {"question": "q", "answer": "a", "variants": ["ok", 3]}}), "kb_type",
     "translations.en.variants[1]"),
    (_item(translations={"en": {"question": "q" * 10_001, "answer": "a"}}), "kb_too_long", "translations.en.question"),
])
def test_bad_item_names_item_and_field(tmp_path, item, code, field):
    with pytest.raises(KnowledgeFormatError) as caught:
        kb_entries_load(kb_write(tmp_path, [KB_ITEMS[1], item]))
    error = caught.value
    assert (error.code, error.index, error.field) == (code, 1, field)
    assert f"item 1" in str(error) and field in str(error)


@pytest.mark.parametrize("data", [{"items": []}, "text", 3, [["a"]]])
def test_wrong_top_level_types(tmp_path, data):
    with pytest.raises(KnowledgeFormatError) as caught:
        kb_entries_load(kb_write(tmp_path, data))
    assert caught.value.code == "kb_type"


def test_oversized_file_refused_before_reading(tmp_path, monkeypatch):
    monkeypatch.setattr(entries_module, "MAX_FILE_BYTES", 100)
    with pytest.raises(KnowledgeFormatError) as caught:
        kb_entries_load(kb_write(tmp_path))
    assert caught.value.code == "kb_too_large"


def test_missing_path_and_empty_directory(tmp_path):
    with pytest.raises(KnowledgeFormatError, match="no such file"):
        kb_entries_load(tmp_path / "absent.json")
    with pytest.raises(KnowledgeFormatError, match="no .json file"):
        kb_entries_load(tmp_path)


def test_hostile_text_is_data(tmp_path):
    item = _item(translations={"en": {"question": "<script>alert(1)</script> '; DROP TABLE x; --",
                                      "answer": "\u202eevil\x00", "variants": ["", "  "]}})
    (entry,) = kb_entries_load(kb_write(tmp_path, [item]))
    assert entry.texts("en") == ["<script>alert(1)</script> '; DROP TABLE x; --"]  # blank variants dropped
