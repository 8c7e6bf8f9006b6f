"""Does a message ask for a person? ("I want to talk to an operator" in en, el, pl, bg, ru.)

Matching is on normalised text (accents removed, case folded, see ``normalise.text_fold``) against
short phrase patterns per language; a message in an unknown language is checked against all five.
Short and deliberately conservative: a false "yes" only hands the chat to an operator early.
"""
from __future__ import annotations

import re

from .normalise import QUERY_MAX_CHARS, text_fold

# Patterns are written in folded form: lower case, no accents, Greek final sigma as σ.
_PATTERNS: dict[str, list[str]] = {
    "en": [
        r"\b(talk|speak|chat)\w*\b.{0,30}\b(human|person|operator|agent|someone|somebody|representative|staff|real)\b",
        r"\b(human|live|real)\s+(agent|operator|person|being|support)\b",
        r"\b(connect|transfer|put)\b.{0,20}\b(human|operator|agent|person|someone)\b",
        r"^\s*(operator|agent|human|representative)\s*[.!?]*\s*$",
    ],
    "el": [
        r"\b(μιλησω|μιλησουμε|μιλαω|μιλαμε|επικοινωνησω|συνδεσετε|συνδεση|μιλησετε)\b.{0,40}"
        r"\b(ανθρωπο|ανθρωπου|υπαλληλο|υπαλληλου|χειριστη|εκπροσωπο|συνεργατη|πραγματικο|καποιον|τηλεφωνητρια|οπερατορα)\w*",
        r"\b(υπαλληλο|χειριστη|ανθρωπο|εκπροσωπο)\s*(παρακαλω)?\s*[.!;?]*\s*$",
        r"\bθελω\s+(ανθρωπο|υπαλληλο|χειριστη)",
    ],
    "pl": [
        r"\b(rozmawiac|porozmawiac|mowic|polaczyc|polacz|polaczenie|przelaczyc|przekierowac)\w*\b.{0,40}"
        r"\b(czlowiek|konsultant|operator|osob|pracownik|kims|doradc)\w*",
        r"^\s*(konsultant|operator|czlowiek|doradca)\w*\s*(prosze)?\s*[.!?]*\s*$",
    ],
    "bg": [
        r"\b(говоря|говорим|разговарям|свържете|свържи|свързване|прехвърлете)\b.{0,40}"
        r"\b(човек|оператор|служител|консултант|представител|някого|жив)\w*",
        r"^\s*(оператор|служител|човек|консултант)\w*\s*[.!?]*\s*$",
    ],
    "ru": [
        r"\b(поговорить|говорить|связаться|свяжите|соедините|переключите|общаться|позовите|позвать)\b.{0,40}"
        r"\b(человек|оператор|сотрудник|консультант|специалист|живым|менеджер)\w*",
        r"^\s*(оператор|человек|сотрудник|консультант)\w*\s*(пожалуиста)?\s*[.!?]*\s*$",
        r"\b(живого|живой)\s+(человека|оператора|сотрудника)",
    ],
}
_COMPILED = {lang: [re.compile(p) for p in pats] for lang, pats in _PATTERNS.items()}


def handover_requested(text: str, language: str | None) -> bool:
    """True when the message asks to talk to a person (operator, agent, human) rather than the assistant."""
    if not text:
        return False
    folded = " ".join(text_fold(text[:QUERY_MAX_CHARS]).split())
    languages = [language] if language in _COMPILED else list(_COMPILED)
    # A message may be typed in another language than the page's: check all after the stated one.
    languages += [lang for lang in _COMPILED if lang not in languages]
    return any(p.search(folded) for lang in languages for p in _COMPILED[lang])
