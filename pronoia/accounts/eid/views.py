"""eID pages: choose a provider, start the sign-in, the provider's callback, and sign-out."""
from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from pronoia.accounts.eid import services
from pronoia.accounts.eid.forms import CallbackForm, ProviderChoiceForm
from pronoia.accounts.eid.oidc import EidError
from pronoia.accounts.eid.providers import provider_get, providers_all
from pronoia.accounts.permissions import ANYONE, RoleRequiredMixin
from pronoia.accounts.services import session_end
from pronoia.core.errors import PronoiaError


def clock() -> float:
    """The relying party's clock (seconds since the epoch); tests replace it to validate tokens "later"."""
    return time.time()


def next_url_safe(request: HttpRequest, candidate: str | None) -> str:
    """`candidate` when it is a path on this portal, else the insurance record."""
    if candidate and len(candidate) <= 2000 and candidate.startswith("/") and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("insurance:record")


def error_page(request: HttpRequest, error: PronoiaError, *, provider_key: str = "") -> HttpResponse:
    context = {"error": error, "provider_key": provider_key, "retry_url": reverse("accounts:sign_in")}
    return render(request, "accounts/eid/error.html", context, status=error.status_code)


class SignInView(RoleRequiredMixin, View):
    """Choose how to sign in (one of the configured eID providers)."""

    allowed_roles = frozenset({ANYONE})
    template_name = "accounts/eid/sign_in.html"

    def get(self, request: HttpRequest) -> HttpResponse:
        providers = providers_all()
        form = ProviderChoiceForm(providers=providers, initial={"next": next_url_safe(request, request.GET.get("next"))})
        return self._render(request, form, providers)

    def post(self, request: HttpRequest) -> HttpResponse:
        providers = providers_all()
        form = ProviderChoiceForm(request.POST, providers=providers)
        if not form.is_valid():
            return self._render(request, form, providers, status=400)
        start = reverse("accounts:eid_start", args=[form.cleaned_data["provider"]])
        return HttpResponseRedirect(f"{start}?{urlencode({'next': next_url_safe(request, form.cleaned_data.get('next'))})}")

    def _render(self, request: HttpRequest, form: ProviderChoiceForm, providers, status: int = 200) -> HttpResponse:
        return render(request, self.template_name, {"form": form, "providers": providers}, status=status)


class SignInStartView(RoleRequiredMixin, View):
    """Send the person to the provider with a fresh state, nonce and PKCE challenge."""

    allowed_roles = frozenset({ANYONE})

    def get(self, request: HttpRequest, provider: str) -> HttpResponse:
        try:
            chosen = provider_get(provider)
            service = request.GET.get("service", "")
            url = services.eid_login_begin(
                session=request.session,
                provider=chosen,
                redirect_uri=request.build_absolute_uri(reverse("accounts:eid_callback", args=[chosen.key])),
                next_url=next_url_safe(request, request.GET.get("next")),
                service=service if service in settings.PRONOIA_EID_REQUIRED_LEVELS else "",
                now=clock,
            )
        except PronoiaError as exc:
            return error_page(request, exc, provider_key=provider)
        return HttpResponseRedirect(url)


class SignInCallbackView(RoleRequiredMixin, View):
    """The provider's answer: check everything, then sign the person in."""

    allowed_roles = frozenset({ANYONE})

    def get(self, request: HttpRequest, provider: str) -> HttpResponse:
        try:
            chosen = provider_get(provider)
            form = CallbackForm(request.GET)
            if not form.is_valid():
                message = form.errors.get("__all__", [_("The answer from the sign-in provider could not be read.")])[0]
                raise EidError(code="eid_callback_invalid", message=str(message), status_code=400)
            params = services.CallbackParams(**form.cleaned_data)
            login = services.eid_login_complete(
                request=request,
                provider=chosen,
                params=params,
                redirect_uri=request.build_absolute_uri(reverse("accounts:eid_callback", args=[chosen.key])),
                now=clock,
            )
        except PronoiaError as exc:
            return error_page(request, exc, provider_key=provider)
        return HttpResponseRedirect(login.next_url)


class SignOutView(RoleRequiredMixin, View):
    """End the local session, then the provider's (end_session_endpoint) when it has one."""

    allowed_roles = frozenset({ANYONE})

    def post(self, request: HttpRequest) -> HttpResponse:
        home = request.build_absolute_uri(reverse("core:home"))
        provider_url = services.eid_sign_out_url(session=request.session, post_logout_redirect_uri=home)
        session_end(request)
        return HttpResponseRedirect(provider_url or reverse("core:home"))
