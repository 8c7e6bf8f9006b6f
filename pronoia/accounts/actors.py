"""Who is acting on a request: the Actor every selector of personal data takes.

The actor is built once per request by `ActorMiddleware` (as `request.actor`) from the signed-in
user, the session (eID login, the mandate the person acts under, the person an operator serves)
and the role assignments in the database.
"""
from __future__ import annotations

import datetime
import re
import uuid
from dataclasses import dataclass, field

from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from django.utils.functional import SimpleLazyObject

from pronoia.accounts.roles import EMPLOYER_ROLES, STAFF_ROLES, Channel, Role

# Session keys. Written only by accounts.services (login, act-for, serve) and cleared on logout.
SESSION_PERSON_KEY = "pronoia_person_id"
SESSION_LOA_KEY = "pronoia_loa"
SESSION_PROVIDER_KEY = "pronoia_eid_provider"
SESSION_ACTING_MANDATE_KEY = "pronoia_acting_mandate_id"
SESSION_SERVING_KEY = "pronoia_serving"  # {"person_id": int, "reason": str}

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


@dataclass(frozen=True)
class ActingFor:
    """The mandate a representative acts under, with what it covers."""

    mandate_id: int
    principal_person_id: int | None
    principal_employer_id: int | None
    scope: frozenset[str]
    # Shown in the acting banner: the principal's name (person or employer).
    principal_name: str = ""


@dataclass(frozen=True)
class Serving:
    """The person a second-line operator is serving, and the reason they stated."""

    person_id: int
    reason: str


@dataclass(frozen=True)
class Actor:
    user_id: int | None = None
    username: str = ""
    roles: frozenset[str] = frozenset()
    # The signed-in citizen's own person (eID login), if any.
    person_id: int | None = None
    # eIDAS level of assurance of the login: "", "low", "substantial", "high".
    loa: str = ""
    # Employers the user holds an employer role for, by role.
    employer_roles: dict[int, frozenset[str]] = field(default_factory=dict)
    acting_for: ActingFor | None = None
    serving: Serving | None = None
    # Staff only: the second factor was verified in this session.
    otp_verified: bool = False
    unit: str = ""
    channel: str = Channel.WEB
    request_id: str = ""

    @property
    def is_authenticated(self) -> bool:
        return self.user_id is not None

    @property
    def is_staff(self) -> bool:
        return bool(self.roles & STAFF_ROLES)

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def primary_role(self) -> str:
        """The role written to the access log: the one that explains the access best."""
        if self.acting_for is not None:
            return Role.REPRESENTATIVE
        for role in (
            Role.OPERATOR_L2,
            Role.CASE_HANDLER,
            Role.BRANCH_STAFF,
            Role.ADMINISTRATOR,
            Role.AUDITOR,
            Role.SUPERVISOR,
            Role.CONTENT_MANAGER,
            Role.OPERATOR_L1,
            Role.EMPLOYER_ADMIN,
            Role.EMPLOYER_USER,
            Role.CITIZEN,
        ):
            if role in self.roles:
                return role
        return ""

    @property
    def subject_person_id(self) -> int | None:
        """The person whose data the "my ..." pages show: the principal when acting under a mandate."""
        if self.acting_for is not None:
            return self.acting_for.principal_person_id
        return self.person_id


ANONYMOUS = Actor()


def request_id_for(request: HttpRequest) -> str:
    """The caller's X-Request-ID when it is well-formed, else a fresh one."""
    incoming = request.headers.get("X-Request-ID", "")
    if _REQUEST_ID.match(incoming):
        return incoming
    return uuid.uuid4().hex


def actor_build(request: HttpRequest, *, today: datetime.date | None = None) -> Actor:
    """The actor of `request`; anonymous when nobody is signed in."""
    from pronoia.accounts.models import Mandate, RoleAssignment

    request_id = getattr(request, "request_id", "") or request_id_for(request)
    channel = Channel.API if request.path.startswith("/api/") else (Channel.ADMIN if request.path.startswith("/admin/") else Channel.WEB)
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or not user.is_active:
        return Actor(channel=channel, request_id=request_id)
    session = request.session
    roles: set[str] = set()
    employer_roles: dict[int, set[str]] = {}
    unit = ""
    person_id = session.get(SESSION_PERSON_KEY)
    # The user's own assignments, and the employer roles given to the person they signed in as.
    holder = Q(user=user) | Q(person_id=person_id) if person_id is not None else Q(user=user)
    for role, employer_id, assignment_unit in RoleAssignment.objects.filter(holder, revoked_at__isnull=True).values_list("role", "employer_id", "unit"):
        roles.add(role)
        if role in EMPLOYER_ROLES and employer_id is not None:
            employer_roles.setdefault(employer_id, set()).add(role)
        unit = unit or assignment_unit
    if person_id is not None:
        roles.add(Role.CITIZEN)
    acting_for = None
    mandate_id = session.get(SESSION_ACTING_MANDATE_KEY)
    if mandate_id is not None and person_id is not None:
        day = today or timezone.localdate()
        mandate = (
            Mandate.objects.valid_on(day)
            .filter(pk=mandate_id, representative_id=person_id)
            .select_related("principal_person", "principal_employer")
            .first()
        )
        if mandate is not None:
            principal = mandate.principal_person or mandate.principal_employer
            name = f"{principal.given_name} {principal.surname}" if mandate.principal_person else principal.name
            acting_for = ActingFor(mandate.pk, mandate.principal_person_id, mandate.principal_employer_id, frozenset(mandate.scope), name)
            roles.add(Role.REPRESENTATIVE)
        else:
            # Revoked or expired since act-for started: the person acts as themselves again.
            del session[SESSION_ACTING_MANDATE_KEY]
    serving = None
    serving_data = session.get(SESSION_SERVING_KEY)
    if serving_data and Role.OPERATOR_L2 in roles:
        serving = Serving(person_id=int(serving_data["person_id"]), reason=str(serving_data["reason"]))
    is_verified = getattr(user, "is_verified", None)
    return Actor(
        user_id=user.pk,
        username=user.get_username(),
        roles=frozenset(roles),
        person_id=person_id,
        loa=session.get(SESSION_LOA_KEY, ""),
        employer_roles={k: frozenset(v) for k, v in employer_roles.items()},
        acting_for=acting_for,
        serving=serving,
        otp_verified=bool(is_verified()) if callable(is_verified) else False,
        unit=unit,
        channel=channel,
        request_id=request_id,
    )


class ActorMiddleware:
    """Sets `request.request_id` and a lazily built `request.actor`; echoes the request id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        request.request_id = request_id_for(request)
        request.actor = SimpleLazyObject(lambda: actor_build(request))
        response = self.get_response(request)
        response["X-Request-ID"] = request.request_id
        return response


def command_actor(name: str) -> Actor:
    """The actor of a management command or task run by the institution itself."""
    return Actor(username=f"command:{name}", channel=Channel.COMMAND, request_id=uuid.uuid4().hex)
