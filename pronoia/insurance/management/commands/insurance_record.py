"""Print a person's insurance record: `pronoia insurance_record NATIONAL_ID --format json|csv`."""
from __future__ import annotations

import json

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pronoia.core.errors import PronoiaError
from pronoia.insurance.record_csv import insurance_record_csv_write
from pronoia.insurance.selectors import insurance_record_get_by_national_id


class Command(BaseCommand):
    help = "Print the insurance record of the person with this national identifier as JSON or CSV."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("national_id")
        parser.add_argument("--format", choices=["json", "csv"], default="json")
        parser.add_argument("--country", help="country code (gr, pl, bg) when the identifier is ambiguous")

    def handle(self, *args, national_id: str, format: str, country: str | None, **options) -> None:
        try:
            record = insurance_record_get_by_national_id(national_id=national_id, country=country)
        except PronoiaError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from exc
        if format == "csv":
            insurance_record_csv_write(record, self.stdout)
        else:
            self.stdout.write(json.dumps(record, ensure_ascii=False, indent=2))
