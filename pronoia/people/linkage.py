"""Record linkage: which person a reported identity (id, member number, name, birth date) is.

Rules, in order (see docs/legacy-import.md):
1. national identifier: certain (validated by the caller);
2. legacy fund member number already learnt (``LegacyIdentifier``): certain;
3. exactly one person with the same birth date and the same normalised name (``name_key``): certain;
4. similar names (rapidfuzz) or several persons with the same birth date and name: UNCERTAIN,
   sent to staff with candidates, never merged automatically;
5. nothing: unmatched.

Pure functions decide; the ``*_lookup`` functions fetch what they need in bulk (one query per
chunk of rows, never one per row).
"""
from __future__ import annotations

import datetime as dt
import hashlib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from rapidfuzz import fuzz

from pronoia.people.models import LegacyIdentifier, Person
from pronoia.people.names import name_key

# A similar name scores at least this (0-100, rapidfuzz ratio on the normalised name keys).
FUZZY_NAME_THRESHOLD = 80.0

LegacyKey = tuple[str, str]  # (fund code, member number)


@dataclass(frozen=True)
class LinkCandidate:
    person_id: int
    score: float
    reasons: str


@dataclass(frozen=True)
class LinkDecision:
    """The outcome of linking one reported identity.

    ``method`` is a ``LinkMethod`` value; ``person_id`` is set only for a confident link;
    ``candidates`` is non-empty only when the match is uncertain (for the review queue).
    """

    method: str
    person_id: int | None = None
    candidates: tuple[LinkCandidate, ...] = field(default_factory=tuple)
    reason: str = ""

    @property
    def uncertain(self) -> bool:
        return self.person_id is None and bool(self.candidates)


@lru_cache(maxsize=200_000)
def name_key_cached(surname: str, given_name: str) -> str:
    """``name_key`` with a cache: legacy exports repeat the same names on every period of a person."""
    return name_key(surname, given_name)


def identity_key(*, source_code: str, fund_code: str, member_no: str, name_key: str, birth_date: dt.date) -> str:
    """One review per reported identity: sha256 over source, legacy fund, member number, name key, birth date."""
    raw = "\x1f".join((source_code, fund_code, member_no, name_key, birth_date.isoformat()))
    return hashlib.sha256(raw.encode()).hexdigest()


def match_name_birth_date(
    *, key: str, candidates: Sequence[tuple[int, str]], threshold: float = FUZZY_NAME_THRESHOLD
) -> LinkDecision:
    """Decide among the persons born on the same day (``candidates``: (person id, name key)).

    Exactly one equal name key is a confident link; several equal keys, or only similar names
    (also with surname and given name swapped), are uncertain; nothing similar is unmatched.
    """
    exact = [pid for pid, other in candidates if other == key]
    if len(exact) == 1:
        return LinkDecision(method="name_birth_date", person_id=exact[0], reason="same name and birth date")
    if len(exact) > 1:
        found = tuple(LinkCandidate(pid, 100.0, "same name and birth date") for pid in sorted(exact))
        return LinkDecision(method="none", candidates=found, reason=f"{len(exact)} persons with the same name and birth date")
    surname, _sep, given = key.partition("|")
    swapped = f"{given}|{surname}"
    similar: list[LinkCandidate] = []
    for pid, other in candidates:
        score = fuzz.ratio(key, other)
        reason = "similar name, same birth date"
        swapped_score = fuzz.ratio(swapped, other)
        if swapped_score > score:
            score, reason = swapped_score, "surname and given name swapped, same birth date"
        if score >= threshold:
            similar.append(LinkCandidate(pid, round(score, 1), reason))
    if similar:
        similar.sort(key=lambda c: (-c.score, c.person_id))
        return LinkDecision(method="none", candidates=tuple(similar), reason=f"{len(similar)} person(s) with a similar name and the same birth date")
    return LinkDecision(method="none", reason="no person with this national id, member number, or name and birth date")


def persons_by_national_id_lookup(*, country: str, national_ids: Iterable[str]) -> dict[str, int]:
    """national id -> person id, for the ids that exist."""
    ids = list(set(national_ids))
    if not ids:
        return {}
    return dict(Person.objects.filter(country=country, national_id__in=ids).values_list("national_id", "pk"))


def legacy_identifiers_lookup(*, keys: Iterable[LegacyKey]) -> dict[LegacyKey, int]:
    """(fund code, member number) -> person id, for the pairs already learnt."""
    wanted = set(keys)
    if not wanted:
        return {}
    # Both columns filtered so that the (fund_code, member_no) unique index is used.
    rows = LegacyIdentifier.objects.filter(
        fund_code__in={fund for fund, _no in wanted}, member_no__in={no for _fund, no in wanted}
    ).values_list("fund_code", "member_no", "person_id")
    return {(fund, no): pid for fund, no, pid in rows if (fund, no) in wanted}


def persons_by_birth_date_lookup(*, country: str, birth_dates: Iterable[dt.date]) -> dict[dt.date, list[tuple[int, str]]]:
    """birth date -> [(person id, name key)] of the persons born that day."""
    dates = list(set(birth_dates))
    found: dict[dt.date, list[tuple[int, str]]] = defaultdict(list)
    if not dates:
        return found
    rows = Person.objects.filter(country=country, birth_date__in=dates).values_list("birth_date", "pk", "name_key")
    for birth_date, pid, key in rows:
        found[birth_date].append((pid, key))
    return found


def legacy_identifiers_learn_bulk(
    *, links: Mapping[LegacyKey, int], learnt_from: str = ""
) -> list[tuple[LegacyKey, int, int]]:
    """Learn ``(fund, member no) -> person id`` pairs in bulk, like ``legacy_identifier_learn``.

    Returns the conflicts: pairs already learnt for another person, as (key, wanted, existing).
    Existing pairs are never reassigned.
    """
    if not links:
        return []
    known = legacy_identifiers_lookup(keys=links.keys())
    conflicts = [(key, pid, known[key]) for key, pid in links.items() if key in known and known[key] != pid]
    new = [
        LegacyIdentifier(person_id=pid, fund_code=key[0], member_no=key[1], learnt_from=learnt_from)
        for key, pid in links.items()
        if key not in known
    ]
    # ignore_conflicts: a concurrent import may have learnt the same pair meanwhile.
    LegacyIdentifier.objects.bulk_create(new, ignore_conflicts=True)
    return conflicts
