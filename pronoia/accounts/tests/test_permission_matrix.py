"""The permission matrix in docs/permission-matrix.md holds for every route and every role.

Two checks:
- every route of the URLconf (pages, API operations, the admin) has exactly one rule in the
  matrix, and every rule names a route that exists: a new route without a rule fails here;
- for each role, a client signed in that way requests every route with the matrix's method and
  the outcome is compared with the matrix ("yes": the route served the role; "no": refused).

"Refused" means 401, 403, or a redirect to a sign-in or second-factor page. Anything else counts
as served (200, a redirect elsewhere, 400 for a missing field, 404 for someone else's object,
405): object-level rules (own data, mandate scope, the person served) are applied on top of the
page rules and are tested beside each app. A 5xx answer always fails.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.utils import timezone

from pronoia.accounts.actors import SESSION_ACTING_MANDATE_KEY, SESSION_SERVING_KEY
from pronoia.accounts.models import Mandate, RoleAssignment, StaffSignInFailure, StaffSignInLock
from pronoia.accounts.roles import PERSON_DATA_CATEGORIES, Role
from pronoia.accounts.tests.factories import citizen_user, client_sign_in_citizen, client_sign_in_staff, staff_user
from pronoia.accounts.tests.route_walk import Route, routes_walk
from pronoia.employers.tests.factories import EmployerFactory
from pronoia.audit.services import audit_record, data_access_record
from pronoia.insurance.tests.factories import (
    CorrectionRequestFactory,
    DataQualityFlagFactory,
    ImportRowErrorFactory,
    InsurancePeriodFactory,
    LinkageCandidateFactory,
)
from pronoia.people.models import Person
from pronoia.people.tests.factories import PersonFactory

MATRIX_PATH = Path(settings.BASE_DIR) / "docs" / "permission-matrix.md"
ROLES = (
    "anonymous",
    "citizen",
    "representative",
    "employer_admin",
    "employer_user",
    "case_handler",
    "branch_staff",
    "operator_l1",
    "operator_l2",
    "supervisor",
    "content_manager",
    "administrator",
    "auditor",
)
# Where a refused visitor is sent.
REFUSAL_REDIRECTS = ("/sign-in", "/staff/login", "/staff/otp/verify")


@dataclass(frozen=True)
class Rule:
    route: str  # a URLconf route, or a prefix ending in "**" (the admin's many model pages)
    method: str
    allowed: dict[str, bool] = field(hash=False)
    line: int = field(default=0, hash=False)

    @property
    def is_wildcard(self) -> bool:
        return self.route.endswith("**")

    def matches(self, route: str) -> bool:
        return route.startswith(self.route[:-2]) if self.is_wildcard else route == self.route


def matrix_load(path: Path = MATRIX_PATH) -> list[Rule]:
    """The rules of the matrix's tables: `| `route` | METHOD | yes/no per role ... |`."""
    rules: list[Rule] = []
    header: list[str] | None = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if line.startswith("| route"):
            header = cells
            assert tuple(header[2 : 2 + len(ROLES)]) == ROLES, f"{path.name}:{number}: role columns must be {ROLES}"
            continue
        if header is None or not line.startswith("| `"):
            continue
        assert len(cells) == len(header), f"{path.name}:{number}: {len(cells)} cells, header has {len(header)}"
        route = cells[0].strip("`")
        if route == "(home)":
            route = ""
        values = cells[2 : 2 + len(ROLES)]  # a notes column may follow
        assert set(values) <= {"yes", "no"}, f"{path.name}:{number}: cells must be yes or no"
        rules.append(Rule(route=route, method=cells[1], allowed=dict(zip(ROLES, (v == "yes" for v in values))), line=number))
    return rules


def rules_for(route: str, rules: list[Rule]) -> list[Rule]:
    """The exact rules of a route (one per method), else the longest wildcard that covers it."""
    exact = [rule for rule in rules if not rule.is_wildcard and rule.route == route]
    if exact:
        return exact
    covering = [rule for rule in rules if rule.is_wildcard and rule.matches(route)]
    return [max(covering, key=lambda rule: len(rule.route))] if covering else []


def test_every_route_has_exactly_one_rule_and_every_rule_a_route():
    rules = matrix_load()
    routes = routes_walk()
    assert len(routes) > 100 and len(rules) > 40  # the walk and the parser see the whole project

    missing = [route.route or "(home)" for route in routes if not rules_for(route.route, rules)]
    assert not missing, f"routes without a rule in {MATRIX_PATH.name}: {missing}"

    seen: set[tuple[str, str]] = set()
    for rule in rules:
        assert (rule.route, rule.method) not in seen, f"{MATRIX_PATH.name}:{rule.line}: a second rule for {rule.method} {rule.route!r}"
        seen.add((rule.route, rule.method))
    known = {route.route for route in routes}
    stale = [rule.route for rule in rules if not rule.is_wildcard and rule.route not in known]
    stale += [rule.route for rule in rules if rule.is_wildcard and not any(rule.matches(route) for route in known)]
    assert not stale, f"rules for routes that do not exist: {stale}"


