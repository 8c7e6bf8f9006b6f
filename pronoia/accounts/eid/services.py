"""The eID login: starting a sign-in (state, nonce and PKCE bound to the session) and completing it
(code exchange, ID-token checks, level of assurance, identity and person, the session, the audit log).
"""
from __future__ import annotations

import datetime
import hashlib
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.sessions.backends.base import SessionBase
from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from pronoia.accounts.eid import oidc
from pronoia.accounts.eid.oidc import EidError
from pronoia.accounts.eid.providers import EidProvider, level_required_for, level_satisfies
from pronoia.accounts.models import EidIdentity, EidNonceUse
from pronoia.accounts.services import citizen_session_start
from pronoia.audit.services import audit_record
from pronoia.core.countries import Country
from pronoia.core.errors import NotFound
from pronoia.people.models import Person
from pronoia.people.selectors import person_get_by_national_id

logger = logging.getLogger(__name__)

SESSION_PENDING_KEY = "pronoia_eid_pending"
# The raw ID token of the current sign-in, sent back as id_token_hint when signing out.
SESSION_ID_TOKEN_KEY = "pronoia_eid_id_token"
MAX_PENDING = 5
LEVEL_LABELS = {"low": gettext_lazy("low"), "substantial": gettext_lazy("substantial"), "high": gettext_lazy("high")}
NATIONAL_ID_MAX_CHARS = Person._meta.get_field("national_id").max_length


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode("utf-8")).hexdigest()


def eid_login_begin(*, session: SessionBase, provider: EidProvider, redirect_uri: str, next_url: str, service: str = "", now: Callable[[], float] = time.time) -> str:
    """Record a pending sign-in in the session and return the provider's authorization URL.

    Each sign-in has its own state, nonce and PKCE verifier; at most MAX_PENDING wait at once.
    """
    minimum = level_required_for(service)
    state, nonce, verifier = secrets.token_urlsafe(32), secrets.token_urlsafe(32), secrets.token_urlsafe(64)
    url = oidc.authorization_url_build(provider, redirect_uri=redirect_uri, state=state, nonce=nonce, code_verifier=verifier, acr_values=provider.acr_values_for(minimum))
    moment = now()
    pending = {s: p for s, p in dict(session.get(SESSION_PENDING_KEY, {})).items() if moment - p.get("created", 0) < _pending_ttl()}
    for stale in sorted(pending, key=lambda s: pending[s]["created"])[: max(0, len(pending) - MAX_PENDING + 1)]:
        del pending[stale]
    pending[state] = {"provider": provider.key, "nonce": nonce, "verifier": verifier, "next": next_url, "minimum": minimum, "created": moment}
    session[SESSION_PENDING_KEY] = pending
    return url


def _pending_ttl() -> int:
    return settings.PRONOIA_EID_PENDING_TTL


def eid_pending_take(*, session: SessionBase, provider: EidProvider, state: str, now: Callable[[], float] = time.time) -> dict:
    """Remove and return the pending sign-in of `state` (each is used once); EidError when there is none."""
    pending = dict(session.get(SESSION_PENDING_KEY, {}))
    entry = pending.pop(state, None) if state else None
    session[SESSION_PENDING_KEY] = pending
    if entry is None or entry.get("provider") != provider.key or now() - entry.get("created", 0) >= _pending_ttl():
        logger.warning("eID provider %s: callback with unknown, used or expired state", provider.key)
        raise EidError(
            code="eid_state_invalid",
            message=_("This sign-in was not started here, was already used, or took too long. Please start again."),
            status_code=400,
        )
    return entry


@dataclass(frozen=True)
class CallbackParams:
    state: str
    code: str = ""
    error: str = ""
    error_description: str = ""
    iss: str = ""


@dataclass(frozen=True)
class EidLogin:
    user: object
    person: Person
    identity: EidIdentity
    level: str
    acr: str
    next_url: str
    created: bool


PROVIDER_ERRORS = {
    "access_denied": gettext_lazy("You cancelled the sign-in, or %(provider)s did not allow it."),
    "login_required": gettext_lazy("%(provider)s needs you to sign in again."),
    "temporarily_unavailable": gettext_lazy("%(provider)s is busy at the moment. Try again in a few minutes."),
}


