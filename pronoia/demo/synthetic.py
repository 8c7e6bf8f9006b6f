"""Deterministic synthetic population: careers, legacy fund exports and their ground truth.

Pure generation (no database). `population_generate(persons=..., seed=..., country=..., out_dir=...)`
writes into `out_dir`:

* ``<FUND>.csv`` — one legacy export per fund (see `EXPORT_HEADER`): one row per person ×
  employer/spell × calendar year, with injected problems (missing national ids, name typos,
  duplicates across funds, overlapping periods, earnings outliers) at the rates of `ProblemRates`.
* ``persons.csv`` — the civil registry: national id, native-script names, birth date, sex, contacts.
* ``employers.csv`` — the employer registry: registry number, name, NACE section, region.
* ``ground_truth.csv`` — every (source, source_record_id) → the true national id, with the
  problems injected into that row and, for an injected duplicate, the record it repeats.
* ``careers_totals.csv`` — per person, the totals a correct import must reproduce (see
  `TOTALS_MEANING`).
* ``manifest.json`` — parameters, row counts and what the files mean.

The same (persons, seed, country, rates) always gives byte-identical files: numpy's
`default_rng(seed)` draws every vectorised attribute and a per-person seed for the career walk,
Faker (seeded) names the employers, and name pools come from the Faker locale of the country.
"""
from __future__ import annotations

import csv
import datetime as dt
import json
import math
import random
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
from faker import Faker
from unidecode import unidecode

from pronoia.core.countries import country_rules
from pronoia.insurance.models import InsuranceType
from pronoia.people.names import transliterate
from pronoia.people.national_ids import make_national_id

EXPORT_HEADER: tuple[str, ...] = (
    "source_record_id", "national_id", "legacy_fund", "legacy_member_no", "surname", "given_name",
    "birth_date", "employer_registry_no", "employer_name", "period_from", "period_to", "days",
    "earnings", "currency", "contributions", "insurance_type",
)
PERSONS_HEADER = ("national_id", "surname", "given_name", "birth_date", "sex", "email", "phone", "region")
EMPLOYERS_HEADER = ("registry_no", "name", "sector", "region")
TRUTH_HEADER = ("source", "source_record_id", "national_id", "problems", "duplicate_of")
TOTALS_HEADER = ("national_id", "rows", "days", "earnings", "contributions", "first_period_from", "last_period_to", "retired_on")

TOTALS_MEANING = (
    "careers_totals.csv: for each person of persons.csv, the sums over every export row whose true "
    "person it is (ground_truth.csv), EXCEPT rows injected as duplicates (problems contains "
    "'duplicate': the same facts already reported by another fund, counted once). Injected "
    "overlap rows and earnings outliers ARE included: they are real reported rows. rows = number of "
    "such rows; days = sum of days; earnings/contributions = sums with 2 decimals. A correct import "
    "that links every row of the person to them and counts each duplicate once reproduces these "
    "totals over the person's counting periods (live, not duplicate_of)."
)

# Exports cover careers up to the end of this year (fixed, so output never depends on today's date).
DATA_END = dt.date(2024, 12, 31)
_DATA_END_ORD = DATA_END.toordinal()
_DAYS_PER_YEAR = 365.2425


@dataclass(frozen=True)
class ProblemRates:
    """Shares of export rows that get each injected problem."""

    missing_id: float = 0.05  # national id left blank (the member number still links the row)
    # Part of missing_id: memberships (person, fund) whose fund never recorded the id, so that
    # only name and birth date can link their rows.
    member_without_id: float = 0.01
    typo: float = 0.01  # transposed/dropped letter or Latin instead of native script
    duplicate: float = 0.02  # same facts reported again by another fund
    overlap: float = 0.005  # an extra period overlapping an employment row: days exceed the calendar
    outlier: float = 0.001  # earnings keyed without the decimal point (x100)


@dataclass(frozen=True)
class CountryProfile:
    code: str
    funds: tuple[str, ...]
    regions: tuple[tuple[str, float], ...]  # real region names, population weights (thousands)
    wage_2024: float  # average full-time annual earnings in 2024, national currency
    wage_growth: float  # nominal growth per year (back-casting the level)
    contribution_rate: float  # pension contribution, employee + employer
    military_share: float  # men who did conscript service
    military_until: int  # last year conscription started
    military_months: tuple[int, int]
    maternity_months: tuple[int, int]
    farmer_share: float
    self_employed_share: float


