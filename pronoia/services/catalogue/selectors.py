"""Reads of the service catalogue: the public services of each country pack.

The catalogue is data, not state: `data/<cc>.yaml` files in the repository, loaded and checked
once per process (catalogue/loading.py) and never changed at run time, so the per-process cache
is safe with many processes. See docs/catalogue-and-forms.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from django.utils.translation import get_language
from django.utils.translation import gettext as _

from pronoia.core.errors import NotFound

LANGUAGES = ("en", "el", "pl", "bg", "ru")
ACR_LEVELS = ("low", "substantial", "high")
AUTOMATIC_KINDS = ("insurance_history_certificate", "insurance_status_certificate")
UNITS = ("insurance-records", "benefits", "international-relations")


def _pick(texts: dict[str, str], language: str | None) -> str:
    """The text in `language` (or its base language, "el-gr" -> "el"), else English."""
    language = (language or get_language() or "en").lower()
    return texts.get(language) or texts.get(language.split("-")[0]) or texts["en"]


@dataclass(frozen=True)
class Text:
    """A text in the portal's languages (en, el, pl, bg, ru); English is always present."""

    texts: dict[str, str]

    def get(self, language: str | None = None) -> str:
        return _pick(self.texts, language)

    def __str__(self) -> str:
        return self.get()


@dataclass(frozen=True)
class Authority:
    """The competent authority (cv:PublicOrganisation) of a country pack."""

    id: str
    name: Text
    homepage: str
    # ISO 3166-1 alpha-3 code of the country it serves (the EU "atu"/"country" authority tables use it).
    country_iso3: str


@dataclass(frozen=True)
class ServiceChannel:
    """A way to use the service (cv:Channel): the portal, a branch, the phone line."""

    id: str
    kind: str  # "portal" | "branch" | "phone" | "email" | "post"
    name: Text
    url: str = ""


@dataclass(frozen=True)
class LegalResource:
    """A law the service rests on (eli:LegalResource), described at the level we are sure of."""

    id: str
    title: Text
    url: str = ""  # ELI or the official publication, when known


@dataclass(frozen=True)
class EvidenceItem:
    """What the applicant provides or the institution looks up (cv:Evidence)."""

    id: str
    name: Text
    description: Text


@dataclass(frozen=True)
class ServiceOutput:
    """What the service produces (cv:Output): a certificate, a decision."""

    id: str
    name: Text
    description: Text


@dataclass(frozen=True)
class ServiceCost:
    """The fee (cv:Cost); 0 for the services here."""

    value: Decimal
    currency: str  # ISO 4217: EUR, PLN, BGN
    description: Text


@dataclass(frozen=True)
class ServiceHandling:
    unit: str  # work-queue unit: "insurance-records", "benefits", "international-relations"
    sla_days: int  # working days for a decision (0 for automatic services)
    second_approval: bool  # a decision needs a second handler's approval
    automatic: str | None  # None, or "insurance_history_certificate" / "insurance_status_certificate"
    min_acr: str  # "low" | "substantial" | "high": the eID level needed to apply


@dataclass(frozen=True)
class ServiceEntry:
    code: str  # "gr-insurance-history-certificate" (country prefix, stable, used in URLs)
    country: str  # "gr" | "pl" | "bg"
    form: str  # form definition name
    handling: ServiceHandling
    titles: Text
    descriptions: Text
    who_can_apply: Text
    authority: Authority
    channels: tuple[ServiceChannel, ...]
    legal_resources: tuple[LegalResource, ...]
    evidence: tuple[EvidenceItem, ...]
    output: ServiceOutput
    processing_time: str  # xsd:duration, e.g. "PT0S" (at once) or "P30D"
    processing_time_text: Text
    cost: ServiceCost
    keywords: tuple[str, ...] = field(default=())
    # The native name of the service where it has a well-known one (e.g. ZUS "US-7").
    official_name: str = ""

    def title(self, language: str | None = None) -> str:
        """The title in `language` (default: the active language), falling back to English."""
        return self.titles.get(language)

    def description(self, language: str | None = None) -> str:
        return self.descriptions.get(language)

    @property
    def is_automatic(self) -> bool:
        return self.handling.automatic is not None


def catalogue_services(*, country: str | None = None) -> list[ServiceEntry]:
    """The public services of one country pack (or of all packs), in the data files' order."""
    from pronoia.services.catalogue.loading import catalogue_load

    catalogue = catalogue_load()
    if country is None:
        return [entry for entries in catalogue.values() for entry in entries]
    return list(catalogue.get(country, ()))


def catalogue_service_get(code: str) -> ServiceEntry:
    """The service with this code; NotFound(code="service_unknown") when there is none."""
    from pronoia.services.catalogue.loading import catalogue_index

    entry = catalogue_index().get(code) if isinstance(code, str) else None
    if entry is None:
        raise NotFound(code="service_unknown", message=_("There is no such service."), field="service")
    return entry


def catalogue_countries() -> list[str]:
    """Country packs that have a catalogue."""
    from pronoia.services.catalogue.loading import catalogue_load

    return list(catalogue_load())
