"""`pronoia pki_serve --port N`: serve the test PKI's TSA, OCSP responder and CRLs on 127.0.0.1."""
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pronoia.documents.pki import pki_init, pki_serve


class Command(BaseCommand):
    help = "Serve the test PKI (time-stamp authority, OCSP, CRLs, certificates) over HTTP on 127.0.0.1."

    def add_arguments(self, parser):
        parser.add_argument("--port", type=int, default=None, help="default: the port of settings.PRONOIA_PKI_SERVICE_URL")
        parser.add_argument("--dir", default=None, help="default: settings.PRONOIA_PKI_DIR")
        parser.add_argument("--init", action="store_true", help="create the PKI first when it is missing")

    def handle(self, *args, **options):
        directory = Path(options["dir"] or settings.PRONOIA_PKI_DIR)
        configured = urlsplit(settings.PRONOIA_PKI_SERVICE_URL)
        port = options["port"] or configured.port
        if not port:
            raise CommandError("Give --port or a port in PRONOIA_PKI_SERVICE_URL.")
        if options["init"]:
            pki_init(directory, institution=settings.PRONOIA_INSTITUTION, country=settings.PRONOIA_COUNTRY)
        # Certificates name the service URL the portal uses, so serve under that same URL.
        service_url = settings.PRONOIA_PKI_SERVICE_URL if configured.port == port else f"http://127.0.0.1:{port}"
        self.stdout.write(f"Test PKI service on {service_url} (TSA at {service_url}/pronoia/tsa/tsa).")
        pki_serve(directory, port=port, service_url=service_url)
