"""Evaluation and threshold calibration of a retriever on a set of labelled queries.

Queries are JSON ``[{"text": ..., "language": "en" | null, "expected": "<item id>" | null}]``
(``null`` = out of scope: the assistant should not answer). Figures:

- ``top1``/``top3``: share of in-scope queries whose expected item is first / in the first three;
- ``answered_correct``/``answered_wrong``: share of in-scope queries answered with the expected /
  another item;
- ``oos_abstained``: share of out-of-scope queries whose decision is not "answer";
- ``latency_ms_p50``/``p95``: per query, search + decide.

Calibration grid-searches ``answer_min`` and ``margin_min`` over the observed scores to maximise
``answered_correct`` subject to ``answered_wrong <= 5 %`` and ``oos_abstained >= 80 %``; when no
point satisfies both, it takes the point that violates them least (sum of the shortfalls), and
among those the most correct answers. ``suggest_min`` is then chosen to maximise the share of
unanswered in-scope queries whose item is suggested plus the share of out-of-scope queries left
without suggestions.
"""
from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .decision import Decision, ScoredItem, Thresholds, answer_decide
from .entries import LANGUAGES, MAX_FILE_BYTES, KnowledgeFormatError
from .retrievers import Retriever

WRONG_MAX = 0.05
OOS_ABSTAIN_MIN = 0.80
RANK_LIMIT = 5
MAX_QUERIES = 200_000


@dataclass(frozen=True)
class EvalQuery:
    text: str
    language: str | None
    expected: str | None


def _fail(code: str, message: str, **where) -> None:
    raise KnowledgeFormatError(code=code, message=message, **where)


def queries_parse(data, *, path: str | Path | None = None, item_ids: set[str] | None = None) -> list[EvalQuery]:
    """Validated queries; ``item_ids`` (when given) must contain every expected id."""
    if not isinstance(data, list):
        _fail("kb_type", f"the file must hold a JSON list of queries, not {type(data).__name__}", path=path)
    if len(data) > MAX_QUERIES:
        _fail("kb_too_large", f"more than {MAX_QUERIES} queries", path=path)
    result = []
    for index, raw in enumerate(data):
        where = {"path": path, "index": index}
        if not isinstance(raw, dict):
            _fail("kb_type", f"a query must be a JSON object, not {type(raw).__name__}", **where)
        text, language, expected = raw.get("text"), raw.get("language"), raw.get("expected", "missing")
        if not isinstance(text, str) or not text.strip():
            _fail("kb_type" if text is not None else "kb_missing", "must be a non-empty string", field="text", **where)
        if language is not None and language not in LANGUAGES:
            _fail("kb_language", f"must be one of {', '.join(LANGUAGES)} or null", field="language", **where)
        if expected == "missing":
            _fail("kb_missing", "is missing (use null for an out-of-scope query)", field="expected", **where)
        if expected is not None and not isinstance(expected, str):
            _fail("kb_type", "must be an item id (string) or null", field="expected", **where)
        if expected is not None and item_ids is not None and expected not in item_ids:
            _fail("kb_missing", f"names item {expected!r}, which is not in the knowledge base", field="expected",
                  **where)
        result.append(EvalQuery(text=text, language=language, expected=expected))
    return result


def queries_load(path: str | Path, *, item_ids: set[str] | None = None) -> list[EvalQuery]:
    """Queries from one JSON file or every ``*.json`` file of a directory (merged)."""
    path = Path(path)
    files = sorted(p for p in path.glob("*.json") if p.is_file()) if path.is_dir() else [path]
    if not files or not files[0].exists():
        _fail("kb_missing", "no such file, or a directory without .json files", path=path)
    result: list[EvalQuery] = []
    for file in files:
        if file.stat().st_size > MAX_FILE_BYTES:
            _fail("kb_too_large", f"the file is larger than {MAX_FILE_BYTES} bytes", path=file)
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except UnicodeDecodeError as exc:
            _fail("kb_json", f"is not UTF-8 (byte {exc.start})", path=file)
        except json.JSONDecodeError as exc:
            _fail("kb_json", f"is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}", path=file)
        result.extend(queries_parse(data, path=file, item_ids=item_ids))
    return result


@dataclass
class Rankings:
    """The rankings of a query set (kept so calibration can try many thresholds without searching again)."""

    queries: list[EvalQuery]
    rankings: list[list[ScoredItem]]
    search_ms: list[float]


def rankings_compute(retriever: Retriever, queries: Sequence[EvalQuery]) -> Rankings:
    rankings, times = [], []
    for query in queries:
        start = time.perf_counter()
        rankings.append(retriever.search(query.text, language=query.language, limit=RANK_LIMIT))
        times.append((time.perf_counter() - start) * 1000)
    return Rankings(queries=list(queries), rankings=rankings, search_ms=times)


def _share(count: int, total: int) -> float:
    return round(count / total, 4) if total else 0.0


