"""Session lifetimes: idle timeout (staff 15 minutes, everyone else 30) and an absolute limit for staff.

The session remembers whose it is, when it started and when it was last used. A session past a
limit is ended (as by signing out) and the user is sent to the matching sign-in page with a
message; API calls just continue as anonymous and get the API's own 401.
"""
from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.messages.storage import default_storage
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _

from pronoia.accounts.services import session_end
from pronoia.accounts.staff.role_permissions import USER_ACTOR_ATTRIBUTE

SESSION_USER_KEY = "pronoia_session_user"
SESSION_STARTED_KEY = "pronoia_session_started_at"
SESSION_SEEN_KEY = "pronoia_session_seen_at"


def _now() -> float:
    return time.time()


def session_expiry_reason(request: HttpRequest, now: float) -> str | None:
    """"idle" or "lifetime" when the signed-in session has run out, else None (and marks it used)."""
    user = request.user
    session = request.session
    if session.get(SESSION_USER_KEY) != user.pk:
        # A new sign-in (or a session from before this rule): start counting now.
        session[SESSION_USER_KEY] = user.pk
        session[SESSION_STARTED_KEY] = now
        session[SESSION_SEEN_KEY] = now
        return None
    idle_limit = settings.PRONOIA_STAFF_IDLE_TIMEOUT if user.is_staff else settings.PRONOIA_CITIZEN_IDLE_TIMEOUT
    seen = session.get(SESSION_SEEN_KEY, now)
    started = session.get(SESSION_STARTED_KEY, now)
    if now - seen > idle_limit:
        return "idle"
    if user.is_staff and now - started > settings.PRONOIA_STAFF_SESSION_MAX_AGE:
        return "lifetime"
    if now - seen >= settings.PRONOIA_SESSION_ACTIVITY_RESOLUTION:
        session[SESSION_SEEN_KEY] = now
    return None


class StaffSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            reason = session_expiry_reason(request, _now())
            if reason is not None:
                return self._expired(request, reason, staff=user.is_staff)
            # The role permission backend reads the roles the actor loads anyway.
            setattr(user, USER_ACTOR_ATTRIBUTE, request.actor)
        return self.get_response(request)

    def _expired(self, request: HttpRequest, reason: str, *, staff: bool):
        session_end(request)
        # Drop anything built from the old session before the rest of the stack sees the request.
        request.actor = _anonymous_actor(request)
        if request.path.startswith("/api/"):
            return self.get_response(request)
        sign_in = reverse("staff:login") if staff else reverse("accounts:sign_in")
        next_url = request.get_full_path() if request.method in ("GET", "HEAD") else ""
        response = HttpResponseRedirect(f"{sign_in}?{urlencode({'next': next_url})}" if next_url else sign_in)
        if reason == "idle":
            minutes = (settings.PRONOIA_STAFF_IDLE_TIMEOUT if staff else settings.PRONOIA_CITIZEN_IDLE_TIMEOUT) // 60
            text = _("You were signed out because you did nothing for %(minutes)d minutes. Sign in again to continue.") % {"minutes": minutes}
        else:
            hours = settings.PRONOIA_STAFF_SESSION_MAX_AGE // 3600
            text = _("You were signed out because a staff session lasts at most %(hours)d hours. Sign in again to continue.") % {"hours": hours}
        # The message middleware runs after this one, so the message is stored here directly.
        storage = default_storage(request)
        storage.add(messages.WARNING, text)
        storage.update(response)
        return response


def _anonymous_actor(request: HttpRequest):
    from pronoia.accounts.actors import Actor, Channel

    return Actor(channel=Channel.API if request.path.startswith("/api/") else Channel.WEB, request_id=getattr(request, "request_id", ""))
