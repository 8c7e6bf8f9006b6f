"""Recompute data-quality flags: `pronoia flags_recompute [--person ID ...] [--unmatched]`."""
from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from pronoia.insurance.quality import flags_recompute_for_persons, flags_recompute_unmatched
from pronoia.people.models import Person


class Command(BaseCommand):
    help = "Recompute data-quality flags of the given persons (default: all), and of unmatched records."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--person", type=int, action="append", dest="person_ids", help="person id (repeatable)")
        parser.add_argument("--unmatched", action="store_true", help="also recompute unmatched-record flags")

    def handle(self, *args, person_ids: list[int] | None, unmatched: bool, **options) -> None:
        ids = person_ids or Person.objects.order_by("pk").values_list("pk", flat=True)
        result = flags_recompute_for_persons(person_ids=ids)
        self.stdout.write(f"persons: {result}")
        if unmatched or not person_ids:
            self.stdout.write(f"unmatched: {flags_recompute_unmatched()}")
