"""A small Okapi BM25 over an inverted index held in numpy arrays.

Each posting list stores, per document, the precomputed term weight
``idf * tf * (k1 + 1) / (tf + k1 * (1 - b + b * dl / avgdl))``, so a query is a sum of a few
array slices added into one score vector. ``idf = ln(1 + (N - df + 0.5) / (df + 0.5))``
(always positive).

Scores are made comparable across queries (which the abstention thresholds need) by dividing
by the query's *self-score*: the score a document identical to the query would get (its ``n``
distinct terms once each, ``dl = n``; an unknown term counts with the idf of a term in no
document). A KB text equal to the question scores 1.0; a query whose rare words appear nowhere in
the KB cannot score high, whatever the raw ranking says. Scores are capped at 1.
"""
from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

import numpy as np


class Bm25Index:
    def __init__(self, documents: Sequence[Sequence[str]], *, k1: float = 1.2, b: float = 0.75,
                 weights: Sequence[float] | None = None):
        """``documents`` are token lists; ``weights`` (per document, default 1) scale a document's term weights."""
        self.k1, self.b = k1, b
        self.size = len(documents)
        lengths = np.array([len(d) for d in documents], dtype=np.float32)
        avgdl = float(lengths.mean()) if self.size and lengths.sum() else 1.0
        self.avgdl = avgdl
        postings: dict[str, list[tuple[int, int]]] = {}
        for index, document in enumerate(documents):
            for term, tf in Counter(document).items():
                postings.setdefault(term, []).append((index, tf))
        self.idf_unknown = math.log(1 + (self.size + 0.5) / 0.5)
        doc_weight = np.ones(self.size, dtype=np.float32) if weights is None else np.asarray(weights, np.float32)
        self.idf: dict[str, float] = {}
        self.postings: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        for term, rows in postings.items():
            ids = np.fromiter((r[0] for r in rows), dtype=np.int32, count=len(rows))
            tf = np.fromiter((r[1] for r in rows), dtype=np.float32, count=len(rows))
            idf = math.log(1 + (self.size - len(rows) + 0.5) / (len(rows) + 0.5))
            norm = k1 * (1 - b + b * lengths[ids] / avgdl)
            self.idf[term] = idf
            self.postings[term] = (ids, (idf * tf * (k1 + 1) / (tf + norm) * doc_weight[ids]).astype(np.float32))

    def scores(self, terms: Sequence[str]) -> tuple[np.ndarray, float]:
        """Raw BM25 score of every document for the distinct ``terms``, and the query's self-score."""
        result = np.zeros(self.size, dtype=np.float32)
        distinct = list(dict.fromkeys(terms))
        self_tf = (self.k1 + 1) / (1 + self.k1 * (1 - self.b + self.b * len(distinct) / self.avgdl))
        bound = 0.0
        for term in distinct:
            bound += self.idf.get(term, self.idf_unknown) * self_tf
            posting = self.postings.get(term)
            if posting is not None:
                result[posting[0]] += posting[1]  # a posting names each document once: no np.add.at needed
        return result, bound
