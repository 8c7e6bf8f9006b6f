"""Knowledge base import and export: the JSON format, all-or-nothing, clear errors, round trip, commands."""
import json

import pytest
from django.core.management import CommandError, call_command

from pronoia.accounts.actors import command_actor
from pronoia.audit.models import AuditEvent
from pronoia.contact.models.knowledge import KnowledgeItem, KnowledgeItemStatus, KnowledgeRevision, KnowledgeVersion, KnowledgeVersionStatus
from pronoia.contact.selectors import knowledge as selectors
from pronoia.contact.services import knowledge as services
from pronoia.contact.tests.factories import content_manager_actor, kb_item_json
from pronoia.core.errors import PermissionDenied

pytestmark = pytest.mark.django_db


def write(path, items) -> str:
    path.write_text(json.dumps(items, ensure_ascii=False, indent=2), encoding="utf-8")
    return str(path)


def kb_import(path, *args) -> str:
    from io import StringIO

    out = StringIO()
    call_command("kb_import", str(path), "--country", "gr", *args, stdout=out)
    return out.getvalue()


def snapshot() -> list:
    return list(KnowledgeVersion.objects.order_by("pk").values_list("item__item_id", "number", "status", "translations"))


def test_a_valid_file_is_imported_and_published_by_the_system(tmp_path):
    path = write(tmp_path / "kb.json", [kb_item_json("hist-001"), kb_item_json("cert-001", topic="A1 certificate", category="certificates")])
    out = kb_import(path, "--publish")
    assert "2 created" in out and "2 published" in out
    item = KnowledgeItem.objects.get(item_id="cert-001")
    assert item.status == KnowledgeItemStatus.PUBLISHED and item.category == "certificates"
    version = item.published_version
    assert version.author_label == "system" and version.reviewer_label == "system" and version.author_id is None
    assert set(version.translations) == {"en", "el", "pl", "bg", "ru"}
    assert KnowledgeRevision.objects.get(country="gr").number == 1
    assert AuditEvent.objects.filter(action="kb_imported", actor_label="system").count() == 1


def test_without_publish_the_imported_items_are_drafts(tmp_path):
    kb_import(write(tmp_path / "kb.json", [kb_item_json("hist-001")]))
    assert KnowledgeItem.objects.get().status == KnowledgeItemStatus.DRAFT
    assert selectors.knowledge_entries_published(country="gr") == []


