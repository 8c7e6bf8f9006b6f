"""Knowledge base: drafts, review by another content manager, publishing, retiring, history, the
assistant's revision-keyed index and the answer with its language fallback."""
import pytest

from pronoia.accounts.roles import Role
from pronoia.audit.models import AuditEvent
from pronoia.contact.models.knowledge import KnowledgeItemStatus, KnowledgeRevision, KnowledgeVersion, KnowledgeVersionStatus
from pronoia.contact.selectors import knowledge as selectors
from pronoia.contact.services import knowledge as services
from pronoia.contact.tests.factories import (
    KnowledgeProposalFactory,
    actor_of,
    content_manager_actor,
    knowledge_published,
    staff_user,
    translations_make,
)
from pronoia.core.errors import PermissionDenied, PronoiaError

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def bm25_index(settings):
    """The BM25 retriever (no dense model needed) and an empty per-process cache for each test."""
    settings.CONTACT_RETRIEVER = "bm25"
    selectors._retrievers.clear()
    yield
    selectors._retrievers.clear()


def draft_create(author, item_id="cert-901", topic="insurance status certificate", **kwargs):
    return services.knowledge_item_create(
        actor=author, country="gr", item_id=item_id, category="certificates", translations=translations_make(topic), **kwargs
    )


def reviewed_and_published(item, author, reviewer):
    services.knowledge_version_submit(actor=author, item_pk=item.pk)
    services.knowledge_version_approve(actor=reviewer, item_pk=item.pk)
    return services.knowledge_version_publish(actor=reviewer, item_pk=item.pk)


def test_a_draft_goes_through_review_to_publication():
    author, reviewer = content_manager_actor(), content_manager_actor()
    item = draft_create(author)
    assert item.status == KnowledgeItemStatus.DRAFT and item.latest_version.number == 1
    services.knowledge_version_submit(actor=author, item_pk=item.pk, number=1)
    item.refresh_from_db()
    assert item.status == KnowledgeItemStatus.IN_REVIEW
    version = services.knowledge_version_approve(actor=reviewer, item_pk=item.pk, number=1, note="Checked with the fund")
    assert version.reviewer_id == reviewer.user_id and version.reviewed_at is not None and version.review_note == "Checked with the fund"
    services.knowledge_version_publish(actor=author, item_pk=item.pk, number=1)
    item.refresh_from_db()
    assert item.status == KnowledgeItemStatus.PUBLISHED and item.published_version.number == 1
    actions = list(AuditEvent.objects.filter(object_type="knowledge_item", object_id=str(item.pk)).order_by("pk").values_list("action", flat=True))
    assert actions == ["kb_item_created", "kb_version_submitted", "kb_version_approved", "kb_version_published"]


def test_the_author_cannot_approve_their_own_version():
    author = content_manager_actor()
    item = draft_create(author)
    services.knowledge_version_submit(actor=author, item_pk=item.pk)
    with pytest.raises(PermissionDenied) as caught:
        services.knowledge_version_approve(actor=author, item_pk=item.pk)
    assert caught.value.code == "kb_self_approval" and "another content manager" in caught.value.message
    assert KnowledgeVersion.objects.get(item=item).status == KnowledgeVersionStatus.IN_REVIEW


def test_only_content_managers_with_their_second_factor_write():
    operator = actor_of(staff_user(Role.OPERATOR_L2), Role.OPERATOR_L2)
    with pytest.raises(PermissionDenied):
        draft_create(operator)
    unverified = actor_of(staff_user(Role.CONTENT_MANAGER), otp_verified=False)
    with pytest.raises(PermissionDenied, match="second factor"):
        draft_create(unverified)


def test_rejection_needs_a_note_and_returns_the_draft_to_its_author():
    author, reviewer = content_manager_actor(), content_manager_actor()
    item = draft_create(author)
    services.knowledge_version_submit(actor=author, item_pk=item.pk)
    with pytest.raises(PronoiaError) as caught:
        services.knowledge_version_reject(actor=reviewer, item_pk=item.pk, note="  ")
    assert caught.value.field == "note"
    version = services.knowledge_version_reject(actor=reviewer, item_pk=item.pk, note="The Greek answer names the wrong fund.")
    assert version.status == KnowledgeVersionStatus.REJECTED
    with pytest.raises(PronoiaError, match="approved"):
        services.knowledge_version_publish(actor=reviewer, item_pk=item.pk)
    # The author edits the same version (number 1) and sends it again.
    services.knowledge_draft_save(actor=author, item_pk=item.pk, category="certificates", translations=translations_make("status certificate"))
    assert KnowledgeVersion.objects.filter(item=item).count() == 1
    services.knowledge_version_submit(actor=author, item_pk=item.pk)


