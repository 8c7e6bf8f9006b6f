"""A tiny multilingual knowledge base shared by the retrieval tests (synthetic content; no tests here)."""
from __future__ import annotations

import json
from pathlib import Path

KB_ITEMS = [
    {"id": "pension-age", "category": "pensions", "translations": {
        "en": {"question": "When can I retire?", "variants": ["What is the statutory pension age?",
                                                               "At what age do I get my old-age pension?"],
               "answer": "The statutory pension age is 67."},
        "el": {"question": "Πότε μπορώ να βγω στη σύνταξη;", "variants": ["Ποιο είναι το όριο ηλικίας συνταξιοδότησης;"],
               "answer": "Το όριο ηλικίας είναι τα 67 έτη."},
        "pl": {"question": "Kiedy mogę przejść na emeryturę?", "variants": ["Jaki jest wiek emerytalny?"],
               "answer": "Wiek emerytalny wynosi 67 lat."},
        "bg": {"question": "Кога мога да се пенсионирам?", "variants": ["Каква е възрастта за пенсиониране?"],
               "answer": "Възрастта за пенсиониране е 67 години."},
        "ru": {"question": "Когда я могу выйти на пенсию?", "variants": ["Какой пенсионный возраст?"],
               "answer": "Пенсионный возраст — 67 лет."}}},
    {"id": "amka", "category": "registration", "translations": {
        "en": {"question": "How do I get a social security number (AMKA)?",
               "variants": ["Where do I register for a social insurance number?"],
               "answer": "Apply at a citizen service centre with your passport."},
        "el": {"question": "Πώς βγάζω ΑΜΚΑ;", "variants": ["Πού κάνω αίτηση για αριθμό μητρώου κοινωνικής ασφάλισης;"],
               "answer": "Στο ΚΕΠ με το διαβατήριό σας."},
        "ru": {"question": "Как получить номер социального страхования (АМКА)?", "variants": [],
               "answer": "Обратитесь в центр обслуживания граждан с паспортом."}}},
    {"id": "unemployment-benefit", "category": "benefits", "translations": {
        "en": {"question": "How do I apply for unemployment benefit?",
               "variants": ["I lost my job, can I get benefits?"],
               "answer": "Register as unemployed and apply online within 60 days."},
        "pl": {"question": "Jak złożyć wniosek o zasiłek dla bezrobotnych?", "variants": ["Straciłem pracę, czy dostanę zasiłek?"],
               "answer": "Zarejestruj się jako bezrobotny w ciągu 60 dni."},
        "bg": {"question": "Как да кандидатствам за обезщетение за безработица?", "variants": ["Загубих работата си."],
               "answer": "Регистрирайте се като безработен."}}},
    {"id": "contributions-record", "category": "insurance", "translations": {
        "en": {"question": "How can I see my insurance contributions?",
               "variants": ["Where do I check my contribution record?"],
               "answer": "Sign in and open 'My insurance record'."},
        "el": {"question": "Πού βλέπω τις ασφαλιστικές μου εισφορές;", "variants": [],
               "answer": "Συνδεθείτε και ανοίξτε το ασφαλιστικό σας ιστορικό."}}},
]


def kb_write(directory: Path, items=None, name: str = "kb.json") -> Path:
    path = directory / name
    path.write_text(json.dumps(KB_ITEMS if items is None else items, ensure_ascii=False), encoding="utf-8")
    return path
