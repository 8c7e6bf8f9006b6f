"""handover_requested: asking for a person, in the five languages, and not for ordinary questions."""
from __future__ import annotations

import pytest

from pronoia.contact.retrieval import handover_requested


@pytest.mark.parametrize(("text", "language"), [
    ("I want to talk to a person", "en"),
    ("Can I speak to a human please?", "en"),
    ("Connect me with an operator", "en"),
    ("operator!", "en"),
    ("Θέλω να μιλήσω με έναν υπάλληλο", "el"),
    ("ΜΠΟΡΩ ΝΑ ΜΙΛΗΣΩ ΜΕ ΑΝΘΡΩΠΟ;", "el"),
    ("Chcę porozmawiać z konsultantem", "pl"),
    ("Proszę połączyć mnie z człowiekiem", "pl"),
    ("Искам да говоря с оператор", "bg"),
    ("Свържете ме със служител", "bg"),
    ("Хочу поговорить с живым человеком", "ru"),
    ("Соедините с оператором, пожалуйста", "ru"),
    ("I want to talk to a person", "el"),  # typed in another language than the page's
    ("Хочу поговорить с оператором", None),
])
def test_requests_for_a_person(text, language):
    assert handover_requested(text, language)


@pytest.mark.parametrize(("text", "language"), [
    ("When can I retire?", "en"),
    ("How do I register a person as my dependant?", "en"),
    ("Πότε θα πάρω σύνταξη;", "el"),
    ("Jak złożyć wniosek o zasiłek?", "pl"),
    ("Кога ще получа пенсията си?", "bg"),
    ("Какой пенсионный возраст?", "ru"),
    ("", None),
])
def test_ordinary_questions(text, language):
    assert not handover_requested(text, language)


def test_huge_input_is_capped():
    assert not handover_requested("pension " * 20_000 + " talk to a human", "en")
