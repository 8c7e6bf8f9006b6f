"""Retrieval quality of both retrievers, calibrated on one half and reported on the other.

    .venv/bin/python bench/chatbot_retrieval.py --out bench/out/chatbot [--write-thresholds]

(a) CLINC150 (/work/shared/datasets/clinc150/clinc150_dev.json): the KB is one item per intent;
    thresholds are calibrated on the calibration half (val + oos_val by hash, plus oos_train) and
    the figures are measured on the held-out half, never seen during calibration or design.
(b) The starter KB (pronoia/contact/knowledge/gr with pronoia/contact/knowledge/eval/gr), when
    present: its eval queries are split by a SHA-256 of the text into a development half
    (thresholds calibrated there) and a test half (figures reported), and the test half is also
    reported with the CLINC-calibrated thresholds.

--write-thresholds stores the thresholds calibrated on the starter development half (or, without
a starter set, on the CLINC calibration half) in pronoia/contact/retrieval/thresholds.json.
Prints one JSON object per line.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import time
from pathlib import Path

import _django  # noqa: F401
from django.conf import settings

from pronoia.contact.management.commands.chatbot_clinc_prepare import DEFAULT_DATASET, clinc_prepare
from pronoia.contact.retrieval import dense_available, kb_entries_load, kb_items_parse, retriever_build
from pronoia.contact.retrieval.evaluation import (figures_compute, queries_load, queries_parse, rankings_compute,
                                                  thresholds_calibrate)

ROOT = Path(__file__).resolve().parent.parent
STARTER_KB = ROOT / "pronoia/contact/knowledge/gr"
STARTER_EVAL = ROOT / "pronoia/contact/knowledge/eval/gr"


def starter_half(text: str) -> str:
    return "dev" if hashlib.sha256(("starter:" + text).encode()).digest()[0] % 2 == 0 else "test"


def emit(row: dict) -> None:
    print(json.dumps(row), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--dataset", default=DEFAULT_DATASET)
    parser.add_argument("--out", default=str(ROOT / "bench/out/chatbot"))
    parser.add_argument("--retrievers", default="bm25,hybrid")
    parser.add_argument("--write-thresholds", action="store_true")
    args = parser.parse_args()
    kinds = [k for k in args.retrievers.split(",") if k != "hybrid" or dense_available()]
    cache_dir = settings.CONTACT_VECTOR_DIR
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    kb, calibration, heldout = clinc_prepare(json.loads(Path(args.dataset).read_text(encoding="utf-8")))
    entries = kb_items_parse(kb)
    ids = {e.item_id for e in entries}
    calibration_q, heldout_q = queries_parse(calibration, item_ids=ids), queries_parse(heldout, item_ids=ids)
    chosen: dict[str, dict] = {}
    clinc_thresholds = {}
    for kind in kinds:
        start = time.perf_counter()
        retriever = retriever_build(entries, kind=kind, cache_dir=cache_dir)
        built_s = time.perf_counter() - start
        calibrated = thresholds_calibrate(rankings_compute(retriever, calibration_q))
        clinc_thresholds[kind] = calibrated.thresholds
        figures = figures_compute(rankings_compute(retriever, heldout_q), calibrated.thresholds)
        emit({"set": "clinc150-heldout", "retriever": kind, "items": len(entries), "build_s": round(built_s, 1),
              "thresholds": calibrated.thresholds.__dict__, "calibration_feasible": calibrated.feasible,
              "calibration_figures": calibrated.figures, **figures})
        chosen[kind] = calibrated.thresholds.__dict__

    if STARTER_KB.is_dir() and any(STARTER_KB.glob("*.json")) and STARTER_EVAL.is_dir() and any(STARTER_EVAL.glob("*.json")):
        entries = kb_entries_load(STARTER_KB)
        known = {e.item_id for e in entries}
        every = queries_load(STARTER_EVAL)
        # The KB parts are written while this runs: a query whose item is not (yet) in the KB is
        # left out and counted, rather than failing the run.
        queries = [q for q in every if q.expected is None or q.expected in known]
        emit({"set": "starter", "items": len(entries), "queries": len(queries),
              "out_of_scope": sum(q.expected is None for q in queries), "dropped_unknown_item": len(every) - len(queries)})
        dev = [q for q in queries if starter_half(q.text) == "dev"]
        test = [q for q in queries if starter_half(q.text) == "test"]
        languages = sorted({lang for e in entries for lang in e.translations})
        for kind in kinds:
            retriever = retriever_build(entries, kind=kind, cache_dir=cache_dir)
            calibrated = thresholds_calibrate(rankings_compute(retriever, dev))
            test_rankings = rankings_compute(retriever, test)
            emit({"set": "starter-test", "retriever": kind, "items": len(entries), "languages": languages,
                  "dev_queries": len(dev), "thresholds": calibrated.thresholds.__dict__,
                  "calibration_feasible": calibrated.feasible, "calibration_figures": calibrated.figures,
                  **figures_compute(test_rankings, calibrated.thresholds)})
            emit({"set": "starter-test, CLINC thresholds", "retriever": kind,
                  "thresholds": clinc_thresholds[kind].__dict__,
                  **figures_compute(test_rankings, clinc_thresholds[kind])})
            for language in languages:
                subset = [i for i, q in enumerate(test) if q.language == language]
                if subset:
                    part = type(test_rankings)(queries=[test[i] for i in subset],
                                               rankings=[test_rankings.rankings[i] for i in subset],
                                               search_ms=[test_rankings.search_ms[i] for i in subset])
                    emit({"set": f"starter-test {language}", "retriever": kind,
                          **figures_compute(part, calibrated.thresholds)})
            chosen[kind] = calibrated.thresholds.__dict__
    else:
        emit({"set": "starter", "skipped": "no files in pronoia/contact/knowledge/gr or knowledge/eval/gr"})

    if args.write_thresholds:
        path = settings.CONTACT_THRESHOLDS_FILE
        stored = json.loads(path.read_text()) if path.exists() else {}
        stored.update(chosen)
        path.write_text(json.dumps(stored, indent=2, sort_keys=True) + "\n")
        emit({"wrote": str(path), "thresholds": stored})


if __name__ == "__main__":
    main()
