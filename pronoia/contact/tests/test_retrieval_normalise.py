"""Normalisation for BM25: folding, stemming per language, scripts, hostile input."""
from __future__ import annotations

import time

import pytest

from pronoia.contact.retrieval.normalise import QUERY_MAX_CHARS, languages_guess, script_detect, text_fold, tokens


def test_fold_removes_accents_and_case_and_final_sigma():
    assert text_fold("ΣΥΝΤΆΞΕΙΣ Συντάξεις") == "συνταξεισ συνταξεισ"
    assert text_fold("Zażółć GĘŚLĄ jaźń") == "zazolc gesla jazn"
    assert text_fold("Пенсия ЁЛКА й") == "пенсия елка и"


@pytest.mark.parametrize(("words", "language"), [
    (["συντάξεις", "ΣΥΝΤΑΞΗ", "σύνταξης", "συνταξεις"], "el"),
    (["pensions", "Pension", "pensioned"], "en"),
    (["emerytura", "emerytury", "emeryturę", "EMERYTURY"], "pl"),
    (["пенсия", "пенсии", "пенсию", "ПЕНСИЕЙ"], "ru"),
    (["пенсия", "пенсията", "пенсии"], "bg"),
])
def test_inflected_forms_share_one_stem(words, language):
    stems = {tuple(tokens(word, language)) for word in words}
    assert len(stems) == 1, stems


def test_polish_stem_meets_text_typed_without_diacritics():
    assert tokens("zasiłku", "pl") == tokens("zasilku", "pl")


def test_stop_words_removed_but_a_stop_word_only_query_keeps_terms():
    assert tokens("What is the pension age?", "en") == ["pension", "age"]
    assert tokens("what is it", "en") == ["what", "is", "it"]


def test_without_language_words_are_only_folded():
    assert tokens("Συντάξεις ÉTÉ", None) == ["συνταξεισ", "ete"]


def test_control_and_format_characters():
    # A zero-width space or soft hyphen inside a word does not split it; control characters do.
    assert tokens("pen\u200bsion\u00ad", None) == ["pension"]
    assert tokens("pension\x00age\tnow", None) == ["pension", "age", "now"]


def test_digits_are_tokens_and_punctuation_is_not():
    assert tokens("Form E-101, 2024!", None) == ["form", "e", "101", "2024"]


@pytest.mark.parametrize(("text", "expected"), [
    ("Πότε παίρνω σύνταξη;", ["el"]),
    ("Kiedy dostanę emeryturę?", ["pl"]),
    ("Когда мы получим пенсию? Ты", ["ru"]),
    ("Кога ще получа пенсията си?", ["bg"]),
    ("How do I apply?", ["en", "pl"]),
    ("1234 ?!", []),
])
def test_language_guess_by_script(text, expected):
    assert languages_guess(text) == expected


def test_mixed_script_goes_by_majority():
    assert script_detect("AMKA αριθμός μητρώου κοινωνικής ασφάλισης") == "greek"
    assert tokens("AMKA αριθμός", "el")[0] == "amka"


def test_huge_input_is_capped_and_fast():
    text = "pension " * 15_000  # ~120 kB
    start = time.perf_counter()
    terms = tokens(text, "en", max_chars=QUERY_MAX_CHARS)
    assert len(terms) <= QUERY_MAX_CHARS // 2
    assert languages_guess(text) == ["en", "pl"] or languages_guess(text) == ["pl", "en"]
    assert time.perf_counter() - start < 5  # a guard against pathological regexes, not a speed figure
