"""Text normalisation for BM25: fold, tokenise, stem per language.

``text_fold``: Unicode NFKD, combining marks removed, case folded (Greek final sigma becomes σ,
Polish ł becomes l), control characters dropped. Tokens are runs of letters or digits.

Stemming uses ``snowballstemmer`` where it has the language (english, greek, polish, russian;
it has no Bulgarian, so Bulgarian gets a small suffix stripper of definite articles and plural
endings below). Each word is stemmed *before* its accents are removed, because the Polish and
Russian stemmers match suffixes written with diacritics (ą, ę, й); the Greek stemmer folds case,
accents and final sigma itself, so it gets the lower-cased word. The stem is then folded, so
"emerytów" and "emerytow" meet.

A query whose language is unknown is analysed per candidate language of its script (Greek → el;
Cyrillic → bg when it has Bulgarian-only marks such as word-final ъ, "ът"/"ят" endings or many щ,
ru when it has ы, э or ё, else both; Latin → en, and pl too when it has Polish letters or no
English stop word) — see :func:`languages_guess`.
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

import snowballstemmer

QUERY_MAX_CHARS = 2_000  # a chat question is short; longer input is cut before any work
TEXT_MAX_CHARS = 20_000  # a KB text

_TOKEN = re.compile(r"[^\W_]+", re.UNICODE)
_SPECIAL_FOLD = str.maketrans({"ł": "l", "Ł": "l", "ß": "ss", "ς": "σ", "ø": "o", "đ": "d", "ı": "i", "æ": "ae"})
_STEMMERS = {"en": "english", "el": "greek", "pl": "polish", "ru": "russian"}

# Small stop-word lists (folded), words that carry no topic in a question to the institution.
STOP_WORDS: dict[str, frozenset[str]] = {
    "en": frozenset("a an the and or of to in on at for is are am be was were do does did i me my we our you your it "
                    "this that with can could how what when where which who why will would should may please "
                    "there have has had get".split()),
    "el": frozenset("ο η το οι τα του της των τον την στο στη στην στον στα στις στους και ή να θα με σε για από απο "
                    "ειναι είναι εχω έχω μου μας σας πως πώς τι ποιο ποια ποιος που πού πότε ποτε αν δεν μπορω μπορώ "
                    "ένα ενα μια μία".split()),
    "pl": frozenset("i w z na do o od po za się sie jak co czy jest są sa to mi mnie moj mój moja moje ja my ty "
                    "dla a ale lub oraz czy gdzie kiedy jaki jaka jakie mam mogę moge można mozna".split()),
    "bg": frozenset("и в във на за от по с със да се си е са ли как какво кога къде кой коя кое кои аз ми ме моя "
                    "моят моята мога може ще не това тази този ако".split()),
    "ru": frozenset("и в во на за от по с со к ко о об у а но или ли как что когда где кто какой какая какие "
                    "я мне меня мой моя мое мои мы вы это этот эта ли не могу можно есть бы".split()),
}


def _strip_marks(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def text_fold(text: str) -> str:
    """Lower-case, accent-free, control-free form of a text (the form stop words and patterns use)."""
    text = unicodedata.normalize("NFKC", text).casefold().translate(_SPECIAL_FOLD)
    text = _strip_marks(text)
    return _controls_drop(text)


def _controls_drop(text: str) -> str:
    # Format characters (zero-width space, soft hyphen, bidi marks) vanish inside a word; other
    # control characters separate words.
    return "".join(ch if unicodedata.category(ch)[0] != "C" else ("" if unicodedata.category(ch) == "Cf" else " ")
                   for ch in text)


def _fold_stop(words: frozenset[str]) -> frozenset[str]:
    return frozenset(text_fold(w) for w in words)


_STOP_FOLDED = {lang: _fold_stop(words) for lang, words in STOP_WORDS.items()}

_BG_SUFFIXES = sorted(
    "ът ят та то те ия ият ията ите ове овете ища ищата ища еве евете ове ци ция ции циите ост остта ости "
    "ване ването ния нията ение ението ения а я о е и у ю".split(),
    key=len, reverse=True,
)


def _bg_stem(word: str) -> str:
    # A light stemmer (no snowball Bulgarian): drop one article/plural/derivational ending when
    # at least three letters stay, so "пенсията", "пенсии" and "пенсия" meet at "пенс".
    for _round in range(2):
        for suffix in _BG_SUFFIXES:
            if word.endswith(suffix) and len(word) - len(suffix) >= 3:
                word = word[: -len(suffix)]
                break
        else:
            break
    return word


@lru_cache(maxsize=None)
def _stemmer(language: str):
    name = _STEMMERS.get(language)
    return snowballstemmer.stemmer(name) if name else None


@lru_cache(maxsize=200_000)
def _word_stem(word: str, language: str | None) -> str:
    """Stem of one lower-cased word (accents still on), folded."""
    if language == "bg":
        return _bg_stem(text_fold(word))
    stemmer = _stemmer(language) if language else None
    if stemmer is None:
        return text_fold(word)
    return text_fold(stemmer.stemWord(word))


def _words(text: str) -> list[str]:
    # casefold keeps the accents (stemmers need them); ł etc. are folded after stemming.
    text = unicodedata.normalize("NFKC", text).casefold().replace("ς", "σ")
    return _TOKEN.findall(_controls_drop(text))


def tokens(text: str, language: str | None, *, stop_words: bool = True, max_chars: int = TEXT_MAX_CHARS) -> list[str]:
    """BM25 terms of a text in a language (None: folded words, no stemming)."""
    text = text[:max_chars]
    stop = _STOP_FOLDED.get(language, frozenset()) if (stop_words and language) else frozenset()
    result = []
    for word in _words(text):
        folded = text_fold(word)
        if not folded or folded in stop:
            continue
        result.append(_word_stem(word, language))
    if not result and stop:
        # A question made only of stop words ("what is it?") still has terms.
        return tokens(text, language, stop_words=False, max_chars=max_chars)
    return result


_GREEK = re.compile(r"[\u0370-\u03ff\u1f00-\u1fff]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_LATIN = re.compile(r"[a-zA-Z\u00c0-\u024f]")
_POLISH = re.compile(r"[ąćęłńóśźżĄĆĘŁŃÓŚŹŻ]")
_RU_ONLY = re.compile(r"[ыэёЫЭЁ]")
_BG_HINT = re.compile(r"(?:ът|ят)\b|\bще\b|\bсъм\b|\bсте\b|\bне\s+мога\b|\bкак\s+да\b|\bза\s+да\b|ъ[а-я]")


def script_detect(text: str) -> str | None:
    """"greek", "cyrillic", "latin" (the script with most letters) or None."""
    text = text[:QUERY_MAX_CHARS]
    counts = {"greek": len(_GREEK.findall(text)), "cyrillic": len(_CYRILLIC.findall(text)),
              "latin": len(_LATIN.findall(text))}
    best = max(counts, key=counts.get)
    return best if counts[best] else None


def languages_guess(text: str) -> list[str]:
    """Candidate languages of a text by its script (most likely first); [] when it has no letters."""
    text = text[:QUERY_MAX_CHARS]
    script = script_detect(text)
    if script == "greek":
        return ["el"]
    if script == "cyrillic":
        lowered = text.lower()
        if _RU_ONLY.search(lowered):
            return ["ru"]
        if _BG_HINT.search(lowered):
            return ["bg"]
        return ["ru", "bg"]
    if script == "latin":
        if _POLISH.search(text):
            return ["pl"]
        words = set(text_fold(text).split())
        if words & _STOP_FOLDED["en"]:
            return ["en", "pl"]
        return ["pl", "en"]
    return []
