"""Reads of the knowledge base: lists and pages for content managers, export, and the assistant's index.

`knowledge_retriever_get` keeps one retriever per country in this process, tagged with the KB
revision it was built at; each call reads the revision row (one small query) and rebuilds when
another process (or this one) has published or retired since. The cache is only a cache: the
truth is the database, so any number of processes may serve the portal.
"""
from __future__ import annotations

import threading
from dataclasses import dataclass

from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Q

from pronoia.contact.models.knowledge import (
    KnowledgeItem,
    KnowledgeItemStatus,
    KnowledgeProposal,
    KnowledgeRevision,
    KnowledgeVersion,
)
from pronoia.contact.services.knowledge import COUNTRY_LANGUAGE, text_fold

PAGE_SIZE = 50
FIELDS = ("question", "variants", "answer")


@dataclass(frozen=True)
class ListFilters:
    country: str = ""
    text: str = ""
    category: str = ""
    status: str = ""


def knowledge_item_list(*, filters: ListFilters, page: int = 1) -> dict:
    """One page of items with their latest and published versions (three queries: count, rows, categories)."""
    items = KnowledgeItem.objects.select_related("latest_version", "published_version").order_by("country", "item_id")
    if filters.country:
        items = items.filter(country=filters.country)
    if filters.category:
        items = items.filter(category=filters.category)
    if filters.status:
        items = items.filter(status=filters.status)
    text = text_fold(filters.text.strip())
    if text:
        items = items.filter(Q(search_text__contains=text))
    paginator = Paginator(items, PAGE_SIZE)
    page_obj = paginator.get_page(page)
    return {"page": page_obj, "items": list(page_obj.object_list), "total": paginator.count}


def knowledge_categories() -> list[str]:
    """Every category in use (built-in and imported), for the list filter."""
    return list(KnowledgeItem.objects.order_by("category").values_list("category", flat=True).distinct())


def knowledge_item_get(*, pk: int) -> KnowledgeItem | None:
    return KnowledgeItem.objects.select_related("latest_version", "published_version").filter(pk=pk).first()


def knowledge_versions_of(*, item: KnowledgeItem) -> list[KnowledgeVersion]:
    return list(item.versions.order_by("-number"))


def knowledge_diff(*, old: dict | None, new: dict) -> list[dict]:
    """Per language and field, what changed from `old` (the published text) to `new` (a draft).

    Rows: {"language", "field", "old", "new", "changed"}; variants are compared as lists and also
    given as "added" and "removed".
    """
    old = old or {}
    rows = []
    languages = [lang for lang in settings_languages() if lang in old or lang in new]
    for language in languages:
        before, after = old.get(language) or {}, new.get(language) or {}
        for name in FIELDS:
            a = before.get(name, [] if name == "variants" else "")
            b = after.get(name, [] if name == "variants" else "")
            row = {"language": language, "field": name, "old": a, "new": b, "changed": a != b}
            if name == "variants":
                row["added"] = [v for v in b if v not in a]
                row["removed"] = [v for v in a if v not in b]
            rows.append(row)
    return rows


def settings_languages() -> list[str]:
    return [code for code, _name in settings.LANGUAGES]


def knowledge_proposal_list(*, status: str = KnowledgeProposal.Status.OPEN) -> list[KnowledgeProposal]:
    return list(KnowledgeProposal.objects.filter(status=status).select_related("item").order_by("created_at", "pk")[:200])


def knowledge_proposal_open_count() -> int:
    return KnowledgeProposal.objects.filter(status=KnowledgeProposal.Status.OPEN).count()


def knowledge_export(*, country: str, status: str = KnowledgeItemStatus.PUBLISHED) -> list[dict]:
    """Items in the import format. Published (and retired) items give their published text; drafts
    and items in review their latest version. `status` "" exports every item."""
    items = KnowledgeItem.objects.filter(country=country).select_related("latest_version", "published_version").order_by("item_id")
    if status:
        items = items.filter(status=status)
    out = []
    for item in items:
        version = item.published_version if item.status in (KnowledgeItemStatus.PUBLISHED, KnowledgeItemStatus.RETIRED) else item.latest_version
        if version is None:
            continue
        out.append({"id": item.item_id, "category": version.category, "translations": version.translations})
    return out


# --- the assistant's index -------------------------------------------------------------------

_cache_lock = threading.Lock()
# country -> ((revision, kind), retriever). A per-process cache tagged with the revision, never the truth.
_retrievers: dict[str, tuple[tuple[int, str], object]] = {}


def knowledge_revision_get(*, country: str) -> int:
    return KnowledgeRevision.objects.filter(country=country).values_list("number", flat=True).first() or 0


def knowledge_entries_published(*, country: str) -> list:
    """The published items of a country as the retrieval engine's entries."""
    from pronoia.contact.retrieval import KnowledgeEntry

    rows = (
        KnowledgeItem.objects.filter(country=country, status=KnowledgeItemStatus.PUBLISHED, published_version__isnull=False)
        .order_by("item_id")
        .values_list("item_id", "published_version__category", "published_version__translations")
    )
    return [KnowledgeEntry(item_id=item_id, category=category, translations=translations) for item_id, category, translations in rows]


def knowledge_retriever_build(*, country: str, kind: str):
    from pronoia.contact.retrieval import retriever_build

    cache_dir = settings.CONTACT_VECTOR_DIR
    return retriever_build(knowledge_entries_published(country=country), kind=kind, cache_dir=cache_dir)


def _kind_for(*, revision: int, vectors_revision: int) -> str:
    """The retriever kind to build now: `auto` is hybrid only once the worker stored this revision's vectors."""
    kind = settings.CONTACT_RETRIEVER
    if kind != "auto":
        return kind
    from pronoia.contact.retrieval import dense_available

    return "hybrid" if dense_available() and vectors_revision >= revision else "bm25"


def knowledge_retriever_get(*, country: str):
    """The retriever over the country's published items, rebuilt when the KB revision changed.

    One query per call (the revision row). With the default kind ("auto") the index is BM25 until
    the worker has encoded the dense vectors of this revision (knowledge_vectors_rebuild), then hybrid.
    """
    row = KnowledgeRevision.objects.filter(country=country).values_list("number", "vectors_number").first() or (0, 0)
    revision, vectors_revision = row
    kind = _kind_for(revision=revision, vectors_revision=vectors_revision)
    key = (revision, kind)
    cached = _retrievers.get(country)
    if cached is not None and cached[0] == key:
        return cached[1]
    with _cache_lock:
        cached = _retrievers.get(country)
        if cached is not None and cached[0] == key:
            return cached[1]
        # The revision was read before the entries: a publish in between makes the next call rebuild again.
        retriever = knowledge_retriever_build(country=country, kind=kind)
        _retrievers[country] = (key, retriever)
        return retriever


def knowledge_answer_get(*, item_id: str, country: str, language: str) -> tuple[str, str] | None:
    """(question, answer) of a published item in `language`, else the country's language, else English."""
    translations = (
        KnowledgeItem.objects.filter(country=country, item_id=item_id, status=KnowledgeItemStatus.PUBLISHED)
        .values_list("published_version__translations", flat=True)
        .first()
    )
    if not translations:
        return None
    for candidate in (language, COUNTRY_LANGUAGE.get(country, "en"), "en"):
        block = translations.get(candidate)
        if block and block.get("answer"):
            return block["question"], block["answer"]
    return None