PROFILES: dict[str, CountryProfile] = {
    "gr": CountryProfile(
        code="gr",
        funds=("IKA-ETAM", "OAEE", "OGA"),
        regions=(
            ("Ανατολική Μακεδονία και Θράκη", 562), ("Κεντρική Μακεδονία", 1795), ("Δυτική Μακεδονία", 255),
            ("Ήπειρος", 319), ("Θεσσαλία", 688), ("Ιόνια Νησιά", 204), ("Δυτική Ελλάδα", 651),
            ("Στερεά Ελλάδα", 508), ("Αττική", 3792), ("Πελοπόννησος", 540), ("Βόρειο Αιγαίο", 194),
            ("Νότιο Αιγαίο", 327), ("Κρήτη", 624),
        ),
        wage_2024=17000.0, wage_growth=0.045, contribution_rate=0.20,
        military_share=0.75, military_until=2024, military_months=(9, 24), maternity_months=(6, 13),
        farmer_share=0.07, self_employed_share=0.12,
    ),
    "pl": CountryProfile(
        code="pl",
        funds=("ZUS", "KRUS", "WBE"),
        regions=(
            ("dolnośląskie", 2900), ("kujawsko-pomorskie", 2050), ("lubelskie", 2080), ("lubuskie", 1000),
            ("łódzkie", 2420), ("małopolskie", 3400), ("mazowieckie", 5420), ("opolskie", 970),
            ("podkarpackie", 2120), ("podlaskie", 1170), ("pomorskie", 2340), ("śląskie", 4400),
            ("świętokrzyskie", 1220), ("warmińsko-mazurskie", 1400), ("wielkopolskie", 3490),
            ("zachodniopomorskie", 1690),
        ),
        wage_2024=96000.0, wage_growth=0.08, contribution_rate=0.1952,
        military_share=0.5, military_until=2008, military_months=(9, 24), maternity_months=(5, 12),
        farmer_share=0.10, self_employed_share=0.08,
    ),
    "bg": CountryProfile(
        code="bg",
        funds=("DOO", "NOI"),
        regions=(
            ("Благоевград", 300), ("Бургас", 400), ("Варна", 470), ("Велико Търново", 230), ("Видин", 80),
            ("Враца", 160), ("Габрово", 105), ("Добрич", 170), ("Кърджали", 160), ("Кюстендил", 115),
            ("Ловеч", 120), ("Монтана", 125), ("Пазарджик", 230), ("Перник", 120), ("Плевен", 235),
            ("Пловдив", 680), ("Разград", 110), ("Русе", 215), ("Силистра", 105), ("Сливен", 185),
            ("Смолян", 100), ("София (столица)", 1280), ("София", 235), ("Стара Загора", 310),
            ("Търговище", 110), ("Хасково", 225), ("Шумен", 170), ("Ямбол", 115),
        ),
        wage_2024=24000.0, wage_growth=0.09, contribution_rate=0.198,
        military_share=0.0, military_until=0, military_months=(0, 0), maternity_months=(12, 14),
        farmer_share=0.03, self_employed_share=0.07,
    ),
}

# NACE Rev. 2 sections: share of employees and log-wage premium.
_SECTORS: tuple[tuple[str, float, float], ...] = (
    ("A", 0.03, -0.25), ("B", 0.005, 0.2), ("C", 0.14, 0.0), ("D", 0.01, 0.3), ("E", 0.01, 0.0),
    ("F", 0.07, -0.05), ("G", 0.18, -0.1), ("H", 0.06, 0.0), ("I", 0.09, -0.2), ("J", 0.03, 0.3),
    ("K", 0.025, 0.35), ("L", 0.01, 0.05), ("M", 0.04, 0.15), ("N", 0.04, -0.15), ("O", 0.08, 0.1),
    ("P", 0.08, 0.0), ("Q", 0.08, 0.0), ("R", 0.02, -0.1), ("S", 0.02, -0.15),
)

# Spell kinds (index into this tuple is stored in the row arrays).
_TYPES: tuple[str, ...] = (
    InsuranceType.EMPLOYMENT.value, InsuranceType.SELF_EMPLOYMENT.value, InsuranceType.FARMING.value,
    InsuranceType.UNEMPLOYMENT_CREDIT.value, InsuranceType.MATERNITY_CREDIT.value, InsuranceType.MILITARY_SERVICE.value,
)
EMP, SELF, FARM, UNEMP, MATER, MIL = range(6)

# Row origin: generated career row, injected duplicate, injected overlap.
BASE, DUPLICATE, OVERLAP = 0, 1, 2


@dataclass
class GenerationResult:
    """What `population_generate` wrote."""

    out_dir: Path
    country: str
    seed: int
    persons: int
    employers: int
    exports: dict[str, Path]  # source (fund) code -> export file
    rows: dict[str, int]  # source code -> data rows
    problems: dict[str, int] = field(default_factory=dict)

    @property
    def persons_path(self) -> Path:
        return self.out_dir / "persons.csv"

    @property
    def employers_path(self) -> Path:
        return self.out_dir / "employers.csv"

    @property
    def truth_path(self) -> Path:
        return self.out_dir / "ground_truth.csv"

    @property
    def totals_path(self) -> Path:
        return self.out_dir / "careers_totals.csv"


# ---------------------------------------------------------------------------- identifiers


def _afm_check(digits: str) -> str:
    """Greek tax number (AFM) check digit, used here for employer registry numbers."""
    total = sum(int(d) * 2 ** (8 - i) for i, d in enumerate(digits))
    return str(total % 11 % 10)


def _nip_check(digits: str) -> int:
    total = sum(w * int(d) for w, d in zip((6, 5, 7, 2, 3, 4, 5, 6, 7), digits)) % 11
    return total  # 10 means "no valid NIP with this stem"


def _eik_check(digits: str) -> str:
    total = sum((i + 1) * int(d) for i, d in enumerate(digits)) % 11
    if total == 10:
        total = sum((i + 3) * int(d) for i, d in enumerate(digits)) % 11
        total = 0 if total == 10 else total
    return str(total)


