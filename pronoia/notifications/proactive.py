"""Proactive notices (R-NOTIFY-2): tell people six months before they reach their country's
statutory pension age, when they have not applied for a pension yet. Each person once per kind.

The statutory age comes from the pension country packs (dated parameters, in months), so a change
of law in a pack changes who is told. Set-based: one query per country and sex picks the birth-date
window, the exact date is computed only for those few candidates.
"""
from __future__ import annotations

import calendar
import datetime as dt
import logging

from django.db import IntegrityError, transaction
from django.utils import timezone

from pronoia.notifications.models import ProactiveNotice

logger = logging.getLogger(__name__)
HORIZON_MONTHS = 6
ID_CHUNK = 500
# The pack parameter that holds the statutory (full) pension age, by country and sex.
STATUTORY_AGE_PARAMETERS = {
    "gr": {"M": "full_pension_age", "F": "full_pension_age"},
    "pl": {"M": "retirement_age_men", "F": "retirement_age_women"},
    "bg": {"M": "retirement_age_men", "F": "retirement_age_women"},
}
PENSION_SERVICE_SUFFIX = "-old-age-pension-application"


def months_add(day: dt.date, months: int) -> dt.date:
    """`day` plus whole months; the 31st becomes the month's last day (29 February → 28 February)."""
    index = day.year * 12 + day.month - 1 + int(months)
    year, month = divmod(index, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def statutory_age_reached_on(*, birth_date: dt.date, pack: dict, parameter: str, candidates: list[int]) -> dt.date | None:
    """The first day the person's age equals the statutory age in force on that day (a pack's age
    may depend on the year it is met), among the candidate ages in months."""
    from pronoia.pensions.parameters import ParameterError, parameter_at

    found = []
    for months in candidates:
        day = months_add(birth_date, months)
        try:
            if round(parameter_at(pack, parameter, day).value) == months:
                found.append(day)
        except ParameterError:
            continue
    return min(found) if found else None


def _ages_in_window(pack: dict, parameter: str, start: dt.date, end: dt.date) -> list[int]:
    values = pack[parameter].values
    in_window = [v for v in values if v.in_force_from <= end]
    # The value in force at the start, and every later one that starts before the end.
    current = [v for v in in_window if v.in_force_from <= start][-1:]
    return sorted({round(v.value) for v in current + [v for v in in_window if v.in_force_from > start]})


def pension_age_candidates(*, today: dt.date) -> list[tuple[int, dt.date]]:
    """(person id, day they reach the statutory age) for everyone who reaches it after `today`
    and within six months, has no old-age pension application and has not been told yet."""
    from pronoia.pensions.parameters import pack_load
    from pronoia.people.selectors import persons_born_between
    from pronoia.services.selectors import person_ids_with_application

    horizon = months_add(today, HORIZON_MONTHS)
    out: list[tuple[int, dt.date]] = []
    for country, by_sex in STATUTORY_AGE_PARAMETERS.items():
        pack = pack_load(country)
        for sexes, parameters in ((["M"], [by_sex["M"]]), (["F"], [by_sex["F"]]), ([""], sorted(set(by_sex.values())))):
            ages = {p: _ages_in_window(pack, p, today, horizon) for p in parameters}
            all_ages = [a for values in ages.values() for a in values]
            if not all_ages:
                continue
            # Born so that some candidate age falls between today and the horizon (a day's slack each side).
            earliest_birth = months_add(today, -max(all_ages)) - dt.timedelta(days=1)
            latest_birth = months_add(horizon, -min(all_ages)) + dt.timedelta(days=1)
            born = persons_born_between(country=country, sexes=sexes, earliest=earliest_birth, latest=latest_birth)
            # Six months of birthdays is under 1 % of a population; asked in chunks (SQLite's
            # limit on query parameters).
            applied: set[int] = set()
            told: set[int] = set()
            for start in range(0, len(born), ID_CHUNK):
                ids = [person_id for person_id, _birth in born[start : start + ID_CHUNK]]
                applied |= person_ids_with_application(person_ids=ids, service_code_suffix=PENSION_SERVICE_SUFFIX)
                told |= set(ProactiveNotice.objects.filter(person_id__in=ids, kind=ProactiveNotice.Kind.PENSION_AGE).values_list("person_id", flat=True))
            for person_id, birth_date in born:
                if person_id in applied or person_id in told:
                    continue
                days = [statutory_age_reached_on(birth_date=birth_date, pack=pack, parameter=p, candidates=ages[p]) for p in parameters]
                days = [d for d in days if d is not None]
                if days and today < min(days) <= horizon:
                    out.append((person_id, min(days)))
    return out


def proactive_pension_age_notify(*, today: dt.date | None = None) -> dict:
    """Record a notice and its event for each new candidate; re-running sends nothing new."""
    from pronoia.core.events import event_emit

    today = today or timezone.localdate()
    now = timezone.now()
    sent = 0
    for person_id, reaches_on in pension_age_candidates(today=today):
        try:
            with transaction.atomic():
                event = event_emit("notice.pension_age", payload={"person_id": person_id, "reaches_on": reaches_on.isoformat(), "kind": ProactiveNotice.Kind.PENSION_AGE})
                ProactiveNotice.objects.create(person_id=person_id, kind=ProactiveNotice.Kind.PENSION_AGE, due_on=reaches_on, event=event, created_at=now)
        except IntegrityError:
            continue  # another run told this person meanwhile; its event was rolled back with this one
        sent += 1
    return {"today": today.isoformat(), "notified": sent}
