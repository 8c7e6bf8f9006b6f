"""pronoia chatbot_clinc_prepare: turn the CLINC150 development data into a KB and two query sets.

``kb.json``: one English item per intent (category "clinc150"), its train utterances as question
(the first) and variants; the answer repeats the question (the intent name would leak the label into BM25). ``val`` + ``oos_val`` are split by a SHA-256 of each utterance into
``calibration.json`` (first digest byte even) and ``heldout.json`` (odd); ``oos_train`` goes to
calibration. Deterministic: the same dataset always gives the same files.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

DEFAULT_DATASET = "/work/shared/datasets/clinc150/clinc150_dev.json"


def clinc_half(text: str) -> str:
    return "calibration" if hashlib.sha256(text.encode("utf-8")).digest()[0] % 2 == 0 else "heldout"


def _pairs(data: dict, key: str) -> list[tuple[str, str]]:
    rows = data.get(key)
    if not isinstance(rows, list):
        raise CommandError(f"the dataset has no list under {key!r}")
    result = []
    for index, row in enumerate(rows):
        if not (isinstance(row, list) and len(row) == 2 and all(isinstance(v, str) for v in row)):
            raise CommandError(f"{key}[{index}] must be [text, intent]")
        result.append((row[0], row[1]))
    return result


def clinc_prepare(data: dict) -> tuple[list[dict], list[dict], list[dict]]:
    """(kb items, calibration queries, held-out queries) from the CLINC150 development JSON."""
    utterances: dict[str, list[str]] = {}
    for text, intent in _pairs(data, "train"):
        utterances.setdefault(intent, []).append(text)
    kb = [{"id": intent, "category": "clinc150",
           "translations": {"en": {"question": texts[0], "variants": texts[1:], "answer": texts[0]}}}
          for intent, texts in sorted(utterances.items())]
    halves: dict[str, list[dict]] = {"calibration": [], "heldout": []}
    for text, intent in _pairs(data, "val"):
        halves[clinc_half(text)].append({"text": text, "language": "en", "expected": intent})
    for text, _intent in _pairs(data, "oos_val"):
        halves[clinc_half(text)].append({"text": text, "language": "en", "expected": None})
    for text, _intent in _pairs(data, "oos_train"):
        halves["calibration"].append({"text": text, "language": "en", "expected": None})
    return kb, halves["calibration"], halves["heldout"]


class Command(BaseCommand):
    help = "Write DIR/kb.json, DIR/calibration.json and DIR/heldout.json from the CLINC150 development data."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--dataset", default=DEFAULT_DATASET)
        parser.add_argument("--out", required=True)

    def handle(self, *args, dataset: str, out: str, **options) -> None:
        try:
            data = json.loads(Path(dataset).read_text(encoding="utf-8"))
        except OSError as exc:
            raise CommandError(f"{dataset}: cannot be read ({exc.strerror})") from None
        except ValueError as exc:
            raise CommandError(f"{dataset}: not valid JSON ({exc})") from None
        if not isinstance(data, dict):
            raise CommandError(f"{dataset}: expected a JSON object with train, val, oos_train and oos_val")
        kb, calibration, heldout = clinc_prepare(data)
        directory = Path(out)
        directory.mkdir(parents=True, exist_ok=True)
        for name, rows in (("kb", kb), ("calibration", calibration), ("heldout", heldout)):
            (directory / f"{name}.json").write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
        self.stdout.write(json.dumps({"items": len(kb), "calibration": len(calibration), "heldout": len(heldout),
                                      "out": str(directory)}))