def _employer_registry_no(country: str, number: int) -> str | None:
    if country == "gr":
        stem = f"{number % 10**8:08d}"
        return stem + _afm_check(stem)
    if country == "pl":
        stem = f"{number % 10**9:09d}"
        check = _nip_check(stem)
        return None if check == 10 else stem + str(check)
    stem = f"{number % 10**8:08d}"
    return stem + _eik_check(stem)


# ---------------------------------------------------------------------------- names


def _name_pools(locale: str) -> dict[str, tuple[list[str], list[str]]]:
    """(given names, surnames) per sex, taken from the Faker locale's person provider."""
    fake = Faker(locale)
    provider = next(p for p in fake.providers if type(p).__module__.startswith("faker.providers.person."))
    male_first, female_first = list(provider.first_names_male), list(provider.first_names_female)
    if locale == "pl_PL":
        unisex = list(provider.unisex_last_names)
        male_last = unisex + list(provider.male_last_names)
        # Polish -ski/-cki surnames take -ska/-cka for women.
        female_last = unisex + [n[:-1] + "a" if n.endswith("i") else n for n in provider.male_last_names]
    elif locale == "bg_BG":
        male_last = list(provider.last_names_male)
        # Bulgarian -ов/-ев/-ин surnames add -а for women; -ски becomes -ска.
        derived = [n[:-1] + "а" if n.endswith("и") else n + "а" for n in provider.last_names_male]
        female_last = sorted(set(provider.last_names_female) | set(derived))
    else:
        male_last, female_last = list(provider.last_names_male), list(provider.last_names_female)
    return {"M": (male_first, male_last), "F": (female_first, female_last)}


def _latin(name: str, country: str) -> str:
    return unidecode(name) if country == "pl" else transliterate(name)


def name_typo(name: str, *, kind: int, position: float, country: str) -> str:
    """A misspelling of `name`: 0 transposed letters, 1 dropped letter, 2 Latin instead of native script."""
    if kind == 2:
        latin = _latin(name, country)
        if latin != name:
            return latin
        kind = 0
    if len(name) < 3:
        return name + name[-1]
    i = min(int(position * (len(name) - 1)), len(name) - 2)
    if kind == 0 and name[i] != name[i + 1]:
        return name[:i] + name[i + 1] + name[i] + name[i + 2 :]
    return name[: i + 1] + name[i + 2 :]


# ---------------------------------------------------------------------------- careers


def _add_months(ordinal: int, months: float) -> int:
    return ordinal + int(round(months * _DAYS_PER_YEAR / 12))


class _Rows:
    """Column store of generated rows (compact: a few million rows for 100,000 persons)."""

    def __init__(self) -> None:
        self.person: list[int] = []
        self.fund: list[int] = []
        self.kind: list[int] = []
        self.employer: list[int] = []
        self.start: list[int] = []
        self.end: list[int] = []
        self.days: list[int] = []
        self.earnings: list[int] = []  # cents
        self.contributions: list[int] = []  # cents

    def arrays(self) -> dict[str, np.ndarray]:
        return {name: np.asarray(values, dtype=np.int64) for name, values in vars(self).items()}


@dataclass
class _Spell:
    kind: int
    start: int  # ordinal, inclusive
    end: int  # ordinal, inclusive
    employer: int = -1
    part: float = 1.0  # share of full-time days
    log_wage: float = 0.0  # person + employer premium


