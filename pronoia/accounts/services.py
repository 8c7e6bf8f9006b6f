"""Writes of the accounts app: starting and ending sessions, roles, acting for someone."""
from __future__ import annotations

from django.contrib.auth import login, logout
from django.http import HttpRequest

from pronoia.accounts.actors import SESSION_LOA_KEY, SESSION_PERSON_KEY, SESSION_PROVIDER_KEY


def citizen_session_start(request: HttpRequest, *, user, person_id: int, loa: str, provider: str) -> None:
    """Sign a citizen in after a successful eID login (a fresh session id: no session fixation)."""
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session[SESSION_PERSON_KEY] = person_id
    request.session[SESSION_LOA_KEY] = loa
    request.session[SESSION_PROVIDER_KEY] = provider


def session_end(request: HttpRequest) -> None:
    """Sign out anyone: the session and everything in it (mandate, served person) is dropped."""
    logout(request)
