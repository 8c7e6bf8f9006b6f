"""chatbot_eval, chatbot_calibrate and chatbot_clinc_prepare on tiny inputs with hand-computed figures."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from pronoia.contact.management.commands.chatbot_clinc_prepare import clinc_half, clinc_prepare
from pronoia.contact.retrieval import ScoredItem, Thresholds
from pronoia.contact.retrieval.evaluation import EvalQuery, Rankings, figures_compute, thresholds_calibrate

from .test_retrieval_fixtures import kb_write

KEYS = ["in_scope", "out_of_scope", "top1", "top3", "answered_correct", "answered_wrong", "oos_abstained",
        "latency_ms_p50", "latency_ms_p95"]

QUERIES = [
    {"text": "When can I retire?", "language": "en", "expected": "pension-age"},  # exact question: answered right
    {"text": "Kiedy mogę przejść na emeryturę?", "language": "pl", "expected": "pension-age"},  # right
    {"text": "What is the pension age?", "language": "en", "expected": "amka"},  # mislabelled: answered wrong
    {"text": "zzzz qqqq", "language": "en", "expected": "contributions-record"},  # nothing found
    {"text": "recipe for chocolate cake", "language": "en", "expected": None},  # out of scope, nothing found
    {"text": "When can I retire?", "language": "en", "expected": None},  # out of scope but answered
]


@pytest.fixture
def files(tmp_path, settings):
    settings.CONTACT_RETRIEVAL_THRESHOLDS = {"bm25": {"answer_min": 0.5, "margin_min": 0.05, "suggest_min": 0.2}}
    queries = tmp_path / "queries.json"
    queries.write_text(json.dumps(QUERIES, ensure_ascii=False), encoding="utf-8")
    return kb_write(tmp_path), queries


def run(name, **options):
    out, err = StringIO(), StringIO()
    call_command(name, stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def test_eval_prints_one_json_object_with_hand_computed_figures(files):
    kb, queries = files
    out, _err = run("chatbot_eval", kb=str(kb), queries=str(queries), retriever="bm25")
    figures = json.loads(out)
    assert list(figures) == KEYS
    assert {k: figures[k] for k in KEYS[:7]} == {
        "in_scope": 4, "out_of_scope": 2, "top1": 0.5, "top3": 0.5,
        "answered_correct": 0.5, "answered_wrong": 0.25, "oos_abstained": 0.5}
    assert 0 <= figures["latency_ms_p50"] <= figures["latency_ms_p95"]


def test_eval_accepts_kb_directory(files, tmp_path):
    kb, queries = files
    directory = tmp_path / "kbdir"
    directory.mkdir()
    kb.rename(directory / "part-a.json")
    out, _err = run("chatbot_eval", kb=str(directory), queries=str(queries), retriever="bm25")
    assert json.loads(out)["top1"] == 0.5


@pytest.mark.parametrize(("queries", "message"), [
    ('[{"text": "x", "language": "en"}]', "item 0, field 'expected': is missing"),
    ('[{"text": "x", "language": "de", "expected": null}]', "field 'language'"),
    ('[{"text": "", "language": "en", "expected": null}]', "field 'text'"),
    ('[{"text": "x", "language": "en", "expected": "no-such-item"}]', "not in the knowledge base"),
    ('{"text": "x"}', "JSON list of queries"),
    ('[{"text": "x",', "not valid JSON"),
])
def test_eval_bad_queries_file(files, queries, message):
    kb, path = files
    path.write_text(queries, encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        run("chatbot_eval", kb=str(kb), queries=str(path), retriever="bm25")
    assert message in str(caught.value) and str(path) in str(caught.value)


def test_eval_bad_kb_exits_non_zero_without_traceback(tmp_path):
    kb = tmp_path / "kb.json"
    kb.write_text('[{"id": "a", "category": "x", "translations": {"en": {"question": "q"}}}]')
    queries = tmp_path / "q.json"
    queries.write_text("[]")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test"}
    result = subprocess.run(
        [sys.executable, "-m", "django", "chatbot_eval", "--kb", str(kb), "--queries", str(queries),
         "--retriever", "bm25"], capture_output=True, text=True, env=env, cwd=Path(__file__).resolve().parents[3],
        timeout=60)
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert "item 0" in result.stderr and "translations.en.answer" in result.stderr and result.stdout == ""


def _rankings(rows):
    """rows: (expected, top item, top score, second score)."""
    queries, rankings = [], []
    for expected, top_item, top, second in rows:
        queries.append(EvalQuery(text="q", language="en", expected=expected))
        rankings.append([ScoredItem(top_item, top), ScoredItem("other", second)])
    return Rankings(queries=queries, rankings=rankings, search_ms=[1.0] * len(rows))


def test_calibration_respects_bounds():
    # 20 in-scope: 16 right with high clear scores, 4 wrong with high scores but small margins;
    # 10 out-of-scope: 8 low, 2 high. Best within bounds: answer the 16 right ones only, abstain on 8 OOS.
    rows = [("a", "a", 0.9 + i * 0.002, 0.7) for i in range(16)]
    rows += [("a", "b", 0.91, 0.9) for _ in range(4)]
    rows += [(None, "c", 0.5, 0.3) for _ in range(8)]
    rows += [(None, "c", 0.95, 0.6) for _ in range(2)]
    calibration = thresholds_calibrate(_rankings(rows))
    figures = calibration.figures
    assert calibration.feasible
    assert figures["answered_wrong"] <= 0.05 and figures["oos_abstained"] >= 0.8
    assert figures["answered_correct"] == 0.8  # 16 of 20: the most any point within the bounds achieves
    t = calibration.thresholds
    assert t.margin_min > 0.01 and t.suggest_min <= t.answer_min
    assert figures == figures_compute(_rankings(rows), t) | {k: figures[k] for k in ("latency_ms_p50", "latency_ms_p95")}


def test_calibration_says_when_bounds_cannot_hold():
    # Out-of-scope queries look exactly like the right answers: abstaining on 80 % means answering nothing.
    rows = [("a", "a", 0.9, 0.5)] * 10 + [(None, "c", 0.9, 0.5)] * 10
    calibration = thresholds_calibrate(_rankings(rows))
    assert calibration.feasible  # answering nothing satisfies both bounds...
    assert calibration.figures["answered_correct"] == 0.0
    rows = [("a", "b", 0.9, 0.5)] * 10 + [(None, "c", 0.1, 0.05)] * 10  # every in-scope answer is wrong
    assert thresholds_calibrate(_rankings(rows), wrong_max=-1).feasible is False  # an impossible bound


def test_calibrate_command_writes_thresholds(files, settings, tmp_path):
    kb, queries = files
    settings.CONTACT_THRESHOLDS_FILE = tmp_path / "thresholds.json"
    settings.CONTACT_THRESHOLDS_FILE.write_text('{"hybrid": {"answer_min": 0.9, "margin_min": 0.01, "suggest_min": 0.8}}')
    out, err = run("chatbot_calibrate", kb=str(kb), queries=str(queries), retriever="bm25", write=True)
    report = json.loads(out)
    stored = json.loads(settings.CONTACT_THRESHOLDS_FILE.read_text())
    assert stored["bm25"] == report["thresholds"] and stored["hybrid"]["answer_min"] == 0.9
    assert report["retriever"] == "bm25" and set(report["figures"]) == set(KEYS)
    # On this set the out-of-scope twin of an in-scope question makes the bounds hold only by answering
    # little; whatever the point, the report says whether the bounds held.
    assert report["feasible"] in (True, False) and ("no thresholds satisfy" in err) == (not report["feasible"])


def test_clinc_prepare_splits_deterministically(tmp_path):
    data = {
        "train": [["what is my balance", "balance"], ["how much money do i have", "balance"],
                  ["book a flight", "book_flight"]],
        "val": [[f"balance question {i}", "balance"] for i in range(20)],
        "oos_train": [["tell me a joke about cats", "oos"]],
        "oos_val": [[f"random thing {i}", "oos"] for i in range(10)],
    }
    kb, calibration, heldout = clinc_prepare(data)
    assert kb == [
        {"id": "balance", "category": "clinc150", "translations": {"en": {
            "question": "what is my balance", "variants": ["how much money do i have"], "answer": "what is my balance"}}},
        {"id": "book_flight", "category": "clinc150", "translations": {"en": {
            "question": "book a flight", "variants": [], "answer": "book a flight"}}},
    ]
    assert len(calibration) + len(heldout) == 31
    assert {"text": "tell me a joke about cats", "language": "en", "expected": None} in calibration
    assert all(clinc_half(q["text"]) == "heldout" for q in heldout)
    assert not {q["text"] for q in calibration} & {q["text"] for q in heldout}
    assert clinc_prepare(data) == (kb, calibration, heldout)

    source = tmp_path / "clinc.json"
    source.write_text(json.dumps(data))
    out, _err = run("chatbot_clinc_prepare", dataset=str(source), out=str(tmp_path / "out"))
    assert json.loads(out)["items"] == 2
    assert json.loads((tmp_path / "out" / "heldout.json").read_text()) == heldout


def test_clinc_prepare_bad_dataset(tmp_path):
    source = tmp_path / "clinc.json"
    source.write_text(json.dumps({"train": [["only text"]], "val": [], "oos_train": [], "oos_val": []}))
    with pytest.raises(CommandError, match=r"train\[0\] must be \[text, intent\]"):
        run("chatbot_clinc_prepare", dataset=str(source), out=str(tmp_path / "out"))
