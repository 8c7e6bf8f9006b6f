import csv
from collections import Counter, defaultdict
from decimal import Decimal
from pathlib import Path

import pytest

from pronoia.demo.synthetic import EXPORT_HEADER, PROFILES, ProblemRates, name_typo, population_generate
from pronoia.insurance.models import InsuranceType
from pronoia.people.national_ids import validate_national_id


def read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def greece(tmp_path_factory):
    """A population big enough for the injected rates to be measurable (~33,000 rows)."""
    return population_generate(persons=1000, seed=7, country="gr", out_dir=tmp_path_factory.mktemp("gr"))


def test_same_seed_gives_identical_files_and_another_seed_does_not(tmp_path):
    first = population_generate(persons=150, seed=3, country="pl", out_dir=tmp_path / "a")
    population_generate(persons=150, seed=3, country="pl", out_dir=tmp_path / "b")
    population_generate(persons=150, seed=4, country="pl", out_dir=tmp_path / "c")
    names = sorted(p.name for p in first.out_dir.iterdir())
    assert names == sorted(["KRUS.csv", "WBE.csv", "ZUS.csv", "persons.csv", "employers.csv", "ground_truth.csv", "careers_totals.csv", "manifest.json"])
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
    assert (tmp_path / "a" / "ZUS.csv").read_bytes() != (tmp_path / "c" / "ZUS.csv").read_bytes()


@pytest.mark.parametrize("country", sorted(PROFILES))
def test_exports_have_the_exact_header_valid_unique_ids_and_native_names(tmp_path, country):
    result = population_generate(persons=200, seed=1, country=country, out_dir=tmp_path)
    assert sorted(result.exports) == sorted(PROFILES[country].funds)
    for path in result.exports.values():
        with path.open(encoding="utf-8") as fh:
            assert fh.readline().rstrip("\n") == ",".join(EXPORT_HEADER)
    persons = read(result.persons_path)
    assert len(persons) == 200
    assert len({p["national_id"] for p in persons}) == 200
    for person in persons:
        facts = validate_national_id(country, person["national_id"])
        assert facts.birth_date.isoformat() == person["birth_date"]
        assert facts.sex in ("", person["sex"])
        assert 1945 <= facts.birth_date.year <= 2004
        assert person["email"].rsplit("@", 1)[1] in ("example.org", "example.net")
        assert person["email"].isascii()
    native = "".join(p["surname"] for p in persons)
    if country == "gr":
        assert any("\u0370" <= ch <= "\u03ff" for ch in native)
    elif country == "bg":
        assert any("\u0400" <= ch <= "\u04ff" for ch in native)
    else:
        assert any(ch in "ąćęłńóśźż" for ch in native.lower())


def test_rows_follow_the_country_day_rule_and_insurance_types(greece):
    types = set(InsuranceType.values)
    per_person_year: dict[tuple[str, str], int] = Counter()
    truth = {(r["source"], r["source_record_id"]): r for r in read(greece.truth_path)}
    for code, path in greece.exports.items():
        for row in read(path):
            assert row["legacy_fund"] == code
            assert row["insurance_type"] in types
            assert row["currency"] == "EUR"
            start, end = row["period_from"], row["period_to"]
            assert start[:4] == end[:4] and start <= end  # clipped to one calendar year
            days = int(row["days"])
            assert 1 <= days <= 300
            assert Decimal(row["earnings"]).as_tuple().exponent == -2
            problems = truth[(code, row["source_record_id"])]["problems"]
            if "duplicate" not in problems and "overlap" not in problems:
                per_person_year[(truth[(code, row["source_record_id"])]["national_id"], start[:4])] += days
    # Greece: 25 days a month full time, at most 300 a year, unless an overlap was injected.
    assert max(per_person_year.values()) <= 300
    kinds = Counter(r["insurance_type"] for r in read(greece.exports["IKA-ETAM"]))
    for kind in ("employment", "unemployment_credit", "maternity_credit", "military_service"):
        assert kinds[kind] > 0, kind
    assert Counter(r["insurance_type"] for r in read(greece.exports["OAEE"]))["self_employment"] > 0
    assert Counter(r["insurance_type"] for r in read(greece.exports["OGA"]))["farming"] > 0


