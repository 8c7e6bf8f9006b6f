"""Import knowledge-base items (JSON import format, docs/knowledge-base.md), all or nothing."""
from __future__ import annotations

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pronoia.accounts.actors import command_actor
from pronoia.contact.services.knowledge import knowledge_import, knowledge_path_parse
from pronoia.core.countries import Country
from pronoia.core.errors import PronoiaError


class Command(BaseCommand):
    help = "Import knowledge-base items from a JSON file or a directory of them (all or nothing)."

    def add_arguments(self, parser):
        parser.add_argument("path", help="a JSON file in the import format, or a directory of *.json files")
        parser.add_argument("--country", default=None, choices=Country.values, help=f"country (default {settings.PRONOIA_COUNTRY})")
        parser.add_argument("--publish", action="store_true", help="publish what is imported (recorded as done by the system)")
        parser.add_argument("--if-empty", action="store_true", help="do nothing when the country already has items")

    def handle(self, *args, **options):
        country = options["country"] or settings.PRONOIA_COUNTRY
        try:
            items = knowledge_path_parse(path=options["path"], country=country)
            if not items:
                self.stdout.write(f"Nothing to import: {options['path']} holds no .json file.")
                return
            result = knowledge_import(
                actor=command_actor("kb_import"), country=country, items=items,
                publish=options["publish"], if_empty=options["if_empty"],
            )
        except PronoiaError as exc:
            raise CommandError(f"{exc.code}: {exc.message}") from None
        if result is None:
            self.stdout.write(f"Knowledge base of {country} already has items: nothing imported (--if-empty).")
            return
        self.stdout.write(
            f"Knowledge base of {country}: {len(result.created)} created, {len(result.updated)} changed, "
            f"{len(result.unchanged)} unchanged, {len(result.published)} published."
        )
