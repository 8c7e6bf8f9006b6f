"""eID login (OpenID Connect relying party): the identity providers and the levels services require.

Environment variables:
  PRONOIA_EID_PROVIDERS_FILE  a JSON file with a list of providers (see docs/eid.md for the fields)
  PRONOIA_EID_PROVIDERS       the same list inline, as JSON (used when no file is given)
  PRONOIA_EID_DEMO_PORT       port of the local demo provider started by `make run`; default 8010
  PRONOIA_EID_DEFAULT_LEVEL   eIDAS level a sign-in needs unless its service says otherwise; default substantial
  PRONOIA_EID_REQUIRED_LEVELS JSON object service key -> level ("low", "substantial", "high")
With PRONOIA_DEMO on, the demo provider (eid-provider/ on 127.0.0.1) is added to the list.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from django.utils.translation import gettext_lazy as _

_BASE_DIR = Path(__file__).resolve().parent.parent.parent
_VAR_DIR = Path(os.environ.get("PRONOIA_VAR_DIR", _BASE_DIR / "var"))


def _providers_from_environment() -> list[dict]:
    path = os.environ.get("PRONOIA_EID_PROVIDERS_FILE", "")
    if path:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    inline = os.environ.get("PRONOIA_EID_PROVIDERS", "")
    return json.loads(inline) if inline else []


PRONOIA_EID_DEMO_PORT = int(os.environ.get("PRONOIA_EID_DEMO_PORT", "8010"))
# Files of the demo provider: its configuration, accounts and signing keys, and our key for it.
PRONOIA_EID_DEMO_DIR = _VAR_DIR / "eid-demo"
PRONOIA_EID_DEMO_PROVIDER = {
    "key": "demo",
    "display_name": _("Demo eID (synthetic persons)"),
    "issuer": f"http://127.0.0.1:{PRONOIA_EID_DEMO_PORT}",
    "client_id": "pronoia-portal",
    "private_key_file": str(PRONOIA_EID_DEMO_DIR / "rp-key.json"),
    # Only the demo creates its own key (0600, under var/, never committed).
    "generate_key": True,
    "national_id_claim": "national_id",
    "country_claim": "country",
    "acr_levels": {
        "urn:pronoia:demo-eid:loa:low": "low",
        "urn:pronoia:demo-eid:loa:substantial": "substantial",
        "urn:pronoia:demo-eid:loa:high": "high",
    },
}

PRONOIA_EID_PROVIDERS: list[dict] = _providers_from_environment()
if os.environ.get("PRONOIA_DEMO", "").strip().lower() in {"1", "true", "yes", "on"}:
    PRONOIA_EID_PROVIDERS.append(PRONOIA_EID_DEMO_PROVIDER)

PRONOIA_EID_DEFAULT_LEVEL = os.environ.get("PRONOIA_EID_DEFAULT_LEVEL", "substantial")
PRONOIA_EID_REQUIRED_LEVELS: dict[str, str] = json.loads(os.environ.get("PRONOIA_EID_REQUIRED_LEVELS", "{}"))
# (connect, read) seconds for calls to a provider; discovery documents and keys are cached this long.
PRONOIA_EID_HTTP_TIMEOUT = (3.05, 10)
PRONOIA_EID_METADATA_TTL = 3600
# Seconds of clock difference tolerated on exp/iat; how long a started sign-in may take.
PRONOIA_EID_CLOCK_LEEWAY = 30
PRONOIA_EID_PENDING_TTL = 600