def test_injected_problem_rates_are_roughly_as_configured(greece):
    truth = read(greece.truth_path)
    share = Counter()
    for row in truth:
        for problem in filter(None, row["problems"].split(";")):
            share[problem] += 1
    n = len(truth)
    rates = ProblemRates()
    assert abs(share["missing_id"] / n - rates.missing_id) < 0.01
    assert abs(share["typo"] / n - rates.typo) < 0.004
    assert abs(share["duplicate"] / n - rates.duplicate) < 0.006
    assert abs(share["overlap"] / n - rates.overlap) < 0.003
    assert 0 < share["outlier"] < 0.005 * n


def test_problem_rows_say_what_the_truth_file_says(greece):
    rows = {(code, r["source_record_id"]): r for code, path in greece.exports.items() for r in read(path)}
    truth = read(greece.truth_path)
    assert len(rows) == len(truth)
    persons = {p["national_id"]: p for p in read(greece.persons_path)}
    ids_by_member: dict[tuple[str, str], set[str]] = defaultdict(set)
    missing_members, blank_members = set(), set()
    for t in truth:
        row = rows[(t["source"], t["source_record_id"])]
        person = persons[t["national_id"]]
        member = (row["legacy_fund"], row["legacy_member_no"])
        if "missing_id" in t["problems"]:
            assert row["national_id"] == ""
            missing_members.add(member)
            if "member_without_id" in t["problems"]:
                blank_members.add(member)
        else:
            assert row["national_id"] == t["national_id"]
            ids_by_member[member].add(row["national_id"])
        if "typo" in t["problems"]:
            assert (row["surname"], row["given_name"]) != (person["surname"], person["given_name"])
        else:
            assert (row["surname"], row["given_name"]) == (person["surname"], person["given_name"])
        if "duplicate" in t["problems"]:
            original = rows[tuple(t["duplicate_of"].split(":", 1))]
            facts = ("national_id", "employer_registry_no", "period_from", "period_to", "days", "earnings", "contributions", "insurance_type")
            assert row["legacy_fund"] != original["legacy_fund"]
            assert [row[f] for f in facts[1:]] == [original[f] for f in facts[1:]]
    # A member number is one person; most rows without an id have it on another row of the fund,
    # except members whose fund never recorded it.
    assert all(len(ids) == 1 for ids in ids_by_member.values())
    assert sum(member in ids_by_member for member in missing_members) >= 0.8 * len(missing_members)
    assert blank_members and not blank_members & set(ids_by_member)


def test_totals_file_sums_the_rows_except_injected_duplicates(greece):
    rows = {(code, r["source_record_id"]): r for code, path in greece.exports.items() for r in read(path)}
    expected: dict[str, list] = defaultdict(lambda: [0, 0, Decimal("0"), Decimal("0")])
    for t in read(greece.truth_path):
        if "duplicate" in t["problems"]:
            continue
        row = rows[(t["source"], t["source_record_id"])]
        total = expected[t["national_id"]]
        total[0] += 1
        total[1] += int(row["days"])
        total[2] += Decimal(row["earnings"])
        total[3] += Decimal(row["contributions"])
    totals = read(greece.totals_path)
    assert len(totals) == greece.persons
    for t in totals:
        got = [int(t["rows"]), int(t["days"]), Decimal(t["earnings"]), Decimal(t["contributions"])]
        assert got == expected.get(t["national_id"], [0, 0, Decimal("0"), Decimal("0")])
    retired = [t for t in totals if t["retired_on"]]
    assert retired and all(t["last_period_to"] <= t["retired_on"] for t in retired)


@pytest.mark.parametrize(
    ("name", "kind", "country", "expected"),
    [
        ("Παπαδόπουλος", 2, "gr", "Papadopoulos"),
        ("Иванов", 2, "bg", "Ivanov"),
        ("Wiśniewski", 2, "pl", "Wisniewski"),
        ("Nowak", 2, "pl", "oNwak"),  # already Latin: falls back to transposed letters
        ("Nowak", 0, "pl", "oNwak"),
        ("Nowak", 1, "pl", "Nwak"),
    ],
)
def test_name_typo(name, kind, country, expected):
    assert name_typo(name, kind=kind, position=0.0, country=country) == expected
