"""`pronoia notifications_templates_load [--file PATH]`: store the default message templates (idempotent)."""
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from pronoia.core.errors import PronoiaError


class Command(BaseCommand):
    help = "Load the default notification templates (a new version only where texts changed)."

    def add_arguments(self, parser):
        parser.add_argument("--file", type=Path, default=None, help="a templates YAML file (default: the built-in defaults)")

    def handle(self, *args, file=None, **options):
        from pronoia.notifications.template_versions import templates_default_load

        try:
            stored = templates_default_load(path=file)
        except (PronoiaError, OSError) as exc:
            raise CommandError(str(getattr(exc, "message", exc))) from None
        self.stdout.write(f"{stored} new template version(s) stored")
