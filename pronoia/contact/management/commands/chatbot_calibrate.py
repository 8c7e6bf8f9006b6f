"""pronoia chatbot_calibrate: choose the answer/suggest thresholds on a development query set.

Never run it on a test set: the figures it prints are optimistic on the set it tuned on.
"""
from __future__ import annotations

import json
import os
import tempfile

from django.conf import settings
from django.core.management.base import BaseCommand

from pronoia.contact.retrieval.evaluation import OOS_ABSTAIN_MIN, WRONG_MAX, rankings_compute, thresholds_calibrate

from .chatbot_eval import add_common_arguments, evaluation_inputs


class Command(BaseCommand):
    help = (
        "Grid-search answer_min, margin_min and suggest_min on a development set to maximise correct answers "
        f"with wrong answers <= {WRONG_MAX:.0%} of in-scope and >= {OOS_ABSTAIN_MIN:.0%} of out-of-scope abstained; "
        "--write stores them in the thresholds file."
    )

    def add_arguments(self, parser) -> None:
        add_common_arguments(parser)
        parser.add_argument("--write", action="store_true", help="store the thresholds in settings.CONTACT_THRESHOLDS_FILE")

    def handle(self, *args, kb: str, queries: str, retriever: str | None, cache_dir: str | None, write: bool,
               **options) -> None:
        _entries, query_set, built = evaluation_inputs(
            kb=kb, queries=queries, retriever=retriever or settings.CONTACT_RETRIEVER, cache_dir=cache_dir)
        calibration = thresholds_calibrate(rankings_compute(built, query_set))
        chosen = {"answer_min": calibration.thresholds.answer_min, "margin_min": calibration.thresholds.margin_min,
                  "suggest_min": calibration.thresholds.suggest_min}
        if not calibration.feasible:
            self.stderr.write(
                f"no thresholds satisfy answered_wrong <= {WRONG_MAX:.0%} and oos_abstained >= {OOS_ABSTAIN_MIN:.0%} "
                "on this set; the figures below are the best trade-off (smallest shortfall, then most correct answers)")
        self.stdout.write(json.dumps({"retriever": built.name, "thresholds": chosen, "feasible": calibration.feasible,
                                      "figures": calibration.figures}))
        if write:
            path = settings.CONTACT_THRESHOLDS_FILE
            try:
                stored = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                stored = {}
            stored[built.name] = chosen
            # Replace the file in one rename so a reader never sees it half written.
            with tempfile.NamedTemporaryFile("w", dir=path.parent, suffix=".tmp", delete=False, encoding="utf-8") as fh:
                json.dump(stored, fh, indent=2, sort_keys=True)
                fh.write("\n")
            os.replace(fh.name, path)
            self.stderr.write(f"wrote the {built.name} thresholds to {path}")
