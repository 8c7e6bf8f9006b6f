"""Writes what the local demo eID provider (eid-provider/server.mjs) needs: its configuration with
this portal as a client (our public key for private_key_jwt), and the synthetic persons as accounts.
"""
from __future__ import annotations

import json
import os
from pathlib import Path
from urllib.parse import urlsplit

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from pronoia.accounts.eid.providers import ProviderUnknown, provider_get, rp_public_jwks
from pronoia.people.models import Person


def _write_private(path: Path, data) -> None:
    """Write JSON readable by the owner only (the accounts are synthetic, the habit is not)."""
    temporary = path.with_suffix(".tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(data, handle, ensure_ascii=False)
    temporary.replace(path)


class Command(BaseCommand):
    help = "Export the synthetic persons as demo eID accounts and write the demo provider's configuration (PRONOIA_DEMO only)."

    def add_arguments(self, parser):
        parser.add_argument("--portal-port", type=int, default=8000, help="port the portal listens on (for the redirect URIs)")
        parser.add_argument("--out", type=Path, default=None, help="directory to write into; default var/eid-demo")

    def handle(self, *args, portal_port: int, out: Path | None, **options):
        try:
            provider = provider_get("demo")
        except ProviderUnknown:
            raise CommandError("The demo eID provider is configured only with PRONOIA_DEMO=1.") from None
        directory = out or settings.PRONOIA_EID_DEMO_DIR
        directory.mkdir(parents=True, exist_ok=True)
        accounts = [
            {
                "id": f"{country}-{national_id}",
                "national_id": national_id,
                "country": country,
                "given_name": given_name,
                "family_name": surname,
                "birthdate": birth_date.isoformat(),
                "names": [surname_latin, given_name_latin],
            }
            for country, national_id, given_name, surname, birth_date, surname_latin, given_name_latin in Person.objects.order_by("surname", "given_name", "pk").values_list(
                "country", "national_id", "given_name", "surname", "birth_date", "surname_latin", "given_name_latin"
            ).iterator(chunk_size=2000)
        ]
        _write_private(directory / "accounts.json", accounts)
        portals = [f"http://{host}:{portal_port}" for host in ("127.0.0.1", "localhost")]
        config = {
            "issuer": provider.issuer,
            "host": "127.0.0.1",
            "port": urlsplit(provider.issuer).port,
            "mode": "demo",
            "title": "Demo eID",
            "cookie_prefix": "demo_eid",
            "accounts_file": "accounts.json",
            "signing_keys_file": "provider-keys.json",
            "national_id_claim": provider.national_id_claim,
            "country_claim": provider.country_claim,
            "acr_values": list(provider.acr_levels),
            "acr_labels": {acr: f"{level.capitalize()} (eIDAS level of assurance)" for acr, level in provider.acr_levels.items()},
            "id_token_ttl": 300,
            "clients": [
                {
                    "client_id": provider.client_id,
                    "client_name": "Pronoia",
                    "redirect_uris": [f"{base}/sign-in/{provider.key}/callback" for base in portals],
                    "post_logout_redirect_uris": [f"{base}/" for base in portals],
                    "jwks": rp_public_jwks(provider),
                }
            ],
        }
        _write_private(directory / "config.json", config)
        self.stdout.write(f"{len(accounts)} demo eID accounts and the provider configuration written to {directory}")
