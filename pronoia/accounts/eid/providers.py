"""The registry of eID providers (settings.PRONOIA_EID_PROVIDERS) and the eIDAS levels of assurance."""
from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from joserfc.jwk import ECKey, RSAKey

from pronoia.core.errors import NotFound

# eIDAS levels of assurance, weakest first (Implementing Regulation (EU) 2015/1502).
LEVELS: tuple[str, ...] = ("low", "substantial", "high")
PROVIDER_KEY = re.compile(r"^[a-z0-9][a-z0-9-]{0,31}$")


def level_rank(level: str) -> int:
    """0, 1, 2 for low, substantial, high; -1 for anything else."""
    return LEVELS.index(level) if level in LEVELS else -1


def level_satisfies(level: str, minimum: str) -> bool:
    return level_rank(level) >= level_rank(minimum) >= 0


def level_required_for(service: str = "") -> str:
    """The level a service requires: its entry in PRONOIA_EID_REQUIRED_LEVELS, else the default."""
    level = settings.PRONOIA_EID_REQUIRED_LEVELS.get(service, settings.PRONOIA_EID_DEFAULT_LEVEL) if service else settings.PRONOIA_EID_DEFAULT_LEVEL
    if level not in LEVELS:
        raise ImproperlyConfigured(f"eIDAS level {level!r} for service {service!r} is not one of {LEVELS}")
    return level


@dataclass(frozen=True)
class EidProvider:
    """One OpenID Connect provider we accept logins from, and how to read its claims."""

    key: str
    display_name: object  # str, lazy translation, or {language: name}
    issuer: str
    client_id: str
    private_key_file: str
    acr_levels: dict[str, str]
    national_id_claim: str = "national_id"
    # Claim with the ISO country of the identifier; `country` applies when the provider has none.
    country_claim: str = "country"
    country: str = ""
    scope: str = "openid profile eid"
    generate_key: bool = False
    description: object = ""
    extra: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        if isinstance(self.display_name, dict):
            language = (get_language() or "en").split("-")[0]
            return self.display_name.get(language) or self.display_name.get("en") or next(iter(self.display_name.values()), self.key)
        return str(self.display_name)

    def level_of(self, acr: object) -> str:
        """The eIDAS level an `acr` value stands for; "" when the provider did not declare it."""
        return self.acr_levels.get(acr, "") if isinstance(acr, str) else ""

    def acr_values_for(self, minimum: str) -> list[str]:
        """The provider's acr values that meet `minimum`, weakest first (sent as acr_values)."""
        return sorted((acr for acr, level in self.acr_levels.items() if level_satisfies(level, minimum)), key=lambda acr: level_rank(self.acr_levels[acr]))

    @property
    def rp_key_path(self) -> Path:
        return Path(self.private_key_file)


def _provider_from_setting(entry: dict) -> EidProvider:
    known = {f for f in EidProvider.__dataclass_fields__ if f != "extra"}
    missing = {"key", "display_name", "issuer", "client_id", "private_key_file", "acr_levels"} - set(entry)
    if missing:
        raise ImproperlyConfigured(f"eID provider {entry.get('key', '?')!r} lacks {sorted(missing)}")
    if not PROVIDER_KEY.match(str(entry["key"])):
        raise ImproperlyConfigured(f"eID provider key {entry['key']!r} must be lower-case letters, digits and dashes")
    bad_levels = {level for level in entry["acr_levels"].values() if level not in LEVELS}
    if bad_levels:
        raise ImproperlyConfigured(f"eID provider {entry['key']!r} maps acr values to unknown levels {sorted(bad_levels)}")
    return EidProvider(**{k: v for k, v in entry.items() if k in known}, extra={k: v for k, v in entry.items() if k not in known})


def providers_all() -> list[EidProvider]:
    """Every configured provider, in settings order; keys are unique."""
    providers = [_provider_from_setting(entry) for entry in settings.PRONOIA_EID_PROVIDERS]
    keys = [p.key for p in providers]
    if len(keys) != len(set(keys)):
        raise ImproperlyConfigured(f"eID provider keys must be unique: {keys}")
    return providers


class ProviderUnknown(NotFound):
    pass


def provider_get(key: str) -> EidProvider:
    for provider in providers_all():
        if provider.key == key:
            return provider
    raise ProviderUnknown(code="eid_provider_unknown", message=_("We do not know the sign-in provider “%(key)s”.") % {"key": key[:64]})


def rp_key_generate(path: Path) -> RSAKey:
    """Create our private key for a provider once: an RSA JWK written with mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    key = RSAKey.generate_key(2048, private=True, auto_kid=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        json.dump(key.as_dict(private=True), handle)
    return key


def rp_key_load(provider: EidProvider) -> RSAKey | ECKey:
    """Our private key for `provider` (JWK file); the demo provider creates it on first use."""
    path = provider.rp_key_path
    if not path.exists():
        if not provider.generate_key:
            raise ImproperlyConfigured(f"eID provider {provider.key!r}: private key file {path} is missing")
        try:
            return rp_key_generate(path)
        except FileExistsError:
            pass  # another process created it meanwhile
    data = json.loads(path.read_text(encoding="utf-8"))
    key = (ECKey if data.get("kty") == "EC" else RSAKey).import_key(data)
    if not key.is_private:
        raise ImproperlyConfigured(f"eID provider {provider.key!r}: {path} holds no private key")
    if not key.kid:
        key.ensure_kid()
    return key


def rp_public_jwks(provider: EidProvider) -> dict:
    """The public half of our key, as the provider registers it for private_key_jwt."""
    key = rp_key_load(provider)
    return {"keys": [{**key.as_dict(private=False), "use": "sig", "alg": "RS256" if isinstance(key, RSAKey) else "ES256"}]}