def test_a_version_in_review_cannot_be_edited_and_a_stale_page_is_refused():
    author = content_manager_actor()
    item = draft_create(author)
    services.knowledge_version_submit(actor=author, item_pk=item.pk)
    with pytest.raises(PronoiaError) as caught:
        services.knowledge_draft_save(actor=author, item_pk=item.pk, category="certificates", translations=translations_make("x"))
    assert caught.value.code == "kb_version_in_review"
    with pytest.raises(PronoiaError) as caught:
        services.knowledge_version_submit(actor=author, item_pk=item.pk, number=7)
    assert caught.value.code == "kb_version_changed"


def test_editing_a_published_item_makes_a_new_draft_and_keeps_the_published_text():
    author, reviewer = content_manager_actor(), content_manager_actor()
    item = draft_create(author)
    reviewed_and_published(item, author, reviewer)
    published_text = KnowledgeVersion.objects.get(item=item, number=1).translations
    version = services.knowledge_draft_save(actor=reviewer, item_pk=item.pk, category="certificates", translations=translations_make("pension certificate"))
    assert version.number == 2 and version.status == KnowledgeVersionStatus.DRAFT
    first = KnowledgeVersion.objects.get(item=item, number=1)
    assert first.status == KnowledgeVersionStatus.PUBLISHED and first.translations == published_text
    item.refresh_from_db()
    assert item.status == KnowledgeItemStatus.PUBLISHED and item.published_version_id == first.pk


def test_publishing_a_new_version_supersedes_the_old_and_changes_what_the_retriever_returns():
    author, reviewer = content_manager_actor(), content_manager_actor()
    knowledge_published("hist-100", topic="insurance record")
    item = draft_create(author, item_id="cert-900", topic="disability benefit")
    reviewed_and_published(item, author, reviewer)
    retriever = selectors.knowledge_retriever_get(country="gr")
    assert "cert-900" not in [hit.item_id for hit in retriever.search("apprenticeship", language="en") if hit.score > 0]
    assert retriever.search("disability benefit", language="en")[0].item_id == "cert-900"

    services.knowledge_draft_save(actor=reviewer, item_pk=item.pk, category="certificates", translations=translations_make("apprenticeship grant"))
    reviewed_and_published(item, reviewer, author)
    retriever = selectors.knowledge_retriever_get(country="gr")
    assert retriever.search("apprenticeship grant", language="en")[0].item_id == "cert-900"
    versions = {v.number: v.status for v in KnowledgeVersion.objects.filter(item=item)}
    assert versions == {1: KnowledgeVersionStatus.SUPERSEDED, 2: KnowledgeVersionStatus.PUBLISHED}
    assert "apprenticeship grant" in selectors.knowledge_answer_get(item_id="cert-900", country="gr", language="en")[1]


def test_a_retired_item_is_not_searchable_and_has_no_answer():
    item = knowledge_published("hist-200", topic="maternity allowance")
    assert selectors.knowledge_retriever_get(country="gr").search("maternity allowance", language="en")[0].item_id == "hist-200"
    services.knowledge_item_retire(actor=content_manager_actor(), item_pk=item.pk)
    ids = [hit.item_id for hit in selectors.knowledge_retriever_get(country="gr").search("maternity allowance", language="en")]
    assert "hist-200" not in ids
    assert selectors.knowledge_answer_get(item_id="hist-200", country="gr", language="en") is None
    item.refresh_from_db()
    assert item.status == KnowledgeItemStatus.RETIRED and item.published_version is not None  # history kept


def test_drafts_are_never_searchable():
    knowledge_published("hist-300", topic="insurance record")
    draft_create(content_manager_actor(), item_id="cert-301", topic="funeral grant")
    ids = [hit.item_id for hit in selectors.knowledge_retriever_get(country="gr").search("funeral grant", language="en")]
    assert "cert-301" not in ids


def test_the_index_is_rebuilt_when_another_process_bumps_the_revision(django_assert_num_queries):
    knowledge_published("hist-400", topic="insurance record")
    first = selectors.knowledge_retriever_get(country="gr")
    with django_assert_num_queries(1):  # only the revision is read while nothing changed
        assert selectors.knowledge_retriever_get(country="gr") is first
    # Another process publishes: the revision row moves; this process must notice.
    item = knowledge_published("hist-401", topic="unemployment benefit")
    revision_before = KnowledgeRevision.objects.get(country="gr").number
    rebuilt = selectors.knowledge_retriever_get(country="gr")
    assert rebuilt is not first and rebuilt.search("unemployment benefit", language="en")[0].item_id == item.item_id
    KnowledgeRevision.objects.filter(country="gr").update(number=revision_before + 5)
    assert selectors.knowledge_retriever_get(country="gr") is not rebuilt


