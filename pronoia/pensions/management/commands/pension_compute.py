"""`pronoia pension_compute --country CC --input case.json|-`: one case's JSON in, the result JSON out.

Bad input prints `{"code", "message", "field"}` on stderr and exits with status 2.
"""
from __future__ import annotations

import json
import sys

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from pronoia.core.errors import PronoiaError
from pronoia.pensions.compute import pension_compute

MAX_INPUT_BYTES = 512 * 1024


class Command(BaseCommand):
    help = "Compute a pension forecast from a case in JSON (see docs/pensions.md)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--country", required=True, help="country pack: gr, pl or bg")
        parser.add_argument("--input", required=True, help="path of the case JSON, or - for standard input")

    def handle(self, *args, country: str, input: str, **options) -> None:
        try:
            if input == "-":
                text = sys.stdin.read(MAX_INPUT_BYTES + 1)
            else:
                with open(input, encoding="utf-8") as fh:
                    text = fh.read(MAX_INPUT_BYTES + 1)
        except (OSError, UnicodeDecodeError) as exc:
            raise CommandError(f"cannot read {input}: {exc}") from None
        try:
            if len(text) > MAX_INPUT_BYTES:
                raise PronoiaError(code="pension_input_too_large", message="The input is larger than 512 KiB.", field="input")
            try:
                data = json.loads(text)
            except (ValueError, RecursionError) as exc:  # RecursionError: hostile nesting
                raise PronoiaError(code="pension_input_invalid", message=f"The input is not valid JSON ({exc}).", field="input") from None
            result = pension_compute(country=country, data=data, today=timezone.localdate())
        except PronoiaError as exc:
            self.stderr.write(json.dumps(exc.as_dict(), ensure_ascii=False))
            raise SystemExit(2) from None
        self.stdout.write(json.dumps(result, ensure_ascii=False, indent=2))
