"""Export knowledge-base items as JSON in the import format (kb_import of the output changes nothing)."""
from __future__ import annotations

import json

from django.conf import settings
from django.core.management.base import BaseCommand

from pronoia.contact.models.knowledge import KnowledgeItemStatus
from pronoia.contact.selectors.knowledge import knowledge_export
from pronoia.core.countries import Country


class Command(BaseCommand):
    help = "Print the knowledge base of a country as JSON in the import format."

    def add_arguments(self, parser):
        parser.add_argument("--country", default=None, choices=Country.values, help=f"country (default {settings.PRONOIA_COUNTRY})")
        parser.add_argument(
            "--status", default=KnowledgeItemStatus.PUBLISHED, choices=[*KnowledgeItemStatus.values, "all"],
            help="items of this status (default published; 'all' for every item)",
        )

    def handle(self, *args, **options):
        status = "" if options["status"] == "all" else options["status"]
        items = knowledge_export(country=options["country"] or settings.PRONOIA_COUNTRY, status=status)
        self.stdout.write(json.dumps(items, ensure_ascii=False, indent=2))
