"""The answer / suggest / unknown rule on constructed rankings, and thresholds from settings."""
from __future__ import annotations

from pronoia.contact.retrieval import Decision, ScoredItem, Thresholds, answer_decide, thresholds_for

T = Thresholds(answer_min=0.8, margin_min=0.05, suggest_min=0.5)


def rank(*pairs):
    return [ScoredItem(item_id=i, score=s) for i, s in pairs]


def test_answer_when_high_and_clear():
    decision = answer_decide(rank(("a", 0.9), ("b", 0.7), ("c", 0.4)), T)
    assert decision == Decision(kind="answer", item_id="a", suggestions=rank(("a", 0.9), ("b", 0.7)))


def test_no_answer_when_runner_up_too_close():
    decision = answer_decide(rank(("a", 0.9), ("b", 0.87), ("c", 0.6), ("d", 0.55)), T)
    assert decision.kind == "suggest" and decision.item_id is None
    assert [s.item_id for s in decision.suggestions] == ["a", "b", "c"]  # at most three


def test_margin_is_against_a_different_item():
    # The same item twice (e.g. two of its variants) is not a rival.
    decision = answer_decide(rank(("a", 0.9), ("a", 0.89), ("b", 0.6)), T)
    assert decision.kind == "answer" and decision.item_id == "a"


def test_margin_exactly_at_threshold_answers():
    assert answer_decide(rank(("a", 0.85), ("b", 0.8)), Thresholds(0.8, 0.05, 0.5)).kind == "answer"
    assert answer_decide(rank(("a", 0.85), ("b", 0.81)), Thresholds(0.8, 0.05, 0.5)).kind == "suggest"


def test_below_answer_min_suggests_items_above_suggest_min():
    decision = answer_decide(rank(("a", 0.7), ("b", 0.4)), T)
    assert decision.kind == "suggest" and [s.item_id for s in decision.suggestions] == ["a"]


def test_unknown_when_nothing_reaches_suggest_min():
    assert answer_decide(rank(("a", 0.45), ("b", 0.4)), T) == Decision(kind="unknown", item_id=None, suggestions=[])
    assert answer_decide([], T).kind == "unknown"


def test_single_candidate_has_no_rival():
    assert answer_decide(rank(("a", 0.81)), T).kind == "answer"


def test_unsorted_ranking_is_sorted_first():
    assert answer_decide(rank(("b", 0.6), ("a", 0.95)), T).item_id == "a"


def test_thresholds_from_settings(settings):
    settings.CONTACT_RETRIEVAL_THRESHOLDS = {"bm25": {"answer_min": 0.5, "margin_min": 0.1, "suggest_min": 0.2}}
    assert thresholds_for("bm25") == Thresholds(answer_min=0.5, margin_min=0.1, suggest_min=0.2)
    # A retriever absent from the file gets the conservative fallback, an unknown name an error.
    assert thresholds_for("hybrid").answer_min > 0.5
    try:
        thresholds_for("nonsense")
    except KeyError:
        pass
    else:
        raise AssertionError("an unknown retriever name must raise")


def test_settings_read_thresholds_file_and_environment(tmp_path, monkeypatch):
    import importlib

    import config.settings.contact as contact_settings

    path = tmp_path / "thresholds.json"
    path.write_text('{"hybrid": {"answer_min": 0.9, "margin_min": 0.01, "suggest_min": 0.8}}')
    monkeypatch.setenv("PRONOIA_CONTACT_THRESHOLDS_FILE", str(path))
    monkeypatch.setenv("PRONOIA_CONTACT_HYBRID_MARGIN_MIN", "0.03")
    try:
        reloaded = importlib.reload(contact_settings)
        assert reloaded.CONTACT_RETRIEVAL_THRESHOLDS == {
            "hybrid": {"answer_min": 0.9, "margin_min": 0.03, "suggest_min": 0.8}}
    finally:
        monkeypatch.undo()
        importlib.reload(contact_settings)
