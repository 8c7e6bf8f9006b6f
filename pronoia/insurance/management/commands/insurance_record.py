"""Print a person's insurance record: `pronoia insurance_record NATIONAL_ID --purpose TEXT --format json|csv`."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pronoia.accounts.access import PURPOSE_MAX_CHARS
from pronoia.accounts.actors import command_actor
from pronoia.core.errors import PronoiaError
from pronoia.insurance.record_csv import insurance_record_csv_write
from pronoia.insurance.selectors import insurance_record_get_by_national_id


class Command(BaseCommand):
    help = (
        "Print the insurance record of the person with this national identifier as JSON or CSV. "
        "The access is written to the person's access log with the stated purpose."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("national_id")
        parser.add_argument("--purpose", required=True, help="why the record is read (shown to the person in their access log)")
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--country", help="country code (gr, pl, bg) when the identifier is ambiguous")

    def handle(self, *args, national_id: str, purpose: str, format: str, country: str | None, **options) -> None:
        purpose = purpose.strip()
        if not purpose:
            raise CommandError("purpose_required: state the purpose of this access with --purpose")
        if len(purpose) > PURPOSE_MAX_CHARS:
            raise CommandError(f"purpose_too_long: the purpose must be {PURPOSE_MAX_CHARS} characters or fewer")
        try:
            record = insurance_record_get_by_national_id(
                actor=command_actor("insurance_record"), national_id=national_id, country=country, purpose=purpose
            )
        except PronoiaError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        if format == "csv":
            insurance_record_csv_write(record, self.stdout)
        else:
            self.stdout.write(json.dumps(record, ensure_ascii=False, indent=2))
