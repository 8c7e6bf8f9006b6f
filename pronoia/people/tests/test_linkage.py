import datetime as dt

import pytest

from pronoia.people.linkage import (
    identity_key,
    legacy_identifiers_learn_bulk,
    legacy_identifiers_lookup,
    match_name_birth_date,
    persons_by_birth_date_lookup,
    persons_by_national_id_lookup,
)
from pronoia.people.models import LegacyIdentifier
from pronoia.people.names import name_key
from pronoia.people.tests.factories import PersonFactory

KEY = name_key("Papadopoulos", "Georgios")


def test_exactly_one_equal_name_is_a_confident_link():
    decision = match_name_birth_date(key=KEY, candidates=[(1, KEY), (2, name_key("Ioannou", "Maria"))])

    assert (decision.method, decision.person_id, decision.uncertain) == ("name_birth_date", 1, False)


def test_several_equal_names_are_uncertain():
    decision = match_name_birth_date(key=KEY, candidates=[(2, KEY), (1, KEY)])

    assert decision.person_id is None and decision.uncertain
    assert [c.person_id for c in decision.candidates] == [1, 2]


@pytest.mark.parametrize(
    ("surname", "given_name"),
    [("Papadopoylos", "Georgis"), ("Papadopolos", "Georgios"), ("Georgios", "Papadopoulos")],
)
def test_similar_or_swapped_names_are_uncertain_candidates(surname, given_name):
    decision = match_name_birth_date(key=name_key(surname, given_name), candidates=[(7, KEY)])

    assert decision.uncertain and decision.candidates[0].person_id == 7 and decision.candidates[0].score >= 80


def test_different_name_is_unmatched():
    decision = match_name_birth_date(key=name_key("Ioannou", "Maria"), candidates=[(7, KEY)])

    assert (decision.method, decision.person_id, decision.uncertain) == ("none", None, False)


def test_greek_and_latin_spellings_meet():
    assert match_name_birth_date(key=name_key("ΠΑΠΑΔΟΠΟΥΛΟΣ", "Γεώργιος"), candidates=[(3, KEY)]).person_id == 3


def test_identity_key_is_stable_and_distinguishes_identities():
    a = identity_key(source_code="IKA", fund_code="IKA-ETAM", member_no="1", name_key=KEY, birth_date=dt.date(1970, 1, 1))
    b = identity_key(source_code="IKA", fund_code="IKA-ETAM", member_no="2", name_key=KEY, birth_date=dt.date(1970, 1, 1))

    assert a == identity_key(source_code="IKA", fund_code="IKA-ETAM", member_no="1", name_key=KEY, birth_date=dt.date(1970, 1, 1))
    assert a != b and len(a) == 64


@pytest.mark.django_db
def test_bulk_lookups(django_assert_num_queries):
    person = PersonFactory()
    other = PersonFactory(birth_date=person.birth_date)
    LegacyIdentifier.objects.create(person=person, fund_code="OAEE", member_no="9")

    with django_assert_num_queries(3):
        assert persons_by_national_id_lookup(country="gr", national_ids=[person.national_id, "x"]) == {person.national_id: person.pk}
        assert legacy_identifiers_lookup(keys=[("OAEE", "9"), ("IKA-ETAM", "9")]) == {("OAEE", "9"): person.pk}
        born = persons_by_birth_date_lookup(country="gr", birth_dates=[person.birth_date])
    assert sorted(born[person.birth_date]) == sorted([(person.pk, person.name_key), (other.pk, other.name_key)])


@pytest.mark.django_db
def test_learning_member_numbers_in_bulk_reports_conflicts_and_never_reassigns():
    a, b = PersonFactory(), PersonFactory()
    LegacyIdentifier.objects.create(person=a, fund_code="OAEE", member_no="1")

    conflicts = legacy_identifiers_learn_bulk(links={("OAEE", "1"): b.pk, ("OAEE", "2"): b.pk}, learnt_from="IKA")

    assert conflicts == [(("OAEE", "1"), b.pk, a.pk)]
    assert dict(LegacyIdentifier.objects.values_list("member_no", "person_id")) == {"1": a.pk, "2": b.pk}
    assert LegacyIdentifier.objects.get(member_no="2").learnt_from == "IKA"
