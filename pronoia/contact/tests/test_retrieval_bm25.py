"""The BM25 retriever ranks the right item, across languages and inflections, deterministically."""
from __future__ import annotations

import numpy as np
import pytest

from pronoia.contact.retrieval import Bm25Retriever, kb_items_parse, retriever_build
from pronoia.contact.retrieval.bm25 import Bm25Index

from .test_retrieval_fixtures import KB_ITEMS


@pytest.fixture(scope="module")
def retriever():
    return retriever_build(kb_items_parse(KB_ITEMS), kind="bm25")


@pytest.mark.parametrize(("text", "language", "expected"), [
    ("what is the pension age", "en", "pension-age"),
    ("I have lost my job", "en", "unemployment-benefit"),
    ("όριο ηλικίας για συντάξεις", "el", "pension-age"),
    ("ΑΜΚΑ", "el", "amka"),
    ("wiek emerytalny", "pl", "pension-age"),
    ("zasilek dla bezrobotnych", "pl", "unemployment-benefit"),  # typed without diacritics
    ("пенсионный возраст", "ru", "pension-age"),
    ("обезщетението за безработица", "bg", "unemployment-benefit"),
    ("ασφαλιστικές εισφορές", None, "contributions-record"),  # language unknown: found by script
    ("пенсионный возраст", "en", "pension-age"),  # stated language wrong for the script
])
def test_ranks_expected_item_first(retriever, text, language, expected):
    ranking = retriever.search(text, language=language, limit=3)
    assert ranking and ranking[0].item_id == expected, ranking


def test_one_row_per_item_best_first_and_limit(retriever):
    ranking = retriever.search("pension age contribution record benefit number", language="en", limit=3)
    ids = [row.item_id for row in ranking]
    assert len(ids) == len(set(ids)) == 3
    assert [row.score for row in ranking] == sorted((row.score for row in ranking), reverse=True)


def test_scores_deterministic_and_normalised(retriever):
    first = retriever.search("When can I retire?", language="en")
    again = retriever_build(kb_items_parse(KB_ITEMS), kind="bm25").search("When can I retire?", language="en")
    assert first == again
    assert all(0 < row.score <= 1 for row in first)


def test_exact_text_scores_one_with_a_document_per_text():
    retriever = Bm25Retriever(kb_items_parse(KB_ITEMS), aggregate="max")
    ranking = retriever.search("When can I retire?", language="en")
    assert ranking[0].item_id == "pension-age" and ranking[0].score == 1.0
    assert Bm25Retriever(kb_items_parse(KB_ITEMS), aggregate="item").search(
        "When can I retire?", language="en")[0].item_id == "pension-age"


def test_unrelated_query_scores_low_or_nothing(retriever):
    ranking = retriever.search("recipe for chocolate cake", language="en")
    assert not ranking or ranking[0].score < 0.2


def test_empty_and_symbol_only_queries(retriever):
    assert retriever.search("", language="en") == []
    assert retriever.search("?!… ---", language=None) == []


def test_answer_text_counts_less_than_question():
    items = [
        {"id": "q", "category": "", "translations": {"en": {"question": "passport renewal", "answer": "x"}}},
        {"id": "a", "category": "", "translations": {"en": {"question": "other topic", "answer": "passport renewal"}}},
    ]
    ranking = Bm25Retriever(kb_items_parse(items)).search("passport renewal", language="en")
    assert [row.item_id for row in ranking] == ["q", "a"] and ranking[0].score > ranking[1].score


def test_bm25_index_formula():
    index = Bm25Index([["a", "b"], ["a"], ["c", "c", "d"]], k1=1.2, b=0.75)
    scores, bound = index.scores(["c", "zzz"])
    n, df = 3, 1
    idf = np.log(1 + (n - df + 0.5) / (df + 0.5))
    avgdl = 2.0
    expected_c = idf * 2 * 2.2 / (2 + 1.2 * (1 - 0.75 + 0.75 * 3 / avgdl))
    assert scores[0] == scores[1] == 0
    assert scores[2] == pytest.approx(expected_c, rel=1e-5)
    # Self-score of a 2-term query: each distinct term once in a document of length 2 (= avgdl).
    self_tf = 2.2 / (1 + 1.2 * (1 - 0.75 + 0.75 * 2 / avgdl))
    assert bound == pytest.approx((idf + np.log(1 + 3.5 / 0.5)) * self_tf, rel=1e-6)


def test_huge_query_does_not_blow_up(retriever):
    ranking = retriever.search("pension age " * 10_000, language="en")
    assert ranking[0].item_id == "pension-age"


def test_item_groups_best_and_top_mean():
    from pronoia.contact.retrieval.retrievers import _Groups

    groups = _Groups(np.array([0, 0, 0, 2, 2]))  # item 1 has no row
    values = np.array([0.5, 0.9, 0.7, 0.3, 0.1], dtype=np.float32)
    best = np.full(3, -1.0, dtype=np.float32)
    groups.best_into(best, values)
    assert best.tolist() == pytest.approx([0.9, -1.0, 0.3])
    mean = np.full(3, -1.0, dtype=np.float32)
    groups.top_mean_into(mean, values, 2)
    assert mean.tolist() == pytest.approx([0.8, -1.0, 0.2])
    groups.top_mean_into(mean, values, 5)  # fewer rows than k: the mean of all of them
    assert mean.tolist() == pytest.approx([0.7, -1.0, 0.2])
    with pytest.raises(ValueError):
        _Groups(np.array([1, 0]))