def figures_compute(rankings: Rankings, thresholds: Thresholds) -> dict:
    """The evaluation figures of precomputed rankings under thresholds (latency includes the decision)."""
    in_scope = out_scope = top1 = top3 = correct = wrong = abstained = 0
    latencies = []
    for query, ranking, search_ms in zip(rankings.queries, rankings.rankings, rankings.search_ms, strict=True):
        start = time.perf_counter()
        decision: Decision = answer_decide(ranking, thresholds)
        latencies.append(search_ms + (time.perf_counter() - start) * 1000)
        ids = [row.item_id for row in ranking]
        if query.expected is None:
            out_scope += 1
            abstained += decision.kind != "answer"
            continue
        in_scope += 1
        top1 += bool(ids) and ids[0] == query.expected
        top3 += query.expected in ids[:3]
        if decision.kind == "answer":
            correct += decision.item_id == query.expected
            wrong += decision.item_id != query.expected
    p50, p95 = (np.percentile(latencies, [50, 95]).tolist() if latencies else [0.0, 0.0])
    return {
        "in_scope": in_scope, "out_of_scope": out_scope,
        "top1": _share(top1, in_scope), "top3": _share(top3, in_scope),
        "answered_correct": _share(correct, in_scope), "answered_wrong": _share(wrong, in_scope),
        "oos_abstained": _share(abstained, out_scope),
        "latency_ms_p50": round(p50, 2), "latency_ms_p95": round(p95, 2),
    }


def _features(rankings: Rankings) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    top = np.array([r[0].score if r else -np.inf for r in rankings.rankings], dtype=np.float64)
    second = np.array([r[1].score if len(r) > 1 else -np.inf for r in rankings.rankings], dtype=np.float64)
    expected = [q.expected for q in rankings.queries]
    in_scope = np.array([e is not None for e in expected])
    right = np.array([bool(r) and e is not None and r[0].item_id == e for r, e in zip(rankings.rankings, expected)])
    # A single-row ranking has no runner-up: its margin is infinite (and never NaN).
    margin = np.full(len(top), np.inf)
    np.subtract(top, second, out=margin, where=np.isfinite(second))
    return top, margin, in_scope, right


@dataclass(frozen=True)
class Calibration:
    thresholds: Thresholds
    figures: dict
    feasible: bool  # both bounds held at the chosen point


def thresholds_calibrate(rankings: Rankings, *, wrong_max: float = WRONG_MAX,
                         oos_abstain_min: float = OOS_ABSTAIN_MIN) -> Calibration:
    """Thresholds that answer most in-scope queries right within the bounds (see the module docstring)."""
    top, margin, in_scope, right = _features(rankings)
    n_in, n_out = max(int(in_scope.sum()), 1), max(int((~in_scope).sum()), 1)
    finite = top[np.isfinite(top)]
    answer_grid = np.unique(np.round(np.quantile(finite, np.linspace(0, 1, 201)), 4)) if len(finite) else np.array([1.0])
    answer_grid = np.append(answer_grid, answer_grid.max() + 1e-3)  # "never answer" is always a candidate
    finite_margin = margin[np.isfinite(margin)]
    margin_grid = np.unique(np.round(np.concatenate([
        [0.0], np.quantile(finite_margin, np.linspace(0, 0.9, 46)) if len(finite_margin) else []]), 4))
    best_key, best = None, None
    for margin_min in margin_grid:
        margin_ok = margin >= margin_min
        for answer_min in answer_grid:
            answered = (top >= answer_min) & margin_ok
            correct = int((answered & in_scope & right).sum()) / n_in
            wrong = int((answered & in_scope & ~right).sum()) / n_in
            abstained = 1 - int((answered & ~in_scope).sum()) / n_out
            shortfall = max(0.0, wrong - wrong_max) + max(0.0, oos_abstain_min - abstained)
            key = (-round(shortfall, 6), correct, -wrong, abstained, -answer_min)
            if best_key is None or key > best_key:
                best_key, best = key, (float(answer_min), float(margin_min))
    answer_min, margin_min = best
    suggest_min = _suggest_calibrate(rankings, answer_min=answer_min, margin_min=margin_min)
    thresholds = Thresholds(answer_min=round(answer_min, 4), margin_min=round(margin_min, 4),
                            suggest_min=round(min(suggest_min, answer_min), 4))
    return Calibration(thresholds=thresholds, figures=figures_compute(rankings, thresholds),
                       feasible=best_key[0] == 0)


def _suggest_calibrate(rankings: Rankings, *, answer_min: float, margin_min: float) -> float:
    top, margin, in_scope, _right = _features(rankings)
    unanswered = ~((top >= answer_min) & (margin >= margin_min))
    # Best score of the expected item within the first three (-inf when it is not there).
    hit_score = np.array([
        max((row.score for row in r[:3] if row.item_id == q.expected), default=-np.inf)
        for r, q in zip(rankings.rankings, rankings.queries)])
    candidates = np.unique(np.round(np.quantile(top[np.isfinite(top)], np.linspace(0, 1, 101)), 4)) \
        if np.isfinite(top).any() else np.array([answer_min])
    best_value, best_score = answer_min, -1.0
    pending_in = unanswered & in_scope
    pending_out = unanswered & ~in_scope
    for value in candidates:
        if value > answer_min:
            continue
        helped = (hit_score[pending_in] >= value).mean() if pending_in.any() else 0.0
        quiet = (top[pending_out] < value).mean() if pending_out.any() else 0.0
        if helped + quiet > best_score:
            best_value, best_score = float(value), helped + quiet
    return best_value