def test_api_rules_name_the_operation_method():
    from pronoia.api import api

    operations = {
        path.lstrip("/").replace("{", "<").replace("}", ">"): {method.upper() for method in methods}
        for path, methods in api.get_openapi_schema()["paths"].items()
    }
    rules = matrix_load()
    for route, methods in operations.items():
        documented = {rule.method for rule in rules_for(route, rules)}
        assert documented == methods, f"{route}: the matrix has {documented or 'no rule'}, the API has {methods}"


# --- the walk -----------------------------------------------------------------------------


@dataclass
class World:
    """The objects the routes' parameters point at, seen from each role."""

    principal: object
    representative: object
    employer_administrator: object
    employer_user: object
    employer: object
    person_mandate: Mandate
    employer_mandate: Mandate
    correction: object


def world_build() -> World:
    today = timezone.localdate()
    now = timezone.now()
    principal, representative, administrator, user_person = PersonFactory.create_batch(4)
    employer = EmployerFactory()
    InsurancePeriodFactory(person=principal, employer=employer)
    correction = CorrectionRequestFactory(person=principal)
    person_mandate = Mandate.objects.create(
        principal_person=principal, representative=representative, scope=sorted(PERSON_DATA_CATEGORIES), valid_from=today
    )
    employer_mandate = Mandate.objects.create(
        principal_employer=employer, representative=representative, scope=["employer_declarations"], valid_from=today
    )
    RoleAssignment.objects.create(person=administrator, role=Role.EMPLOYER_ADMIN, employer=employer)
    RoleAssignment.objects.create(person=user_person, role=Role.EMPLOYER_USER, employer=employer)
    # One object of every model the admin shows, so its object pages are reached for real.
    citizen_user(principal, provider="second-eid")  # an identity of the admin's own
    Group.objects.get_or_create(name="matrix walk")
    audit_record(action="matrix_walk", object_type="person", object_id=principal.pk, actor_label="test")
    data_access_record(
        person_id=principal.pk, actor_user_id=None, actor_label="test", actor_role="case_handler",
        categories=["identity"], purpose="permission matrix", channel="web",
    )
    StaffSignInFailure.objects.create(occurred_at=now, username_key="someone", stage=StaffSignInFailure.Stage.PASSWORD)
    StaffSignInLock.objects.get_or_create(
        scope=StaffSignInLock.Scope.ACCOUNT, key="someone", defaults={"locked_at": now, "locked_until": now + timezone.timedelta(minutes=15)}
    )
    ImportRowErrorFactory()
    DataQualityFlagFactory(person=principal)
    LinkageCandidateFactory()
    from pronoia.services.tests.application_factories import application_make

    application_make(principal)
    return World(principal, representative, administrator, user_person, employer, person_mandate, employer_mandate, correction)


def client_for(role: str, world: World) -> Client:
    client = Client()
    if role == "anonymous":
        return client
    if role == "citizen":
        client_sign_in_citizen(client, world.principal)
    elif role == "representative":
        client_sign_in_citizen(client, world.representative)
        session = client.session
        session[SESSION_ACTING_MANDATE_KEY] = world.person_mandate.pk
        session.save()
    elif role == "employer_admin":
        client_sign_in_citizen(client, world.employer_administrator)
    elif role == "employer_user":
        client_sign_in_citizen(client, world.employer_user)
    else:
        client_sign_in_staff(client, staff_user(role), fresh=True)
        if role == "operator_l2":
            session = client.session
            session[SESSION_SERVING_KEY] = {"person_id": world.principal.pk, "reason": "caller asked about their record"}
            session.save()
    return client