def test_a_directory_is_merged_and_an_empty_directory_imports_nothing(tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "Nothing to import" in kb_import(empty, "--publish", "--if-empty")
    parts = tmp_path / "gr"
    parts.mkdir()
    write(parts / "part-a.json", [kb_item_json("hist-001")])
    write(parts / "part-b.json", [kb_item_json("pens-001", topic="pension", category="pensions")])
    (parts / "notes.txt").write_text("not a KB file", encoding="utf-8")
    kb_import(parts, "--publish", "--if-empty")
    assert sorted(KnowledgeItem.objects.values_list("item_id", flat=True)) == ["hist-001", "pens-001"]
    # --if-empty: a second run (e.g. the next `make run`) does nothing, even with a new file.
    write(parts / "part-c.json", [kb_item_json("port-001", topic="portal", category="portal")])
    assert "nothing imported" in kb_import(parts, "--publish", "--if-empty")
    assert KnowledgeItem.objects.count() == 2


def test_an_unchanged_item_gets_no_new_version_and_a_changed_one_does(tmp_path):
    path = tmp_path / "kb.json"
    write(path, [kb_item_json("hist-001"), kb_item_json("hist-002", topic="periods")])
    kb_import(path, "--publish")
    changed = kb_item_json("hist-002", topic="insurance periods")
    write(path, [kb_item_json("hist-001"), changed])
    assert "1 changed, 1 unchanged" in kb_import(path, "--publish")
    assert KnowledgeVersion.objects.filter(item__item_id="hist-001").count() == 1
    versions = dict(KnowledgeVersion.objects.filter(item__item_id="hist-002").values_list("number", "status"))
    assert versions == {1: KnowledgeVersionStatus.SUPERSEDED, 2: KnowledgeVersionStatus.PUBLISHED}


def test_export_then_import_changes_nothing(tmp_path, capsys):
    kb_import(write(tmp_path / "kb.json", [kb_item_json("hist-001"), kb_item_json("cert-002", topic="A1", category="certificates")]), "--publish")
    before, revision = snapshot(), KnowledgeRevision.objects.get(country="gr").number
    capsys.readouterr()
    call_command("kb_export", "--country", "gr", "--status", "published")
    exported = capsys.readouterr().out
    assert [item["id"] for item in json.loads(exported)] == ["cert-002", "hist-001"]
    (tmp_path / "export.json").write_text(exported, encoding="utf-8")
    assert "0 created, 0 changed, 2 unchanged" in kb_import(tmp_path / "export.json", "--publish")
    assert snapshot() == before and KnowledgeRevision.objects.get(country="gr").number == revision
    # The export is the import format exactly.
    first = json.loads(exported)[0]
    assert set(first) == {"id", "category", "translations"} and set(first["translations"]["en"]) == {"question", "variants", "answer"}


def test_malformed_json_is_refused_with_the_line(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('[{"id": "hist-001", "category": "portal",\n "translations": }]', encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        kb_import(path)
    assert "broken.json" in str(caught.value) and "not valid JSON" in str(caught.value) and "line 2" in str(caught.value)


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda item: item["translations"].pop("el"), ["item 2 (id hist-002)", "translations.el.question", "Greek"]),
        (lambda item: item["translations"]["en"].update(answer=""), ["item 2 (id hist-002)", "translations.en.answer"]),
        (lambda item: item["translations"]["ru"].update(variants="one"), ["item 2 (id hist-002)", "translations.ru.variants"]),
        (lambda item: item.update(id="Hist 2!"), ["item 2", "field id"]),
        (lambda item: item.update(category=""), ["item 2 (id hist-002)", "field category"]),
        (lambda item: item.pop("translations"), ["item 2 (id hist-002)", "field translations"]),
        (lambda item: item.update(colour="red"), ["item 2 (id hist-002)", "field colour"]),
        (lambda item: item["translations"].update(de={"question": "Q", "answer": "A"}), ["item 2 (id hist-002)", "Unknown language de"]),
        (lambda item: item["translations"]["el"].update(question="Ε" * 301), ["item 2 (id hist-002)", "translations.el.question", "300"]),
    ],
)
def test_a_bad_item_is_named_and_nothing_is_imported(tmp_path, mutate, expected):
    bad = kb_item_json("hist-002")
    mutate(bad)
    path = write(tmp_path / "kb.json", [kb_item_json("hist-001"), bad, kb_item_json("hist-003")])
    with pytest.raises(CommandError) as caught:
        kb_import(path, "--publish")
    message = str(caught.value)
    for part in ["kb.json", *expected]:
        assert part in message, message
    assert not KnowledgeItem.objects.exists()  # all or nothing: not even hist-001


def test_a_duplicate_id_within_a_file_and_across_files_is_refused(tmp_path):
    path = write(tmp_path / "kb.json", [kb_item_json("hist-001"), kb_item_json("hist-001", topic="other")])
    with pytest.raises(CommandError, match=r"item 2 \(id hist-001\).*twice.*item 1"):
        kb_import(path)
    parts = tmp_path / "parts"
    parts.mkdir()
    write(parts / "a.json", [kb_item_json("hist-001")])
    write(parts / "b.json", [kb_item_json("hist-001")])
    with pytest.raises(CommandError, match=r"b\.json, item 1 \(id hist-001\).*a\.json"):
        kb_import(parts)
    assert not KnowledgeItem.objects.exists()


def test_an_error_after_database_writes_rolls_everything_back(tmp_path):
    """An item in review refuses the import late (after earlier items were written): nothing stays."""
    path = tmp_path / "kb.json"
    write(path, [kb_item_json("hist-001")])
    kb_import(path, "--publish")
    item = KnowledgeItem.objects.get()
    manager = content_manager_actor()
    services.knowledge_draft_save(actor=manager, item_pk=item.pk, category="insurance-history", translations=kb_item_json("x", topic="draft text")["translations"])
    services.knowledge_version_submit(actor=manager, item_pk=item.pk)
    before = snapshot()
    write(path, [kb_item_json("new-001"), kb_item_json("hist-001", topic="changed")])
    with pytest.raises(CommandError, match=r"id hist-001.*in review"):
        kb_import(path, "--publish")
    assert snapshot() == before and not KnowledgeItem.objects.filter(item_id="new-001").exists()