def test_publish_and_retire_schedule_the_vector_rebuild_after_commit(django_capture_on_commit_callbacks, monkeypatch):
    calls = []
    monkeypatch.setattr("pronoia.contact.tasks.knowledge_vectors_rebuild", lambda country: calls.append(country))
    with django_capture_on_commit_callbacks(execute=True):
        item = knowledge_published("hist-500")
    with django_capture_on_commit_callbacks(execute=True):
        services.knowledge_item_retire(actor=content_manager_actor(), item_pk=item.pk)
    assert calls == ["gr", "gr"]


def test_auto_answers_with_bm25_until_the_worker_stored_the_vectors_then_hybrid(settings, monkeypatch):
    """Web processes never encode every text in a request: hybrid only once the task marked the revision."""
    from pronoia.contact import retrieval
    from pronoia.contact.tasks import knowledge_vectors_rebuild

    settings.CONTACT_RETRIEVER = "auto"
    kinds = []
    real_build = retrieval.retriever_build
    monkeypatch.setattr(retrieval, "dense_available", lambda: True)
    # Record the kind asked for; build BM25 whatever it is, so no model is loaded here.
    monkeypatch.setattr(retrieval, "retriever_build", lambda entries, *, kind, cache_dir=None: kinds.append(kind) or real_build(entries, kind="bm25"))
    knowledge_published("hist-600", topic="insurance record")
    selectors.knowledge_retriever_get(country="gr")
    assert kinds == ["bm25"]
    knowledge_vectors_rebuild.call_local("gr")
    assert kinds == ["bm25", "hybrid"] and KnowledgeRevision.objects.get(country="gr").vectors_number == 1
    knowledge_vectors_rebuild.call_local("gr")  # idempotent: this revision's vectors are stored
    assert kinds == ["bm25", "hybrid"]
    selectors.knowledge_retriever_get(country="gr")
    selectors.knowledge_retriever_get(country="gr")
    assert kinds == ["bm25", "hybrid", "hybrid"]  # switched once, then cached
    knowledge_published("hist-601", topic="sickness benefit")  # a new revision: BM25 until the worker catches up
    assert selectors.knowledge_retriever_get(country="gr").search("sickness benefit", language="en")[0].item_id == "hist-601"
    assert kinds[-1] == "bm25"


def test_the_answer_falls_back_to_the_country_language_then_english():
    translations = translations_make("insurance record", languages=("en", "el", "ru"))
    knowledge_published("hist-700", translations=translations)
    assert selectors.knowledge_answer_get(item_id="hist-700", country="gr", language="ru") == (translations["ru"]["question"], translations["ru"]["answer"])
    assert selectors.knowledge_answer_get(item_id="hist-700", country="gr", language="pl") == (translations["el"]["question"], translations["el"]["answer"])
    knowledge_published("hist-701", translations=translations_make("x", languages=("en", "el")), country="pl", category="free-set")
    # Poland's language is missing from this free-category item: English.
    assert selectors.knowledge_answer_get(item_id="hist-701", country="pl", language="bg")[0] == "How do I see my x?"
    assert selectors.knowledge_answer_get(item_id="nope", country="gr", language="en") is None


@pytest.mark.parametrize(
    ("translations", "field", "code"),
    [
        ({"en": {"question": "Q", "variants": [], "answer": "A"}}, "translations.el.question", "kb_language_missing"),
        ({"en": {"question": "", "variants": [], "answer": "A"}, "el": {"question": "Ε", "answer": "Α"}}, "translations.en.question", "kb_missing"),
        ({"en": {"question": "Q", "variants": "one", "answer": "A"}, "el": {"question": "Ε", "answer": "Α"}}, "translations.en.variants", "kb_type"),
        ({"en": {"question": "Q" * 301, "answer": "A"}, "el": {"question": "Ε", "answer": "Α"}}, "translations.en.question", "kb_too_long"),
        ({"en": {"question": "Q", "answer": "A" * 4001}, "el": {"question": "Ε", "answer": "Α"}}, "translations.en.answer", "kb_too_long"),
        ({"en": {"question": "Q", "variants": ["v"] * 0 + [f"v{i}" for i in range(31)], "answer": "A"}, "el": {"question": "Ε", "answer": "Α"}}, "translations.en.variants", "kb_too_many"),
        ({"en": {"question": "Q\x00", "answer": "A"}, "el": {"question": "Ε", "answer": "Α"}}, "translations.en.question", "kb_control_character"),
        ({"en": {"question": "Q", "answer": "A"}, "el": {"question": "Ε", "answer": "Α\u202e"}}, "translations.el.answer", "kb_control_character"),
    ],
)
def test_translations_are_refused_with_the_language_and_field(translations, field, code):
    with pytest.raises(PronoiaError) as caught:
        services.translations_clean(translations=translations, country="gr", category="certificates")
    assert (caught.value.field, caught.value.code) == (field, code)
    language = field.split(".")[1]
    assert {"en": "English", "el": "Greek"}[language] in caught.value.message