def _nonce_consume(provider: EidProvider, nonce: str, claims: dict, now: float) -> None:
    """Refuse an ID token whose nonce was used before, even under a new state.

    Used nonces are rows with a unique key, so every portal process sees them; a row is kept until
    the ID token that carried it has expired (after that, the token is refused anyway).
    """
    ttl = max(int(claims["exp"] - now) + settings.PRONOIA_EID_CLOCK_LEEWAY, 60)
    moment = datetime.datetime.fromtimestamp(now, tz=datetime.UTC)
    EidNonceUse.objects.filter(expires_at__lt=moment).delete()
    try:
        with transaction.atomic():
            EidNonceUse.objects.create(
                provider=provider.key, nonce_digest=_digest(nonce), used_at=moment, expires_at=moment + datetime.timedelta(seconds=ttl)
            )
    except IntegrityError:
        logger.warning("eID provider %s: nonce replayed", provider.key)
        raise EidError(code="eid_nonce_replayed", message=_("This sign-in was already used. Please start again."), status_code=400) from None


def _claim_text(claims: dict, name: str, max_chars: int) -> str:
    value = claims.get(name, "")
    if not isinstance(value, str) or len(value) > max_chars:
        return ""
    return value.strip()


def _person_for(provider: EidProvider, claims: dict) -> Person:
    national_id = _claim_text(claims, provider.national_id_claim, NATIONAL_ID_MAX_CHARS)
    country = (_claim_text(claims, provider.country_claim, 2) or provider.country).lower() if provider.country_claim else provider.country
    if not national_id or not national_id.isalnum():
        logger.warning("eID provider %s: no usable national identifier in claim %s", provider.key, provider.national_id_claim)
        raise EidError(code="eid_national_id_missing", message=_("%(provider)s did not tell us your national identifier, so we cannot find your record.") % {"provider": provider.name}, status_code=400)
    if country and country not in Country.values:
        raise EidError(code="eid_person_unknown", message=_("We hold no insurance record for this identifier."), status_code=404)
    try:
        return person_get_by_national_id(national_id=national_id, country=country or None)
    except NotFound:
        raise EidError(code="eid_person_unknown", message=_("We hold no insurance record for this identifier."), status_code=404) from None


def _identity_for(provider: EidProvider, claims: dict, person: Person) -> tuple[EidIdentity, bool]:
    subject = claims["sub"]
    identity = EidIdentity.objects.select_related("user", "person").filter(provider=provider.key, subject=subject).first()
    if identity is not None:
        if identity.person_id != person.pk:
            logger.warning("eID provider %s: subject now names another national identifier", provider.key)
            raise EidError(code="eid_identity_conflict", message=_("Your identity from %(provider)s no longer matches our records. Please contact us.") % {"provider": provider.name}, status_code=403)
        return identity, False
    User = get_user_model()
    try:
        with transaction.atomic():
            user = User(
                username=f"eid-{provider.key}-{_digest(subject)[:24]}",
                first_name=_claim_text(claims, "given_name", 150),
                last_name=_claim_text(claims, "family_name", 150),
            )
            user.set_unusable_password()
            user.save()
            identity = EidIdentity.objects.create(user=user, provider=provider.key, subject=subject, person=person)
    except IntegrityError:
        # The same first sign-in completed at the same moment in another request.
        identity = EidIdentity.objects.select_related("user", "person").get(provider=provider.key, subject=subject)
        if identity.person_id != person.pk:
            raise
        return identity, False
    return identity, True


