"""Import a legacy fund export (CSV) into the insurance file: see docs/legacy-import.md."""
from __future__ import annotations

import sys

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pronoia.core.errors import PronoiaError
from pronoia.insurance.models import ImportBatch
from pronoia.insurance.services import legacy_import_file

FIRST_ERRORS_SHOWN = 20


class Command(BaseCommand):
    help = "Import a legacy fund export (CSV) with record linkage."

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV file")
        parser.add_argument("--source", required=True, help="code of the source registry (created when new)")
        parser.add_argument("--encoding", default="utf-8", help="file encoding, e.g. cp1253 for Greek Windows exports")
        parser.add_argument("--country", default=None, help=f"country pack (default {settings.PRONOIA_COUNTRY})")
        parser.add_argument("--progress", action="store_true", help="show a progress bar even when not on a terminal")

    def handle(self, *args, **options):
        try:
            batch = legacy_import_file(
                path=options["file"], source_code=options["source"], country=options["country"],
                encoding=options["encoding"], progress=options["progress"] or sys.stdout.isatty(),
            )
        except PronoiaError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
        self._summary(batch)

    def _summary(self, batch: ImportBatch) -> None:
        self.stdout.write(
            f"Import batch #{batch.pk} ({batch.source.code}, {batch.file_name}): {batch.status}\n"
            f"  rows read        {batch.rows_read}\n"
            f"  created          {batch.rows_created}\n"
            f"  unchanged        {batch.rows_unchanged}\n"
            f"  superseding      {batch.rows_superseding}\n"
            f"  duplicates       {batch.rows_duplicate}\n"
            f"  unmatched        {batch.rows_unmatched}\n"
            f"  to review        {batch.rows_review}\n"
            f"  errors           {batch.rows_error}"
        )
        errors = list(batch.row_errors.order_by("line_no", "pk")[:FIRST_ERRORS_SHOWN])
        if errors:
            self.stdout.write("First errors:")
            for error in errors:
                self.stdout.write(f"  line {error.line_no}: {error.field or '-'}: {error.code}: {error.message}")
