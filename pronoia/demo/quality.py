"""Linkage quality: the database's links of imported records compared with the generator's ground truth."""
from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

from pronoia.insurance.models import InsurancePeriod


def linkage_quality_measure(*, truth_path: Path) -> dict:
    """Compare each (source, source_record_id) of `truth_path` with the live period's linked person.

    precision = correct links / all links; recall = correct links / all ground-truth rows (every
    generated row has a true person). Rows not linked are `unlinked`, of which those waiting for
    staff are `in_review`; ground-truth rows absent from the database are `not_imported`.
    Also broken down by link method and by injected problem.
    """
    truth: dict[tuple[str, str], tuple[str, str]] = {}
    with Path(truth_path).open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh):
            truth[(row["source"], row["source_record_id"])] = (row["national_id"], row["problems"])
    sources = sorted({source for source, _ in truth})
    periods = (
        InsurancePeriod.objects.filter(source__code__in=sources)
        .exclude(status=InsurancePeriod.Status.SUPERSEDED)
        .values_list("source__code", "source_record_id", "person__national_id", "review_id", "link_method")
    )
    counts = Counter()
    by_method: dict[str, Counter] = {}
    by_problem: dict[str, Counter] = {}
    seen = 0
    for source, record_id, national_id, review_id, method in periods.iterator(chunk_size=5000):
        expected = truth.get((source, record_id))
        if expected is None:
            counts["not_in_truth"] += 1
            continue
        seen += 1
        true_id, problems = expected
        if national_id is None:
            outcome = "in_review" if review_id is not None else "unlinked_other"
        else:
            outcome = "correct" if national_id == true_id else "wrong"
        counts[outcome] += 1
        by_method.setdefault(method, Counter())[outcome] += 1
        for problem in (problems.split(";") if problems else ["none"]):
            by_problem.setdefault(problem, Counter())[outcome] += 1
    links = counts["correct"] + counts["wrong"]
    return {
        "truth_rows": len(truth),
        "imported": seen,
        "not_imported": len(truth) - seen,
        "not_in_truth": counts["not_in_truth"],
        "links": links,
        "correct": counts["correct"],
        "wrong": counts["wrong"],
        "unlinked": counts["in_review"] + counts["unlinked_other"],
        "in_review": counts["in_review"],
        "precision": counts["correct"] / links if links else 0.0,
        "recall": counts["correct"] / len(truth) if truth else 0.0,
        "by_method": {k: dict(sorted(v.items())) for k, v in sorted(by_method.items())},
        "by_problem": {k: dict(sorted(v.items())) for k, v in sorted(by_problem.items())},
    }