def test_translations_are_normalised_and_an_imported_free_category_needs_english_only():
    clean = services.translations_clean(
        translations={"en": {"question": "  Where?  ", "variants": ["a", " a ", "", "b"], "answer": "Line 1\r\nLine 2"}},
        country="gr", category="clinc150",
    )
    assert clean == {"en": {"question": "Where?", "variants": ["a", "b"], "answer": "Line 1\nLine 2"}}


def test_an_operator_proposal_becomes_a_draft_or_is_declined():
    operator = actor_of(staff_user(Role.OPERATOR_L1), Role.OPERATOR_L1)
    proposal = services.knowledge_proposal_create(actor=operator, country="gr", text="How long does an A1 take?", language="en", conversation_id=42)
    assert proposal.conversation_id == 42 and proposal.status == "open"
    manager = content_manager_actor()
    version = services.knowledge_proposal_draft(actor=manager, proposal_pk=proposal.pk, item_id="cert-950", category="certificates")
    assert version.translations["en"]["question"] == "How long does an A1 take?" and version.proposal_id == proposal.pk
    with pytest.raises(PronoiaError, match="already"):
        services.knowledge_proposal_decline(actor=manager, proposal_pk=proposal.pk, note="x")
    other = KnowledgeProposalFactory()
    with pytest.raises(PronoiaError) as caught:
        services.knowledge_proposal_decline(actor=manager, proposal_pk=other.pk, note="")
    assert caught.value.field == "note"
    services.knowledge_proposal_decline(actor=manager, proposal_pk=other.pk, note="Already answered by cert-003.")
    other.refresh_from_db()
    assert other.status == "declined" and other.decided_by_id == manager.user_id
    assert AuditEvent.objects.filter(action="kb_proposal_declined", object_id=str(other.pk)).exists()


def test_a_change_proposal_starts_a_draft_from_the_published_text():
    item = knowledge_published("hist-800")
    operator = actor_of(staff_user(Role.OPERATOR_L2), Role.OPERATOR_L2)
    proposal = services.knowledge_proposal_create(actor=operator, country="gr", text="The answer should mention the e-EFKA branches.", language="en", item_id="hist-800")
    version = services.knowledge_proposal_draft(actor=content_manager_actor(), proposal_pk=proposal.pk)
    assert version.number == 2 and version.translations == item.published_version.translations


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "x" * 4001}, "text"),
        ({"text": "bad\x07bell"}, "text"),
        ({"language": "de"}, "language"),
        ({"item_id": "no-such-item"}, "item_id"),
    ],
)
def test_bad_proposals_are_refused(kwargs, field):
    operator = actor_of(staff_user(Role.OPERATOR_L1), Role.OPERATOR_L1)
    with pytest.raises(PronoiaError) as caught:
        services.knowledge_proposal_create(actor=operator, country="gr", **{"text": "A question", "language": "en", **kwargs})
    assert caught.value.field == field


def test_item_ids_are_unique_per_country_in_the_database():
    from django.db import IntegrityError, transaction

    from pronoia.contact.models.knowledge import KnowledgeItem

    knowledge_published("hist-900")
    knowledge_published("hist-900", country="pl")  # another country may use the same id
    with pytest.raises(IntegrityError), transaction.atomic():
        KnowledgeItem.objects.create(country="gr", item_id="hist-900", category="portal")
    with pytest.raises(PronoiaError) as caught:
        services.knowledge_item_create(actor=content_manager_actor(), country="gr", item_id="hist-900", category="portal", translations={})
    assert caught.value.code == "kb_item_exists"
    with pytest.raises(IntegrityError), transaction.atomic():
        KnowledgeVersion.objects.create(item=KnowledgeItem.objects.get(country="gr", item_id="hist-900"), number=1, category="portal", author_label="x")