def test_oversized_non_json_and_non_utf8_files_are_refused(tmp_path):
    big = tmp_path / "big.json"
    big.write_bytes(b"[" + b" " * (services.IMPORT_MAX_BYTES + 10) + b"]")
    with pytest.raises(CommandError, match="larger than 5 MB"):
        kb_import(big)
    binary = tmp_path / "picture.json"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00")
    with pytest.raises(CommandError, match="not UTF-8"):
        kb_import(binary)
    not_a_list = write(tmp_path / "object.json", {"id": "hist-001"})
    with pytest.raises(CommandError, match="JSON list"):
        kb_import(not_a_list)
    with pytest.raises(CommandError, match="no such file"):
        kb_import(tmp_path / "missing.json")
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    with pytest.raises(CommandError, match="not valid JSON"):
        kb_import(deep)
    assert not KnowledgeItem.objects.exists()


def test_a_hostile_answer_is_stored_as_text():
    hostile = kb_item_json("hist-001")
    hostile["translations"]["en"]["answer"] = '<script>alert("x")</script> See /services/.'
    items = services.knowledge_file_parse(data=json.dumps([hostile]).encode(), name="hostile.json", country="gr")
    services.knowledge_import(actor=command_actor("test"), country="gr", items=items, publish=True)
    assert selectors.knowledge_answer_get(item_id="hist-001", country="gr", language="en")[1].startswith("<script>")  # stored verbatim; escaped when shown


def test_only_the_system_publishes_on_import():
    items = services.knowledge_file_parse(data=json.dumps([kb_item_json("hist-001")]).encode(), name="kb.json", country="gr")
    with pytest.raises(PermissionDenied):
        services.knowledge_import(actor=content_manager_actor(), country="gr", items=items, publish=True)
    result = services.knowledge_import(actor=content_manager_actor(), country="gr", items=items)
    assert result.created == ["hist-001"] and KnowledgeItem.objects.get().status == KnowledgeItemStatus.DRAFT


def test_a_clinc_like_free_category_english_only_is_accepted(tmp_path):
    item = {"id": "what_is_your_name", "category": "clinc150", "translations": {"en": {"question": "what is your name", "variants": ["your name?"], "answer": "what_is_your_name"}}}
    kb_import(write(tmp_path / "kb.json", [item]), "--publish")
    assert KnowledgeItem.objects.get().category == "clinc150"


def test_the_starter_set_in_the_repository_imports_as_make_run_does():
    """`make run` loads pronoia/contact/knowledge/gr with --publish --if-empty: every file must pass."""
    from pathlib import Path

    from django.conf import settings

    starter = Path(settings.BASE_DIR) / "pronoia" / "contact" / "knowledge" / "gr"
    if not any(starter.glob("*.json")):
        pytest.skip("the starter files are not written yet")
    kb_import(starter, "--publish", "--if-empty")
    published = KnowledgeItem.objects.filter(country="gr", status=KnowledgeItemStatus.PUBLISHED).count()
    assert published == len(services.knowledge_path_parse(path=starter, country="gr")) > 0
    assert "nothing imported" in kb_import(starter, "--publish", "--if-empty")


def test_the_import_never_overwrites_a_content_managers_open_draft(tmp_path):
    path = tmp_path / "kb.json"
    write(path, [kb_item_json("hist-001")])
    kb_import(path, "--publish")
    item = KnowledgeItem.objects.get()
    manager = content_manager_actor()
    draft = kb_item_json("x", topic="work in progress")["translations"]
    services.knowledge_draft_save(actor=manager, item_pk=item.pk, category="insurance-history", translations=draft)
    before = snapshot()
    write(path, [kb_item_json("hist-001", topic="changed upstream")])
    with pytest.raises(CommandError, match=r"id hist-001.*is writing version 2"):
        kb_import(path, "--publish")
    assert snapshot() == before
    # The same text as the published version is simply unchanged: the draft stays as it is.
    write(path, [kb_item_json("hist-001")])
    assert "1 unchanged" in kb_import(path, "--publish")
    assert KnowledgeVersion.objects.get(item=item, number=2).translations["en"]["question"] == draft["en"]["question"]
