"""Name transliteration and normalisation for display and record linkage.

Latin transliteration follows ELOT 743 (Greek, simplified: no accents kept) and the Bulgarian
Streamlined System (Transliteration Act 2009); Polish names are already Latin. The linkage key
goes further: transliterated, accents removed, lower case, letters only, and phonetic variants
folded (y/i, ou/u, double letters) so that "Papadopoulos", "ΠΑΠΑΔΟΠΟΥΛΟΣ" and "Papadopulos" agree.
"""
from __future__ import annotations

import re
import unicodedata

from unidecode import unidecode

_GREEK_DIGRAPHS = {
    "ου": "ou", "αυ": "av", "ευ": "ev", "ηυ": "iv", "μπ": "b", "ντ": "nt", "γκ": "gk", "γγ": "ng",
    "γξ": "nx", "γχ": "nch",
}
_GREEK_LETTERS = {
    "α": "a", "β": "v", "γ": "g", "δ": "d", "ε": "e", "ζ": "z", "η": "i", "θ": "th", "ι": "i", "κ": "k",
    "λ": "l", "μ": "m", "ν": "n", "ξ": "x", "ο": "o", "π": "p", "ρ": "r", "σ": "s", "ς": "s", "τ": "t",
    "υ": "y", "φ": "f", "χ": "ch", "ψ": "ps", "ω": "o",
}
_BULGARIAN_LETTERS = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ж": "zh", "з": "z", "и": "i", "й": "y",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sht", "ъ": "a", "ь": "y", "ю": "yu", "я": "ya",
}


def _strip_accents(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.combining(c))


def _match_case(source: str, latin: str) -> str:
    if source.isupper():
        return latin.upper()
    if source[:1].isupper():
        return latin[:1].upper() + latin[1:]
    return latin


def transliterate_word(word: str) -> str:
    plain = _strip_accents(word)
    lower = plain.lower()
    out: list[str] = []
    i = 0
    while i < len(lower):
        pair = lower[i : i + 2]
        if pair in _GREEK_DIGRAPHS:
            out.append(_GREEK_DIGRAPHS[pair])
            i += 2
            continue
        ch = lower[i]
        if ch in _GREEK_LETTERS:
            out.append(_GREEK_LETTERS[ch])
        elif ch in _BULGARIAN_LETTERS:
            # Bulgarian Streamlined System: final "-ия" is "-ia".
            if ch == "и" and lower[i + 1 : i + 2] == "я" and i + 2 == len(lower):
                out.append("ia")
                i += 2
                continue
            out.append(_BULGARIAN_LETTERS[ch])
        else:
            out.append(unidecode(ch))
        i += 1
    return _match_case(plain, "".join(out))


def transliterate(text: str) -> str:
    """Latin transliteration of a name in Greek, Cyrillic or Latin-with-diacritics script."""
    return re.sub(r"[^\W\d_]+", lambda m: transliterate_word(m.group(0)), text or "")


_NON_LETTERS = re.compile(r"[^a-z ]+")
_DOUBLE = re.compile(r"(.)\1+")


def name_key_part(text: str) -> str:
    latin = transliterate(text).lower()
    latin = _NON_LETTERS.sub(" ", latin.replace("-", " "))
    latin = " ".join(latin.split())
    # Fold common transliteration variants so different romanisations meet.
    latin = latin.replace("ou", "u").replace("y", "i").replace("ph", "f").replace("kh", "ch").replace("w", "v")
    return _DOUBLE.sub(r"\1", latin)


def name_key(surname: str, given_name: str) -> str:
    """The linkage key of a person's name: "surname|given name", normalised."""
    return f"{name_key_part(surname)}|{name_key_part(given_name)}"
