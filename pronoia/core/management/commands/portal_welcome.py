"""Prints where the portal runs and how to sign in (shown by `make run`)."""
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Print how to reach and sign in to the local portal."

    def handle(self, *args, **options):
        self.stdout.write(
            "\nPronoia is starting on http://127.0.0.1:8000\n"
            "  Your insurance file (demo): http://127.0.0.1:8000/demo/sign-in  – pick any synthetic person\n"
            "  Staff back office:          http://127.0.0.1:8000/admin/        – create a user with\n"
            "                              .venv/bin/pronoia createsuperuser\n"
            "Stop with Ctrl+C.\n"
        )