class _CareerBuilder:
    """Walks one person's working life into spells, then cuts the spells into calendar-year rows."""

    def __init__(self, *, profile: CountryProfile, employers: dict, rows: _Rows, military_funds: dict[int, int]):
        self.profile = profile
        self.rules = country_rules(profile.code)
        self.employers = employers
        self.rows = rows
        self.fund_index = {code: i for i, code in enumerate(profile.funds)}
        self.military_unit_fund = military_funds
        self._year_start = {y: dt.date(y, 1, 1).toordinal() for y in range(1940, 2031)}
        self._levels = {y: profile.wage_2024 * math.exp(-profile.wage_growth * (2024 - y)) for y in range(1940, 2031)}

    # -- employer choice: mostly from the person's own region, weighted by employer size
    def _employer(self, rnd: random.Random, region: int, military: bool = False) -> int:
        if military:
            pool = self.employers["military_units"]
            return pool[int(rnd.random() * len(pool))]
        table = self.employers["by_region"].get(region) if rnd.random() < 0.8 else None
        ids, cum = table or self.employers["all"]
        x = rnd.random() * cum[-1]
        lo, hi = 0, len(cum) - 1
        while lo < hi:  # bisect on the cumulative size weights
            mid = (lo + hi) // 2
            if cum[mid] < x:
                lo = mid + 1
            else:
                hi = mid
        return ids[lo]

    def spells(self, *, rnd: random.Random, birth: int, sex: str, region: int, z: float) -> tuple[list[_Spell], int | None]:
        """The person's spells and, for a pensioner, the retirement date (ordinal)."""
        p = self.profile
        year_len = _DAYS_PER_YEAR
        entry = birth + int((18 + 10 * rnd.betavariate(1.6, 3.0)) * year_len)
        retire = birth + int(rnd.uniform(62, 67) * year_len)
        end = min(retire, _DATA_END_ORD)
        retired_on = retire if retire <= _DATA_END_ORD else None
        spells: list[_Spell] = []
        if entry >= end:
            return spells, None
        # Later entrants studied longer: a wage premium.
        z = z + 0.04 * (entry - birth) / year_len - 0.8
        t = entry
        if sex == "M" and p.military_share and rnd.random() < p.military_share:
            start = birth + int(rnd.uniform(18.5, 23.0) * year_len)
            if dt.date.fromordinal(start).year <= p.military_until:
                # Older cohorts served longer.
                lo, hi = p.military_months
                months = hi if start < dt.date(1985, 1, 1).toordinal() else rnd.randint(lo, hi - 6)
                mil_end = _add_months(start, months) - 1
                spells.append(_Spell(MIL, start, min(mil_end, end)))
                t = max(t, mil_end + 1 + rnd.randint(0, 120))
        u = rnd.random()
        track = "farmer" if u < p.farmer_share else "self" if u < p.farmer_share + p.self_employed_share else "employee"
        if p.code == "pl" and sex == "M" and track == "employee" and rnd.random() < 0.03:
            track = "soldier"
        first = True
        while t < end:
            if track == "farmer":
                spells.append(_Spell(FARM, t, end, log_wage=z - 0.9 + rnd.gauss(0, 0.1)))
                break
            if track == "soldier" and first:
                dur = rnd.uniform(12, 28)
                emp = self._employer(rnd, region, military=True)
                spells.append(_Spell(EMP, t, min(end, t + int(dur * year_len)), emp, 1.0, z + self.employers["premium"][emp] + 0.2))
                t = spells[-1].end + 1 + rnd.randint(30, 400)
                first = False
                continue
            self_employed = rnd.random() < (0.75 if track == "self" else 0.06)
            if self_employed:
                dur = rnd.lognormvariate(math.log(6), 0.7)
                spells.append(_Spell(SELF, t, min(end, t + int(dur * year_len)), -1, 1.0, z + rnd.gauss(0, 0.5)))
            else:
                dur = rnd.lognormvariate(math.log(3.5), 0.9)
                emp = self._employer(rnd, region)
                part = 1.0
                if rnd.random() < (0.18 if sex == "F" else 0.06):
                    part = round(rnd.uniform(0.4, 0.8), 2)
                spells.append(_Spell(EMP, t, min(end, t + max(30, int(dur * year_len))), emp, part, z + self.employers["premium"][emp]))
            first = False
            t = spells[-1].end + 1
            if t >= end:
                break
            gap = rnd.random()
            if gap < 0.55:  # job to job
                t += rnd.randint(0, 30)
            elif gap < 0.88:  # unemployment, partly credited
                months = rnd.lognormvariate(math.log(6), 0.7)
                gap_end = min(end, _add_months(t, months))
                if rnd.random() < 0.6:
                    credit_end = min(gap_end, _add_months(t, min(months, 12.0))) - 1
                    if credit_end > t:
                        spells.append(_Spell(UNEMP, t, credit_end, log_wage=z - 1.0))
                t = gap_end
            else:  # out of the labour force (studies, care, abroad)
                t += int(rnd.uniform(0.5, 5.0) * year_len)
        if sex == "F" and spells:
            spells = self._maternity(rnd, birth, spells)
        return spells, retired_on

    def _maternity(self, rnd: random.Random, birth: int, spells: list[_Spell]) -> list[_Spell]:
        """Children born during an employment spell interrupt it with a maternity credit."""
        children = rnd.choices((0, 1, 2, 3), weights=(0.22, 0.3, 0.35, 0.13))[0]
        ages = sorted(rnd.uniform(23, 39) for _ in range(children))
        lo, hi = self.profile.maternity_months
        for age in ages:
            day = birth + int(age * _DAYS_PER_YEAR)
            for index, spell in enumerate(spells):
                if spell.kind == EMP and spell.start < day <= spell.end:
                    m_end = min(spell.end, _add_months(day, rnd.randint(lo, hi)) - 1)
                    pieces = [
                        _Spell(EMP, spell.start, day - 1, spell.employer, spell.part, spell.log_wage),
                        _Spell(MATER, day, m_end, log_wage=spell.log_wage - 0.2),
                    ]
                    if m_end < spell.end:
                        pieces.append(_Spell(EMP, m_end + 1, spell.end, spell.employer, spell.part, spell.log_wage))
                    spells[index : index + 1] = pieces
                    break
        return spells

    def _fund(self, spell: _Spell, year: int) -> int:
        code = self.profile.code
        if code == "bg":
            return self.fund_index["DOO" if year < 2000 else "NOI"]
        if spell.kind == FARM:
            return self.fund_index["OGA" if code == "gr" else "KRUS"]
        if code == "gr":
            return self.fund_index["OAEE" if spell.kind == SELF else "IKA-ETAM"]
        if spell.kind == EMP and spell.employer in self.military_unit_fund:
            return self.military_unit_fund[spell.employer]
        return self.fund_index["ZUS"]

    def emit(self, *, rnd: random.Random, person: int, spells: list[_Spell], career_start: int) -> None:
        """Cut spells into calendar-year rows (days by the country's rule, earnings in cents)."""
        rows, gr = self.rows, self.profile.code == "gr"
        full_year_days = self.rules.days_per_insured_year if gr else None
        rate = self.profile.contribution_rate
        for spell in spells:
            y0, y1 = dt.date.fromordinal(spell.start).year, dt.date.fromordinal(spell.end).year
            for year in range(y0, y1 + 1):
                jan1, next_jan1 = self._year_start[year], self._year_start[year + 1]
                start, end = max(spell.start, jan1), min(spell.end, next_jan1 - 1)
                if end < start:
                    continue
                calendar = end - start + 1
                year_days = next_jan1 - jan1
                # Greece: 25 days a month full time (300 a year), rounded on the day of the year so
                # the pieces of one year never add up to more than 300; Poland/Bulgaria: calendar days.
                if gr:
                    full = round((end - jan1 + 1) * full_year_days / year_days) - round((start - jan1) * full_year_days / year_days)
                    if not full:
                        continue
                else:
                    full = calendar
                days = max(1, round(full * spell.part))
                if spell.kind == MIL:
                    earnings = 0
                else:
                    experience = max(0.0, (start - career_start) / _DAYS_PER_YEAR)
                    log_w = spell.log_wage + 0.035 * experience - 0.0006 * experience * experience + rnd.gauss(0, 0.05)
                    earnings = round(self._levels[year] * math.exp(log_w) * calendar / year_days * spell.part * 100)
                rows.person.append(person)
                rows.fund.append(self._fund(spell, year))
                rows.kind.append(spell.kind)
                rows.employer.append(spell.employer)
                rows.start.append(start)
                rows.end.append(end)
                rows.days.append(days)
                rows.earnings.append(earnings)
                rows.contributions.append(round(earnings * rate))


