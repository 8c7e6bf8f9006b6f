"""pronoia audit_verify: check the hash chain of the personal-data access log."""
from __future__ import annotations

import re

from django.core.management.base import BaseCommand, CommandError

from pronoia.audit.access_log import data_access_chain_verify
from pronoia.audit.models import DataAccessEntry

_ANCHOR = re.compile(r"^(\d{1,19}):([0-9a-f]{64})$")


def _anchor_parse(text: str) -> tuple[int, str]:
    match = _ANCHOR.match(text.strip().lower())
    if not match:
        raise CommandError(f"--anchor must be ID:HASH (a number, a colon and 64 hex digits), not {text[:80]!r}")
    return int(match.group(1)), match.group(2)


class Command(BaseCommand):
    help = (
        "Walk the personal-data access log in id order, recompute every hash and check the links. "
        "Exits 0 when the chain is intact; otherwise exits 1 naming the first broken entry."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--anchor", action="append", default=[], metavar="ID:HASH",
            help="an entry id and the hash recorded for it earlier (outside the database); repeatable",
        )
        parser.add_argument("--progress-every", type=int, default=100_000, metavar="N", help="report progress every N entries (default 100000)")

    def handle(self, *args, anchor: list[str], progress_every: int, verbosity: int, **options) -> None:
        if progress_every < 1:
            raise CommandError("--progress-every must be at least 1")
        anchors: dict[int, str] = {}
        for text in anchor:
            entry_id, entry_hash = _anchor_parse(text)
            anchors[entry_id] = entry_hash
        total = DataAccessEntry.objects.count()

        def progress(checked: int) -> None:
            if verbosity >= 1:
                self.stderr.write(f"checked {checked} of about {total} entries")

        report = data_access_chain_verify(anchors=anchors, progress=progress, progress_every=progress_every)
        if report.broken is not None:
            broken = report.broken
            raise CommandError(
                f"access log broken at entry #{broken.entry_id} ({broken.kind}): {broken.detail}. "
                f"{report.checked} entries before it are intact.",
                returncode=1,
            )
        head = f"head #{report.head_id} {report.head_hash}" if report.head_id is not None else "the log is empty"
        self.stdout.write(f"{report.checked} entries checked, OK; {head}")