def eid_login_complete(*, request: HttpRequest, provider: EidProvider, params: CallbackParams, redirect_uri: str, now: Callable[[], float] = time.time) -> EidLogin:
    """Finish a sign-in from the provider's callback and sign the person in, or raise EidError."""
    if params.iss and params.iss != provider.issuer:
        logger.warning("eID provider %s: callback names issuer %r", provider.key, params.iss[:100])
        raise EidError(code="eid_issuer_mismatch", message=_("The answer did not come from %(provider)s. Please start again.") % {"provider": provider.name}, status_code=400)
    if params.error:
        # A state we know is used up either way; an unknown one does not matter: nobody signs in.
        pending = dict(request.session.get(SESSION_PENDING_KEY, {}))
        pending.pop(params.state, None)
        request.session[SESSION_PENDING_KEY] = pending
        logger.info("eID provider %s returned error %s", provider.key, params.error)
        message = PROVIDER_ERRORS.get(params.error, gettext_lazy("%(provider)s could not sign you in."))
        raise EidError(code="eid_provider_error", message=str(message) % {"provider": provider.name}, status_code=400)
    pending = eid_pending_take(session=request.session, provider=provider, state=params.state, now=now)
    if not params.code:
        raise EidError(code="eid_code_missing", message=_("%(provider)s did not confirm your sign-in. Please start again.") % {"provider": provider.name}, status_code=400)
    tokens = oidc.code_exchange(provider, code=params.code, redirect_uri=redirect_uri, code_verifier=pending["verifier"])
    id_token = tokens["id_token"]
    claims = oidc.id_token_validate(provider, id_token, nonce=pending["nonce"], now=now)
    _nonce_consume(provider, pending["nonce"], claims, now())
    acr = claims.get("acr") if isinstance(claims.get("acr"), str) else ""
    level = provider.level_of(acr)
    if not level_satisfies(level, pending["minimum"]):
        logger.info("eID provider %s: acr %r (level %r) below %s", provider.key, acr, level, pending["minimum"])
        raise EidError(
            code="eid_level_too_low",
            message=_("This service needs a sign-in at level “%(required)s” or higher; %(provider)s confirmed your identity only at level “%(level)s”.")
            % {"required": LEVEL_LABELS[pending["minimum"]], "provider": provider.name, "level": LEVEL_LABELS.get(level, _("unknown"))},
            status_code=403,
        )
    if provider.national_id_claim not in claims:
        # Some providers give the person's attributes only at the userinfo endpoint.
        userinfo = oidc.userinfo_get(provider, access_token=str(tokens.get("access_token") or ""), subject=claims["sub"])
        claims = {**{k: v for k, v in userinfo.items() if k not in claims}, **claims}
    person = _person_for(provider, claims)
    with transaction.atomic():
        identity, created = _identity_for(provider, claims, person)
        EidIdentity.objects.filter(pk=identity.pk).update(last_login_at=timezone.now(), last_acr=acr[:255], last_loa=level)
        audit_record(
            action="eid_login",
            object_type="eid_identity",
            object_id=identity.pk,
            actor=identity.user,
            actor_label=identity.user.get_username(),
            person_id=person.pk,
            data={"provider": provider.key, "level": level, "acr": acr[:255], "first_login": created},
        )
    citizen_session_start(request, user=identity.user, person_id=person.pk, loa=level, provider=provider.key)
    request.session[SESSION_ID_TOKEN_KEY] = id_token
    return EidLogin(user=identity.user, person=person, identity=identity, level=level, acr=acr, next_url=pending["next"], created=created)


def eid_sign_out_url(*, session: SessionBase, post_logout_redirect_uri: str) -> str:
    """Where to send the person after the local session ends: the provider's end_session_endpoint
    with id_token_hint when it has one, else "" (then they go home). Read before the session ends.
    """
    from urllib.parse import urlencode

    from pronoia.accounts.actors import SESSION_PROVIDER_KEY
    from pronoia.accounts.eid.providers import ProviderUnknown, provider_get

    key, id_token = session.get(SESSION_PROVIDER_KEY), session.get(SESSION_ID_TOKEN_KEY)
    if not key or not id_token:
        return ""
    try:
        provider = provider_get(key)
    except ProviderUnknown:
        return ""
    endpoint = oidc.end_session_url(provider)
    if not endpoint:
        return ""
    query = urlencode({"id_token_hint": id_token, "post_logout_redirect_uri": post_logout_redirect_uri, "client_id": provider.client_id})
    return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
