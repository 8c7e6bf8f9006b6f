"""Answer, suggest or abstain: the decision rule over one ranking, and the calibrated thresholds.

``answer`` only when the best item scores at least ``answer_min`` *and* beats the best different
item by at least ``margin_min`` (two near-equal candidates mean the question is ambiguous);
otherwise ``suggest`` the (up to three) items scoring at least ``suggest_min``; otherwise
``unknown``. The suggestions are kept on every decision so a hand-over to an operator can show
what the assistant considered.

Thresholds per retriever come from ``settings.CONTACT_RETRIEVAL_THRESHOLDS`` (see
``config/settings/contact.py``), which reads ``thresholds.json`` beside this module (written by
``pronoia chatbot_calibrate --write``) and lets environment variables override it.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field


@dataclass(frozen=True)
class ScoredItem:
    item_id: str
    score: float


@dataclass(frozen=True)
class Thresholds:
    answer_min: float
    margin_min: float
    suggest_min: float


@dataclass(frozen=True)
class Decision:
    kind: str  # "answer" | "suggest" | "unknown"
    item_id: str | None
    suggestions: list[ScoredItem] = field(default_factory=list)


SUGGESTIONS_MAX = 3


def answer_decide(ranking: Sequence[ScoredItem], thresholds: Thresholds) -> Decision:
    """The decision for a ranking (best first; a repeated item id counts once, at its best score)."""
    unique: list[ScoredItem] = []
    seen: set[str] = set()
    for row in sorted(ranking, key=lambda r: -r.score):
        if row.item_id not in seen:
            seen.add(row.item_id)
            unique.append(row)
    suggestions = [row for row in unique[:SUGGESTIONS_MAX] if row.score >= thresholds.suggest_min]
    if not unique:
        return Decision(kind="unknown", item_id=None, suggestions=[])
    top = unique[0]
    runner_up = unique[1].score if len(unique) > 1 else float("-inf")
    # The epsilon keeps a margin of exactly margin_min (0.85 - 0.80) from failing on float rounding.
    if top.score >= thresholds.answer_min and top.score - runner_up >= thresholds.margin_min - 1e-9:
        return Decision(kind="answer", item_id=top.item_id, suggestions=suggestions)
    if suggestions:
        return Decision(kind="suggest", item_id=None, suggestions=suggestions)
    return Decision(kind="unknown", item_id=None, suggestions=[])


# Used only when neither thresholds.json nor settings know a retriever (never silently answers much).
_FALLBACK = {"bm25": Thresholds(answer_min=0.6, margin_min=0.1, suggest_min=0.3),
             "hybrid": Thresholds(answer_min=0.85, margin_min=0.02, suggest_min=0.75)}


def thresholds_for(retriever_name: str) -> Thresholds:
    """The calibrated thresholds of a retriever ("bm25" or "hybrid") from settings."""
    from django.conf import settings

    configured = getattr(settings, "CONTACT_RETRIEVAL_THRESHOLDS", {}) or {}
    values = configured.get(retriever_name)
    if values is None:
        if retriever_name not in _FALLBACK:
            raise KeyError(f"no thresholds for retriever {retriever_name!r}")
        return _FALLBACK[retriever_name]
    return Thresholds(answer_min=float(values["answer_min"]), margin_min=float(values["margin_min"]),
                      suggest_min=float(values["suggest_min"]))
