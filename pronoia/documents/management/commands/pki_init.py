"""`pronoia pki_init [--dir var/pki]`: create the offline test PKI (idempotent)."""
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from pronoia.documents.pki import pki_init


class Command(BaseCommand):
    help = "Create the offline TEST ONLY PKI (root, issuing CA, institution seal, TSA, OCSP, CRLs); keeps an existing one."

    def add_arguments(self, parser):
        parser.add_argument("--dir", default=None, help="where to create it (default: settings.PRONOIA_PKI_DIR)")

    def handle(self, *args, **options):
        directory = Path(options["dir"] or settings.PRONOIA_PKI_DIR)
        paths = pki_init(directory, institution=settings.PRONOIA_INSTITUTION, country=settings.PRONOIA_COUNTRY)
        self.stdout.write(f"Test PKI ready in {paths.directory} (root certificate: {paths.root_pem}).")
