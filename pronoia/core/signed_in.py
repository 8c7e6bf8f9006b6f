"""The person the current visitor acts as, kept in the session.

Until eID login lands only the demo person picker (/demo/sign-in, PRONOIA_DEMO) sets it; the eID
login will call `signed_in_person_set` after a successful authentication.
"""
from __future__ import annotations

from django.db.models import Q, QuerySet
from django.http import HttpRequest

from pronoia.people.models import Person
from pronoia.people.names import name_key_part

SESSION_PERSON_KEY = "pronoia_person_id"


def signed_in_person_get(request: HttpRequest) -> Person | None:
    """The signed-in person, or None (also when the stored person no longer exists)."""
    person_id = request.session.get(SESSION_PERSON_KEY)
    if person_id is None:
        return None
    return Person.objects.filter(pk=person_id).first()


def signed_in_person_set(request: HttpRequest, person: Person) -> None:
    # A new session id on sign-in: a session fixed before it cannot be reused.
    request.session.cycle_key()
    request.session[SESSION_PERSON_KEY] = person.pk


def signed_in_person_clear(request: HttpRequest) -> None:
    request.session.flush()


def demo_persons_search(*, query: str, limit: int = 20) -> QuerySet[Person]:
    """Synthetic persons whose national identifier starts with, or whose name contains, `query`."""
    query = query.strip()
    if not query:
        return Person.objects.order_by("pk")[:limit]
    condition = Q(national_id__startswith=query)
    words = name_key_part(query).split()
    if words:
        # Every word must appear in the normalised name, in any script or romanisation.
        by_name = Q()
        for word in words:
            by_name &= Q(name_key__contains=word)
        condition |= by_name
    return Person.objects.filter(condition).order_by("surname", "given_name", "pk")[:limit]