# ---------------------------------------------------------------------------- generation


def _money(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def population_generate(
    *,
    persons: int,
    seed: int,
    country: str,
    out_dir: Path,
    rates: ProblemRates | None = None,
    progress: Callable[[int], None] | None = None,
) -> GenerationResult:
    """Generate `persons` synthetic people of `country` and write the exports and truth files to `out_dir`.

    Deterministic: the same arguments give byte-identical files. `progress(n)` is called as
    persons' careers are built (n persons since the last call).
    """
    if country not in PROFILES:
        raise ValueError(f"unknown country {country!r}")
    rates = rates or ProblemRates()
    profile = PROFILES[country]
    rules = country_rules(country)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    n = int(persons)

    # -- persons (vectorised draws)
    sex = np.where(rng.random(n) < 0.5, "F", "M")
    years = np.arange(1945, 2005)
    cohort_weight = 1.0 + 0.5 * np.exp(-(((years - 1965) / 12.0) ** 2))
    birth_year = rng.choice(years, size=n, p=cohort_weight / cohort_weight.sum())
    jan1 = np.array([dt.date(int(y), 1, 1).toordinal() for y in years])
    year_len = np.array([366 if (y % 4 == 0 and y % 100 != 0) or y % 400 == 0 else 365 for y in years])
    yi = birth_year - 1945
    birth = jan1[yi] + (rng.random(n) * year_len[yi]).astype(np.int64)
    region_w = np.array([w for _, w in profile.regions], dtype=float)
    region = rng.choice(len(region_w), size=n, p=region_w / region_w.sum())
    z_wage = rng.normal(0.0, 0.45, n)
    career_seed = rng.integers(0, 2**62, n)
    pools = _name_pools(rules.locale)
    first_draw, last_draw = rng.random(n), rng.random(n)
    serial_draw = rng.integers(0, 10**6, n)
    email_no = rng.integers(1, 1000, n)
    email_domain = rng.integers(0, 2, n)
    phone_no = rng.integers(0, 10**8, n)

    sex_l, birth_l = sex.tolist(), birth.tolist()
    given, surname, nids, births_iso = [], [], [], []
    used: set[str] = set()
    for i in range(n):
        firsts, lasts = pools[sex_l[i]]
        given.append(firsts[int(first_draw[i] * len(firsts))])
        surname.append(lasts[int(last_draw[i] * len(lasts))])
        bdate = dt.date.fromordinal(birth_l[i])
        births_iso.append(bdate.isoformat())
        serial = int(serial_draw[i])
        nid = make_national_id(country, bdate, sex_l[i], serial)
        while nid in used:  # a handful of collisions per birth date: take the next serial
            serial += 1
            nid = make_national_id(country, bdate, sex_l[i], serial)
        used.add(nid)
        nids.append(nid)
    emails = [
        f"{unidecode(_latin(g, country)).lower()}.{unidecode(_latin(s, country)).lower()}{e}@{'example.org' if d else 'example.net'}".replace(" ", "")
        for g, s, e, d in zip(given, surname, email_no.tolist(), email_domain.tolist())
    ]
    phones = [_phone(country, int(x)) for x in phone_no.tolist()]

    # -- employers
    fake = Faker(rules.locale)
    fake.seed_instance(seed)
    n_emp = max(30, n // 8)
    sector_w = np.array([s[1] for s in _SECTORS])
    emp_sector = rng.choice(len(_SECTORS), size=n_emp, p=sector_w / sector_w.sum())
    emp_region = rng.choice(len(region_w), size=n_emp, p=region_w / region_w.sum())
    emp_size = rng.pareto(1.1, n_emp) + 1.0
    emp_premium = (rng.normal(0.0, 0.15, n_emp) + np.array([s[2] for s in _SECTORS])[emp_sector]).tolist()
    emp_names = [fake.company() for _ in range(n_emp)]
    # Spare numbers: about one Polish NIP stem in eleven has no valid check digit.
    emp_numbers = rng.choice(9 * 10**7, size=n_emp + n_emp // 5 + 50, replace=False) + 10**7
    emp_regs: list[str] = []
    for number in emp_numbers.tolist():
        reg = _employer_registry_no(country, number)
        if reg is not None:
            emp_regs.append(reg)
        if len(emp_regs) == n_emp:
            break
    emp_sector_l = [_SECTORS[s][0] for s in emp_sector.tolist()]
    emp_region_l = [profile.regions[r][0] for r in emp_region.tolist()]
    military_units: list[int] = []
    military_funds: dict[int, int] = {}
    if country == "pl":
        # Professional soldiers are insured by the Military Pension Office (WBE), not ZUS.
        for k in range(12):
            military_units.append(len(emp_regs))
            military_funds[len(emp_regs)] = profile.funds.index("WBE")
            emp_regs.append(_employer_registry_no(country, 5_260_000_000 + k * 7919) or f"526{k:07d}")
            emp_names.append(f"Jednostka Wojskowa nr {1000 + 137 * k}")
            emp_sector_l.append("O")
            emp_region_l.append(profile.regions[k % len(profile.regions)][0])
            emp_premium.append(0.1)
    by_region: dict[int, tuple[list[int], list[float]]] = {}
    cum_all = np.cumsum(emp_size).tolist()
    for r in range(len(region_w)):
        ids = np.flatnonzero(emp_region == r)
        if len(ids):
            by_region[r] = (ids.tolist(), np.cumsum(emp_size[ids]).tolist())
    employers = {"by_region": by_region, "all": (list(range(n_emp)), cum_all), "premium": emp_premium, "military_units": military_units}

    # -- careers
    rows = _Rows()
    builder = _CareerBuilder(profile=profile, employers=employers, rows=rows, military_funds=military_funds)
    region_l, z_l, seed_l = region.tolist(), z_wage.tolist(), career_seed.tolist()
    retired_on: list[int | None] = [None] * n
    for i in range(n):
        rnd = random.Random(seed_l[i])
        spells, retired_on[i] = builder.spells(rnd=rnd, birth=birth_l[i], sex=sex_l[i], region=region_l[i], z=z_l[i])
        if spells:
            builder.emit(rnd=rnd, person=i, spells=spells, career_start=min(s.start for s in spells))
        if progress and (i + 1) % 1000 == 0:
            progress(1000)
    if progress and n % 1000:
        progress(n % 1000)
    base = rows.arrays()
    del rows, builder  # the column lists are copied into numpy: free them before the table doubles
    table, problems = _inject(rng, base, rates, n_persons=n, n_funds=len(profile.funds), n_emp=n_emp, country=country)
    del base

    # -- member numbers: stable per person and fund
    member_nos = []
    for f, code in enumerate(profile.funds):
        prefix = "".join(ch for ch in code if ch.isalnum())[:4]
        perm = rng.permutation(n) + 1_000_000 + 1_000_000 * f
        member_nos.append([f"{prefix}{x}" for x in perm.tolist()])

    result = GenerationResult(out_dir=out_dir, country=country, seed=seed, persons=n, employers=len(emp_regs), exports={}, rows={}, problems=problems)
    _write_outputs(
        result=result, profile=profile, table=table, nids=nids, surname=surname, given=given, births_iso=births_iso,
        member_nos=member_nos, emp_regs=emp_regs, emp_names=emp_names, sex=sex_l, emails=emails, phones=phones,
        regions=[profile.regions[r][0] for r in region_l], emp_sector=emp_sector_l, emp_region=emp_region_l,
        retired_on=retired_on, rates=rates,
    )
    return result


def _phone(country: str, x: int) -> str:
    if country == "gr":
        return f"+30 69{x:08d}"
    if country == "pl":
        return f"+48 {5 + x % 4}{x // 10**6 % 100:02d} {x // 1000 % 1000:03d} {x % 1000:03d}"
    return f"+359 8{7 + x % 3} {x // 10**4 % 1000:03d} {x % 10**4:04d}"


def _inject(rng: np.random.Generator, base: dict[str, np.ndarray], rates: ProblemRates, *, n_persons: int, n_funds: int, n_emp: int, country: str) -> tuple[dict[str, np.ndarray], dict[str, int]]:
    """Add problem markers to the generated rows, append injected duplicate and overlap rows, sort.

    Returns the final row table (sorted by fund, person, start, origin) with columns: the base
    columns plus origin (BASE/DUPLICATE/OVERLAP), missing (0/1 row/2 membership), typo (-1 none, else kind*2+field),
    typo_pos, outlier, orig (position of the repeated row for a duplicate, else -1).
    """
    m = len(base["person"])
    blank_member = rng.random((n_persons, n_funds)) < rates.member_without_id
    whole = blank_member[base["person"], base["fund"]]
    row_rate = max(0.0, rates.missing_id - float(whole.mean())) if m else 0.0
    # 0: id reported, 1: left blank on this row, 2: never reported by this fund for this person.
    missing = np.where(whole, 2, np.where(rng.random(m) < row_rate, 1, 0))
    typo_kind = rng.integers(0, 3, m)
    typo_surname = rng.random(m) < 0.7
    typo = np.where(rng.random(m) < rates.typo, typo_kind * 2 + typo_surname, -1)
    typo_pos = rng.random(m)
    outlier = (rng.random(m) < rates.outlier) & (base["earnings"] > 0)
    base["earnings"] = np.where(outlier, base["earnings"] * 100, base["earnings"])

    dup = np.flatnonzero(rng.random(m) < rates.duplicate)
    dup_fund = (base["fund"][dup] + 1 + rng.integers(0, max(1, n_funds - 1), len(dup))) % n_funds

    # Overlaps: a second employer reporting part of an employment row's months again.
    eligible = (base["kind"] == EMP) & (base["end"] - base["start"] >= 40)
    share = max(eligible.mean(), 1e-9) if m else 1.0
    ov = np.flatnonzero(eligible & (rng.random(m) < min(1.0, rates.overlap / share)))
    span = base["end"][ov] - base["start"][ov] + 1
    ov_len = np.minimum(span, rng.integers(28, 92, len(ov)))
    ov_start = base["start"][ov] + (rng.random(len(ov)) * (span - ov_len + 1)).astype(np.int64)
    ov_end = ov_start + ov_len - 1
    ov_emp = (base["employer"][ov] + 1 + rng.integers(0, max(1, n_emp - 1), len(ov))) % n_emp
    gr = country == "gr"
    ov_days = np.maximum(1, np.rint(ov_len * 300 / 365.0)).astype(np.int64) if gr else ov_len
    daily = base["earnings"][ov] / np.maximum(1, base["end"][ov] - base["start"][ov] + 1)
    ov_earn = np.rint(daily * ov_len * rng.uniform(0.8, 1.2, len(ov))).astype(np.int64)
    ratio = base["contributions"][ov] / np.maximum(1, base["earnings"][ov])
    ov_contrib = np.rint(ov_earn * ratio).astype(np.int64)

    def extra(idx: np.ndarray, **overrides: np.ndarray) -> dict[str, np.ndarray]:
        cols = {k: v[idx] for k, v in base.items()}
        cols.update(overrides)
        return cols

    parts = [
        dict(base, origin=np.full(m, BASE), missing=missing, typo=typo, typo_pos=typo_pos, orig=np.full(m, -1), outlier=outlier),
        extra(dup, fund=dup_fund, origin=np.full(len(dup), DUPLICATE), missing=np.where(blank_member[base["person"][dup], dup_fund], 2, 0),
              typo=np.full(len(dup), -1), typo_pos=np.zeros(len(dup)), orig=dup, outlier=outlier[dup]),
        extra(ov, employer=ov_emp, start=ov_start, end=ov_end, days=ov_days, earnings=ov_earn, contributions=ov_contrib,
              origin=np.full(len(ov), OVERLAP), missing=np.where(whole[ov], 2, 0), typo=np.full(len(ov), -1),
              typo_pos=np.zeros(len(ov)), orig=np.full(len(ov), -1), outlier=np.zeros(len(ov), bool)),
    ]
    table = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    # The original row of a duplicate, as a position in the final table.
    row_id = np.arange(len(table["person"]))
    order = np.lexsort((row_id, table["origin"], table["start"], table["person"], table["fund"]))
    table = {k: v[order] for k, v in table.items()}
    position = np.empty_like(order)
    position[order] = np.arange(len(order))
    table["orig"] = np.where(table["orig"] >= 0, position[np.maximum(table["orig"], 0)], -1)
    problems = {
        "rows": int(len(order)),
        "missing_id": int((table["missing"] > 0).sum()),
        "member_without_id": int((table["missing"] == 2).sum()),
        "typo": int((typo >= 0).sum()),
        "duplicate": int(len(dup)),
        "overlap": int(len(ov)),
        "outlier": int(outlier.sum()),
    }
    return table, problems


def _write_outputs(*, result: GenerationResult, profile: CountryProfile, table: dict[str, np.ndarray], nids: list[str],
                   surname: list[str], given: list[str], births_iso: list[str], member_nos: list[list[str]],
                   emp_regs: list[str], emp_names: list[str], sex: list[str], emails: list[str], phones: list[str],
                   regions: list[str], emp_sector: list[str], emp_region: list[str], retired_on: list[int | None],
                   rates: ProblemRates) -> None:
    out, country, currency = result.out_dir, profile.code, country_rules(profile.code).currency
    iso: dict[int, str] = {}

    def date_iso(ordinal: int) -> str:
        text = iso.get(ordinal)
        if text is None:
            text = iso[ordinal] = dt.date.fromordinal(ordinal).isoformat()
        return text

    # Record ids number each fund's rows in file order.
    fund_all = table["fund"]
    seq = np.zeros(len(fund_all), np.int64)
    for f in range(len(profile.funds)):
        mask = fund_all == f
        seq[mask] = np.arange(1, int(mask.sum()) + 1)
    prefixes = ["".join(ch for ch in code if ch.isalnum()) for code in profile.funds]

    def record_id(i: int) -> str:
        return f"{prefixes[int(fund_all[i])]}-{int(seq[i]):09d}"

    handles, writers = {}, {}
    try:
        for f, code in enumerate(profile.funds):
            path = out / f"{code}.csv"
            handles[f] = path.open("w", encoding="utf-8", newline="")
            writers[f] = csv.writer(handles[f], lineterminator="\n")
            writers[f].writerow(EXPORT_HEADER)
            result.exports[code] = path
            result.rows[code] = 0
        with result.truth_path.open("w", encoding="utf-8", newline="") as truth_file:
            truth = csv.writer(truth_file, lineterminator="\n")
            truth.writerow(TRUTH_HEADER)
            chunk = 50_000  # Python lists for one chunk at a time: bounded memory for millions of rows
            for offset in range(0, len(fund_all), chunk):
                cols = {k: v[offset : offset + chunk].tolist() for k, v in table.items()}
                seqs = seq[offset : offset + chunk].tolist()
                for i in range(len(seqs)):
                    p, f = cols["person"][i], cols["fund"][i]
                    rid = f"{prefixes[f]}-{seqs[i]:09d}"
                    sur, giv = surname[p], given[p]
                    flags = []
                    origin = cols["origin"][i]
                    if origin == DUPLICATE:
                        flags.append("duplicate")
                    elif origin == OVERLAP:
                        flags.append("overlap")
                    if cols["missing"][i]:
                        flags.append("missing_id")
                        if cols["missing"][i] == 2:
                            flags.append("member_without_id")
                    typo = cols["typo"][i]
                    if typo >= 0:
                        kind, on_surname = divmod(typo, 2)
                        if on_surname:
                            sur = name_typo(sur, kind=kind, position=cols["typo_pos"][i], country=country)
                        else:
                            giv = name_typo(giv, kind=kind, position=cols["typo_pos"][i], country=country)
                        flags.append("typo")
                    if cols["outlier"][i]:
                        flags.append("outlier")
                    e = cols["employer"][i]
                    writers[f].writerow((
                        rid, "" if cols["missing"][i] else nids[p], profile.funds[f], member_nos[f][p], sur, giv,
                        births_iso[p], emp_regs[e] if e >= 0 else "", emp_names[e] if e >= 0 else "",
                        date_iso(cols["start"][i]), date_iso(cols["end"][i]), cols["days"][i],
                        _money(cols["earnings"][i]), currency, _money(cols["contributions"][i]), _TYPES[cols["kind"][i]],
                    ))
                    orig = cols["orig"][i]
                    truth.writerow((
                        profile.funds[f], rid, nids[p], ";".join(flags),
                        f"{profile.funds[int(fund_all[orig])]}:{record_id(orig)}" if orig >= 0 else "",
                    ))
        for f, code in enumerate(profile.funds):
            result.rows[code] = int((fund_all == f).sum())
    finally:
        for handle in handles.values():
            handle.close()

    with result.persons_path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(PERSONS_HEADER)
        writer.writerows(zip(nids, surname, given, births_iso, sex, emails, phones, regions))
    with result.employers_path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(EMPLOYERS_HEADER)
        writer.writerows(zip(emp_regs, emp_names, emp_sector, emp_region))

    # Totals: every row except injected duplicates (exact integer sums in cents).
    n = len(nids)
    counted = table["origin"] != DUPLICATE
    person = table["person"][counted]
    n_rows = np.bincount(person, minlength=n)
    days = np.bincount(person, weights=table["days"][counted], minlength=n).astype(np.int64)
    earn = np.zeros(n, np.int64)
    np.add.at(earn, person, table["earnings"][counted])
    contrib = np.zeros(n, np.int64)
    np.add.at(contrib, person, table["contributions"][counted])
    first = np.full(n, np.iinfo(np.int64).max)
    np.minimum.at(first, person, table["start"][counted])
    last = np.zeros(n, np.int64)
    np.maximum.at(last, person, table["end"][counted])
    with result.totals_path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(TOTALS_HEADER)
        for p, (r, d, e, c, a, b) in enumerate(zip(n_rows.tolist(), days.tolist(), earn.tolist(), contrib.tolist(), first.tolist(), last.tolist())):
            writer.writerow((
                nids[p], r, d, _money(e), _money(c), date_iso(a) if r else "", date_iso(b) if r else "",
                date_iso(retired_on[p]) if retired_on[p] else "",
            ))

    manifest = {
        "country": country,
        "seed": result.seed,
        "persons": result.persons,
        "employers": result.employers,
        "data_end": DATA_END.isoformat(),
        "rates": asdict(rates),
        "injected": result.problems,
        "exports": {code: {"file": path.name, "rows": result.rows[code]} for code, path in result.exports.items()},
        "export_header": list(EXPORT_HEADER),
        "files": {
            "persons.csv": "civil registry: " + ", ".join(PERSONS_HEADER),
            "employers.csv": "employer registry: " + ", ".join(EMPLOYERS_HEADER),
            "ground_truth.csv": "every (source, source_record_id) -> true national_id; problems injected into the row "
            "(missing_id, member_without_id, typo, duplicate, overlap, outlier); duplicate_of = source:source_record_id it repeats",
            "careers_totals.csv": TOTALS_MEANING,
        },
    }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8")
