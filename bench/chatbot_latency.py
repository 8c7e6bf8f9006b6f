"""Latency of search + decide with 25 000 KB items (both retrievers), on this machine's cores.

    .venv/bin/python bench/chatbot_latency.py --items 25000 --queries 500

The 25 000 items are synthetic, recombined from real texts so that term statistics and vector
geometry stay realistic: 80 % are English items whose question and 3 variants are 4 utterances
drawn (seeded) from one CLINC150 intent's train set; 20 % are five-language items whose question
and one variant per language are drawn from one starter-KB item (pronoia/contact/knowledge/gr;
without it, all items come from CLINC150). Every synthetic text is a real text of the pool, so its
e5 vector is the pool's cached vector (the pool is encoded once; no vector is invented) and the
hybrid retriever is given those rows instead of encoding 100 000+ duplicate texts. Queries are
CLINC150 held-out utterances and starter evaluation queries (mixed, with their languages); each
query's time includes its e5 encoding, BM25, fusion, top-k and the decision.
"""
from __future__ import annotations

import argparse
import json
import os
import random
import time
from pathlib import Path

import _django  # noqa: F401
import numpy as np
from django.conf import settings

from pronoia.contact.management.commands.chatbot_clinc_prepare import DEFAULT_DATASET, clinc_prepare
from pronoia.contact.retrieval import (Bm25Retriever, HybridRetriever, KnowledgeEntry, answer_decide, dense,
                                       dense_available, kb_entries_load, kb_items_parse, thresholds_for)
from pronoia.contact.retrieval.evaluation import queries_load
from pronoia.contact.retrieval.retrievers import hybrid_texts

ROOT = Path(__file__).resolve().parent.parent
STARTER_KB = ROOT / "pronoia/contact/knowledge/gr"
STARTER_EVAL = ROOT / "pronoia/contact/knowledge/eval/gr"


def items_synthesise(n: int, clinc_kb: list[dict], starter: list[KnowledgeEntry], rng: random.Random):
    entries = []
    n_starter = n // 5 if starter else 0
    for k in range(n - n_starter):
        block = rng.choice(clinc_kb)["translations"]["en"]
        texts = rng.sample([block["question"], *block["variants"]], 4)
        entries.append(KnowledgeEntry(item_id=f"syn-en-{k}", category="synthetic", translations={
            "en": {"question": texts[0], "variants": texts[1:], "answer": texts[0]}}))
    for k in range(n_starter):
        source = rng.choice(starter)
        translations = {}
        for language, block in source.translations.items():
            pool = [block["question"], *block["variants"]]
            texts = rng.sample(pool, min(2, len(pool)))
            translations[language] = {"question": texts[0], "variants": texts[1:], "answer": block["answer"]}
        entries.append(KnowledgeEntry(item_id=f"syn-ml-{k}", category="synthetic", translations=translations))
    return entries


def percentiles(values):
    p50, p95, p99 = np.percentile(values, [50, 95, 99]).tolist()
    return {"latency_ms_p50": round(p50, 2), "latency_ms_p95": round(p95, 2), "latency_ms_p99": round(p99, 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=25_000)
    parser.add_argument("--queries", type=int, default=500)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--dataset", default=DEFAULT_DATASET)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    clinc_kb, _calibration, heldout = clinc_prepare(json.loads(Path(args.dataset).read_text(encoding="utf-8")))
    starter = kb_entries_load(STARTER_KB) if STARTER_KB.is_dir() and any(STARTER_KB.glob("*.json")) else []
    entries = items_synthesise(args.items, clinc_kb, starter, rng)

    queries = [(q["text"], q["language"]) for q in heldout]
    if STARTER_EVAL.is_dir() and any(STARTER_EVAL.glob("*.json")):
        queries += [(q.text, q.language) for q in queries_load(STARTER_EVAL)]
    rng.shuffle(queries)
    queries = queries[: args.queries]

    report = {"items": len(entries), "queries": len(queries), "cpus": os.cpu_count(),
              "load_average_at_start": round(os.getloadavg()[0], 2)}
    start = time.perf_counter()
    bm25 = Bm25Retriever(entries)
    report["bm25_build_s"] = round(time.perf_counter() - start, 1)
    retrievers = [bm25]
    if dense_available():
        texts, _owners = hybrid_texts(entries)
        # The pool is the texts of the CLINC150 KB and of the starter KB, in the order the quality
        # benchmark caches them, so their vectors usually come from the cache.
        pool = hybrid_texts(kb_items_parse(clinc_kb))[0] + (hybrid_texts(starter)[0] if starter else [])
        start = time.perf_counter()
        pool_vectors = np.vstack([
            dense.vectors_cached(hybrid_texts(kb_items_parse(clinc_kb))[0], cache_dir=settings.CONTACT_VECTOR_DIR,
                                 prefix="query"),
            *([dense.vectors_cached(hybrid_texts(starter)[0], cache_dir=settings.CONTACT_VECTOR_DIR, prefix="query")]
              if starter else [])])
        report["pool_texts"] = len(pool)
        report["pool_vectors_s"] = round(time.perf_counter() - start, 1)
        row_of = {text: i for i, text in enumerate(pool)}
        vectors = pool_vectors[[row_of[t] for t in texts]]
        start = time.perf_counter()
        retrievers.append(HybridRetriever(entries, bm25=bm25, vectors=vectors))
        report["hybrid_build_s"] = round(time.perf_counter() - start, 1)
        report["vector_rows"] = int(vectors.shape[0])
        report["vector_mb"] = round(vectors.nbytes / 1e6)
    for retriever in retrievers:
        thresholds = thresholds_for(retriever.name)
        for text, language in queries[:20]:  # warm-up (model load, caches)
            answer_decide(retriever.search(text, language=language), thresholds)
        times, kinds = [], {"answer": 0, "suggest": 0, "unknown": 0}
        for text, language in queries:
            begin = time.perf_counter()
            decision = answer_decide(retriever.search(text, language=language), thresholds)
            times.append((time.perf_counter() - begin) * 1000)
            kinds[decision.kind] += 1
        report[retriever.name] = {**percentiles(times), "decisions": kinds}
    print(json.dumps(report))


if __name__ == "__main__":
    main()