def samples_for(route: Route, world: World) -> dict[str, str]:
    """Values for the route's parameters: objects of the world, so allowed roles reach real pages."""
    pk = world.person_mandate.pk
    if route.route.startswith("my/insurance-record/corrections/"):
        pk = world.correction.pk
    elif route.route.startswith("employer/"):
        pk = world.employer_mandate.pk
    admin_model = re.match(r"admin/(\w+)/(\w+)/", route.route)
    object_id = "1"
    if admin_model and route.parameters:
        model = apps.get_model(admin_model[1], admin_model[2])
        first = model.objects.order_by("pk").values_list("pk", flat=True).first()
        assert first is not None, f"world_build has no {model.__name__}: add one so /{route.route} is reached"
        object_id = str(first)
    values = {
        "pk": str(pk),
        "person_id": str(world.principal.pk),
        "national_id": world.principal.national_id,
        "employer_id": str(world.employer.pk),
        "provider": "no-such-provider",
        "object_id": object_id,
        "content_type_id": str(ContentType.objects.get_for_model(Person).pk) if route.route.startswith("admin/r/") else "1",
        "id": object_id,
        "app_label": "people",
        "url": "no-such-page/",
        "code": "gr-a1-document",
        "application_id": str(pk),
        "verification_code": "ABCDEFGHIJKLMNOPQRSTUVWX",
    }
    unknown = set(route.parameters) - set(values)
    assert not unknown, f"{route.route}: add a sample value for {sorted(unknown)} in samples_for"
    return values


def outcome_of(response) -> bool:
    """True when the route served the request, False when it refused it."""
    if response.status_code in (401, 403):
        return False
    if response.status_code in (301, 302, 303, 307, 308):
        # A refused page sends the visitor to sign in and come back (`next`); a sign-out sends them
        # to a sign-in page too, without a way back, and is not a refusal.
        location = urlsplit(response["Location"])
        return not (location.path.startswith(REFUSAL_REDIRECTS) and "next" in parse_qs(location.query))
    return True


@pytest.mark.django_db
@pytest.mark.parametrize("role", ROLES)
def test_every_route_answers_each_role_as_the_matrix_says(role, funds):
    rules = matrix_load()
    world = world_build()
    client = client_for(role, world)
    mismatches: list[str] = []
    for route, rule in ((route, rule) for route in routes_walk() for rule in rules_for(route.route, rules)):
        if rule.method != "GET":
            # Writes change the world (sign-out, revoke, stop acting): each gets a fresh one.
            world = world_build()
            client = client_for(role, world)
        path = route.path_for(samples_for(route, world))
        response = client.generic(rule.method, path, HTTP_ACCEPT="text/html")
        assert response.status_code < 500, f"{rule.method} {path} as {role}: {response.status_code}"
        served = outcome_of(response)
        if served != rule.allowed[role]:
            where = response.get("Location", "")
            mismatches.append(
                f"{rule.method} /{route.route} (matrix line {rule.line}): matrix says {'yes' if rule.allowed[role] else 'no'}, "
                f"got {response.status_code} {where}".rstrip()
            )
        if rule.method != "GET":
            world = world_build()
            client = client_for(role, world)
    assert not mismatches, f"{role}:\n" + "\n".join(mismatches)


def test_a_refusal_is_recognised_and_a_served_page_is_not():
    """The classifier itself: redirects to sign-in pages refuse, other redirects and errors serve."""

    class Response(dict):
        def __init__(self, status: int, location: str = ""):
            super().__init__({"Location": location} if location else {})
            self.status_code = status

    assert outcome_of(Response(403)) is False and outcome_of(Response(401)) is False
    assert outcome_of(Response(302, "/staff/login?next=/admin/")) is False
    assert outcome_of(Response(302, "/sign-in?next=/my/mandates")) is False
    assert outcome_of(Response(302, "/staff/otp/verify?next=/staff/")) is False
    assert outcome_of(Response(302, "/my/insurance-record")) is True
    assert outcome_of(Response(302, "/staff/login")) is True  # after signing out
    assert outcome_of(Response(200)) is True and outcome_of(Response(404)) is True and outcome_of(Response(400)) is True


def test_the_matrix_parser_reads_rows_and_wildcards(tmp_path):
    header = "| route | method | " + " | ".join(ROLES) + " |"
    row = "| `admin/**` | GET | " + " | ".join("yes" if r == "administrator" else "no" for r in ROLES) + " |"
    exact = "| `admin/people/person/` | GET | " + " | ".join("yes" if r in ("administrator", "case_handler") else "no" for r in ROLES) + " |"
    path = tmp_path / "m.md"
    path.write_text("\n".join(["# matrix", header, "|---|", row, exact]), encoding="utf-8")
    rules = matrix_load(path)
    assert rules_for("admin/people/person/", rules)[0].allowed["case_handler"] is True
    assert rules_for("admin/auth/user/", rules)[0].allowed["case_handler"] is False
    assert rules_for("my/mandates", rules) == []

    path.write_text("\n".join([header, "| `x` | GET | yes |"]), encoding="utf-8")
    with pytest.raises(AssertionError, match="cells"):
        matrix_load(path)
