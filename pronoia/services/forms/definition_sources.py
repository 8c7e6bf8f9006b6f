"""The source of the form definition files: shared questions written once, composed per service.

The JSON files in definitions/ are what the portal loads; they are written from this module with
    python -m pronoia.services.forms.definition_sources
and a test checks that the committed files equal what this module builds (so edit here, then run it).
Texts are in en, el, pl, bg, ru.
"""
from __future__ import annotations

import json
from pathlib import Path

from pronoia.services.forms.definitions import DEFINITIONS_DIR

SCHEMA_URI = "https://json-schema.org/draft/2020-12/schema"
EEA_AND_SWITZERLAND = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT",
    "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO", "CH",
]
UPLOAD_ACCEPT = ["application/pdf", "image/jpeg", "image/png"]
UPLOAD_MAX_BYTES = 5 * 1024 * 1024


def t(en: str, el: str, pl: str, bg: str, ru: str) -> dict[str, str]:
    return {"en": en, "el": el, "pl": pl, "bg": bg, "ru": ru}


YES_NO = {"yes": t("Yes", "Ναι", "Tak", "Да", "Да"), "no": t("No", "Όχι", "Nie", "Не", "Нет")}

# Per-country facts the questions need.
COUNTRY = {
    "gr": {
        "national_id_label": t("AMKA (social security number)", "ΑΜΚΑ (Αριθμός Μητρώου Κοινωνικής Ασφάλισης)", "AMKA (grecki numer ubezpieczenia społecznego)", "AMKA (гръцки осигурителен номер)", "AMKA (греческий номер социального страхования)"),
        "national_id_pattern": "^[0-9]{11}$",
        "national_id_message": t("The AMKA is 11 digits.", "Ο ΑΜΚΑ αποτελείται από 11 ψηφία.", "AMKA składa się z 11 cyfr.", "AMKA се състои от 11 цифри.", "AMKA состоит из 11 цифр."),
        "national_id_example": "01016012345",
        "iban_pattern": "^GR[0-9]{9}[0-9A-Z]{16}$",
        "iban_message": t(
            "Enter a Greek IBAN: GR and 25 more characters, like GR16 0110 1250 0000 0001 2300 695.",
            "Εισαγάγετε ελληνικό IBAN: GR και 25 ακόμη χαρακτήρες, π.χ. GR16 0110 1250 0000 0001 2300 695.",
            "Podaj grecki numer IBAN: GR i 25 kolejnych znaków, np. GR16 0110 1250 0000 0001 2300 695.",
            "Въведете гръцки IBAN: GR и още 25 знака, например GR16 0110 1250 0000 0001 2300 695.",
            "Введите греческий IBAN: GR и ещё 25 символов, например GR16 0110 1250 0000 0001 2300 695.",
        ),
        "iban_example": "GR1601101250000000012300695",
        "languages": ["el", "en"],
    },
    "pl": {
        "national_id_label": t("PESEL number", "Αριθμός PESEL", "Numer PESEL", "Номер PESEL", "Номер PESEL"),
        "national_id_pattern": "^[0-9]{11}$",
        "national_id_message": t("The PESEL number is 11 digits.", "Ο αριθμός PESEL αποτελείται από 11 ψηφία.", "Numer PESEL składa się z 11 cyfr.", "Номерът PESEL се състои от 11 цифри.", "Номер PESEL состоит из 11 цифр."),
        "national_id_example": "60010112345",
        "iban_pattern": "^PL[0-9]{26}$",
        "iban_message": t(
            "Enter a Polish IBAN: PL and 26 digits, like PL61 1090 1014 0000 0712 1981 2874.",
            "Εισαγάγετε πολωνικό IBAN: PL και 26 ψηφία, π.χ. PL61 1090 1014 0000 0712 1981 2874.",
            "Podaj polski numer IBAN: PL i 26 cyfr, np. PL61 1090 1014 0000 0712 1981 2874.",
            "Въведете полски IBAN: PL и 26 цифри, например PL61 1090 1014 0000 0712 1981 2874.",
            "Введите польский IBAN: PL и 26 цифр, например PL61 1090 1014 0000 0712 1981 2874.",
        ),
        "iban_example": "PL61109010140000071219812874",
        "languages": ["pl", "en"],
    },
    "bg": {
        "national_id_label": t("EGN (personal number)", "EGN (βουλγαρικός προσωπικός αριθμός)", "EGN (bułgarski numer osobowy)", "ЕГН (единен граждански номер)", "ЕГН (болгарский личный номер)"),
        "national_id_pattern": "^[0-9]{10}$",
        "national_id_message": t("The EGN is 10 digits.", "Ο αριθμός EGN αποτελείται από 10 ψηφία.", "EGN składa się z 10 cyfr.", "ЕГН се състои от 10 цифри.", "ЕГН состоит из 10 цифр."),
        "national_id_example": "6001011234",
        "iban_pattern": "^BG[0-9]{2}[A-Z]{4}[0-9]{6}[0-9A-Z]{8}$",
        "iban_message": t(
            "Enter a Bulgarian IBAN: BG and 20 more characters, like BG80 BNBG 9661 1020 3456 78.",
            "Εισαγάγετε βουλγαρικό IBAN: BG και 20 ακόμη χαρακτήρες, π.χ. BG80 BNBG 9661 1020 3456 78.",
            "Podaj bułgarski numer IBAN: BG i 20 kolejnych znaków, np. BG80 BNBG 9661 1020 3456 78.",
            "Въведете български IBAN: BG и още 20 знака, например BG80 BNBG 9661 1020 3456 78.",
            "Введите болгарский IBAN: BG и ещё 20 символов, например BG80 BNBG 9661 1020 3456 78.",
        ),
        "iban_example": "BG80BNBG96611020345678",
        "languages": ["bg", "en"],
    },
}
LANGUAGE_NAMES = {
    "el": t("Greek", "Ελληνικά", "grecki", "гръцки", "греческий"),
    "pl": t("Polish", "Πολωνικά", "polski", "полски", "польский"),
    "bg": t("Bulgarian", "Βουλγαρικά", "bułgarski", "български", "болгарский"),
    "en": t("English", "Αγγλικά", "angielski", "английски", "английский"),
}


class Form:
    """A definition being composed: questions are added in the order they are asked."""

    def __init__(self, name: str, title: dict):
        self.name = name
        self.title = title
        self.properties: dict = {}
        self.required: list[str] = []
        self.hints: dict = {}
        self.example: dict = {}

    def add(self, name: str, schema: dict, hints: dict, *, required: bool = False, example=None) -> Form:
        self.properties[name] = schema
        self.hints[name] = hints
        if required:
            self.required.append(name)
        if example is not None:
            self.example[name] = example
        return self

    def as_json(self) -> dict:
        schema = {"$schema": SCHEMA_URI, "type": "object", "additionalProperties": False, "properties": self.properties}
        if self.required:
            schema["required"] = self.required
        return {"name": self.name, "title": self.title, "schema": schema, "ui": {"order": list(self.properties), "fields": self.hints}, "example": self.example}


def identity(form: Form, country: str, *, birth_date: bool = True, contact: bool = False) -> None:
    """Who the applicant is: all from the file, shown read-only (asked only when the file lacks it)."""
    facts = COUNTRY[country]
    form.add("surname", {"type": "string", "minLength": 1, "maxLength": 100},
             {"widget": "text", "label": t("Surname", "Επώνυμο", "Nazwisko", "Фамилия", "Фамилия"), "prefill": "person.surname", "autocomplete": "family-name"},
             required=True, example="Papadopoulou")
    form.add("given_name", {"type": "string", "minLength": 1, "maxLength": 100},
             {"widget": "text", "label": t("Given name", "Όνομα", "Imię", "Име", "Имя"), "prefill": "person.given_name", "autocomplete": "given-name"},
             required=True, example="Maria")
    form.add("national_id", {"type": "string", "maxLength": 11, "pattern": facts["national_id_pattern"]},
             {"widget": "national_id", "label": facts["national_id_label"], "prefill": "person.national_id", "messages": {"pattern": facts["national_id_message"]}},
             required=True, example=facts["national_id_example"])
    if birth_date:
        form.add("birth_date", {"type": "string", "format": "date", "maxLength": 10},
                 {"widget": "date", "label": t("Date of birth", "Ημερομηνία γέννησης", "Data urodzenia", "Дата на раждане", "Дата рождения"), "prefill": "person.birth_date", "date_max": "today", "autocomplete": "bday"},
                 required=True, example="1960-01-01")
    if contact:
        form.add("email", {"type": "string", "format": "email", "maxLength": 254},
                 {"widget": "text", "label": t("E-mail address", "Διεύθυνση ηλεκτρονικού ταχυδρομείου", "Adres e-mail", "Имейл адрес", "Адрес электронной почты"),
                  "hint": t("We send notices about your application here.", "Εδώ στέλνουμε ειδοποιήσεις για την αίτησή σας.", "Na ten adres wyślemy powiadomienia o wniosku.", "Тук изпращаме известия за заявлението ви.", "Сюда мы отправляем уведомления о вашем заявлении."),
                  "prefill": "person.email", "autocomplete": "email"},
                 example="maria@example.org")
        form.add("phone", {"type": "string", "maxLength": 20, "pattern": "^\\+?[0-9 ]{6,19}$"},
                 {"widget": "text", "label": t("Telephone number", "Αριθμός τηλεφώνου", "Numer telefonu", "Телефонен номер", "Номер телефона"), "prefill": "person.phone", "autocomplete": "tel",
                  "messages": {"pattern": t("Enter a telephone number of 6 to 19 digits, like +30 210 1234567.", "Εισαγάγετε αριθμό τηλεφώνου 6 έως 19 ψηφίων, π.χ. +30 210 1234567.", "Podaj numer telefonu od 6 do 19 cyfr, np. +48 22 1234567.", "Въведете телефонен номер от 6 до 19 цифри, например +359 2 1234567.", "Введите номер телефона из 6–19 цифр, например +7 495 1234567.")}},
                 example="+30 210 1234567")


def certificate_questions(form: Form, country: str) -> None:
    languages = COUNTRY[country]["languages"]
    form.add("certificate_language", {"type": "string", "enum": languages, "maxLength": 2},
             {"widget": "radios", "label": t("Language of the certificate", "Γλώσσα της βεβαίωσης", "Język zaświadczenia", "Език на удостоверението", "Язык справки"),
              "options": {code: LANGUAGE_NAMES[code] for code in languages}},
             required=True, example=languages[0])
    form.add("purpose", {"type": "string", "enum": ["bank", "employer", "public_authority", "abroad", "other"], "maxLength": 20},
             {"widget": "select", "label": t("What is the certificate for?", "Για ποιο σκοπό χρειάζεστε τη βεβαίωση;", "Do czego potrzebne jest zaświadczenie?", "За какво ви е нужно удостоверението?", "Для чего нужна справка?"),
              "hint": t("This helps us improve the service; the certificate is the same.", "Μας βοηθά να βελτιώσουμε την υπηρεσία· η βεβαίωση είναι ίδια.", "Pomaga nam to ulepszać usługę; zaświadczenie jest takie samo.", "Това ни помага да подобрим услугата; удостоверението е същото.", "Это помогает нам улучшать услугу; справка одинакова."),
              "options": {
                  "bank": t("Bank or loan", "Τράπεζα ή δάνειο", "Bank lub kredyt", "Банка или кредит", "Банк или кредит"),
                  "employer": t("Employer", "Εργοδότης", "Pracodawca", "Работодател", "Работодатель"),
                  "public_authority": t("Public authority", "Δημόσια αρχή", "Urząd", "Държавен орган", "Государственный орган"),
                  "abroad": t("Use abroad", "Χρήση στο εξωτερικό", "Użycie za granicą", "Използване в чужбина", "Использование за границей"),
                  "other": t("Other", "Άλλο", "Inny cel", "Друго", "Другое"),
              }},
             example="other")
    form.add("purpose_other", {"type": "string", "minLength": 2, "maxLength": 200},
             {"widget": "text", "label": t("Describe the purpose", "Περιγράψτε τον σκοπό", "Opisz cel", "Опишете целта", "Опишите цель"), "show_if": {"field": "purpose", "equals": "other"}},
             required=True, example="Rental agreement")


def declaration(form: Form) -> None:
    form.add("declaration", {"type": "boolean", "const": True},
             {"widget": "checkbox", "label": t("I declare that the information I give is true", "Δηλώνω ότι οι πληροφορίες που δίνω είναι αληθείς", "Oświadczam, że podane przeze mnie informacje są prawdziwe", "Декларирам, че предоставената от мен информация е вярна", "Я заявляю, что предоставленные мной сведения верны")},
             required=True, example=True)


def upload(form: Form, name: str, label: dict, hint: dict) -> None:
    form.add(name, {"type": "string", "maxLength": 255},
             {"widget": "file", "label": label, "hint": hint, "accept": UPLOAD_ACCEPT, "max_bytes": UPLOAD_MAX_BYTES})


def insurance_history_certificate(country: str, title: dict) -> Form:
    form = Form(f"{country}-insurance-history-certificate", title)
    identity(form, country)
    certificate_questions(form, country)
    return form


def insurance_status_certificate(country: str, title: dict) -> Form:
    form = Form(f"{country}-insurance-status-certificate", title)
    identity(form, country, birth_date=False)
    if country == "pl":
        # As ZUS's US-7 request: the insurances and the period the certificate is to state.
        form.add("insurances", {"type": "array", "items": {"type": "string", "enum": ["pension", "disability", "sickness", "accident", "health"], "maxLength": 20}, "uniqueItems": True, "minItems": 1, "maxItems": 5},
                 {"widget": "checkbox", "label": t("Which insurances should the certificate cover?", "Ποιες ασφαλίσεις να καλύπτει η βεβαίωση;", "Jakie ubezpieczenia ma obejmować zaświadczenie?", "Кои осигуровки да обхваща удостоверението?", "Какие виды страхования должна охватывать справка?"),
                  "hint": t("Select all that apply.", "Επιλέξτε όσα ισχύουν.", "Zaznacz wszystkie właściwe.", "Изберете всички приложими.", "Выберите все подходящие."),
                  "options": {
                      "pension": t("Old-age pension insurance", "Ασφάλιση σύνταξης γήρατος", "Ubezpieczenie emerytalne", "Осигуряване за пенсия за старост", "Пенсионное страхование по старости"),
                      "disability": t("Disability pension insurance", "Ασφάλιση σύνταξης αναπηρίας", "Ubezpieczenia rentowe", "Осигуряване за пенсия за инвалидност", "Страхование на случай инвалидности"),
                      "sickness": t("Sickness insurance", "Ασφάλιση ασθενείας", "Ubezpieczenie chorobowe", "Осигуряване за болест", "Страхование по болезни"),
                      "accident": t("Accident at work insurance", "Ασφάλιση εργατικού ατυχήματος", "Ubezpieczenie wypadkowe", "Осигуряване за трудова злополука", "Страхование от несчастных случаев на производстве"),
                      "health": t("Health insurance", "Ασφάλιση υγείας", "Ubezpieczenie zdrowotne", "Здравно осигуряване", "Медицинское страхование"),
                  }},
                 required=True, example=["pension", "health"])
        form.add("period_from", {"type": "string", "format": "date", "maxLength": 10},
                 {"widget": "date", "label": t("From", "Από", "Od", "От", "С"), "hint": t("Leave empty for your whole insurance history.", "Αφήστε το κενό για όλο το ασφαλιστικό σας ιστορικό.", "Pozostaw puste, aby objąć całą historię ubezpieczenia.", "Оставете празно за цялата си осигурителна история.", "Оставьте пустым для всей страховой истории."), "date_max": "today"},
                 example="2020-01-01")
        form.add("period_to", {"type": "string", "format": "date", "maxLength": 10},
                 {"widget": "date", "label": t("To", "Έως", "Do", "До", "По"), "on_or_after": "period_from"},
                 example="2024-12-31")
    certificate_questions(form, country)
    return form


def a1_document(country: str, title: dict) -> Form:
    form = Form(f"{country}-a1-document", title)
    identity(form, country, birth_date=False)
    form.add("employer_name", {"type": "string", "maxLength": 200},
             {"widget": "text", "label": t("Your employer", "Ο εργοδότης σας", "Twój pracodawca", "Вашият работодател", "Ваш работодатель"),
              "hint": t("Leave empty if you are self-employed.", "Αφήστε το κενό αν είστε αυτοαπασχολούμενος.", "Pozostaw puste, jeśli jesteś osobą samozatrudnioną.", "Оставете празно, ако сте самонаети.", "Оставьте пустым, если вы самозанятый."),
              "prefill": "insurance.last_employer_name", "autocomplete": "organization"},
             example="Example Shipping S.A.")
    form.add("work_situation", {"type": "string", "enum": ["posted_employee", "self_employed", "two_or_more_countries"], "maxLength": 30},
             {"widget": "radios", "label": t("Which describes your work?", "Ποια περιγραφή ταιριάζει στην εργασία σας;", "Co opisuje Twoją pracę?", "Кое описва работата ви?", "Что описывает вашу работу?"),
              "options": {
                  "posted_employee": t("My employer posts me abroad", "Ο εργοδότης μου με αποσπά στο εξωτερικό", "Pracodawca deleguje mnie za granicę", "Работодателят ми ме командирова в чужбина", "Работодатель командирует меня за границу"),
                  "self_employed": t("I am self-employed and work temporarily abroad", "Είμαι αυτοαπασχολούμενος και εργάζομαι προσωρινά στο εξωτερικό", "Jestem osobą samozatrudnioną i czasowo pracuję za granicą", "Самонает(а) съм и временно работя в чужбина", "Я самозанятый и временно работаю за границей"),
                  "two_or_more_countries": t("I normally work in two or more countries", "Εργάζομαι συνήθως σε δύο ή περισσότερες χώρες", "Zwykle pracuję w dwóch lub więcej państwach", "Обичайно работя в две или повече държави", "Я обычно работаю в двух или более странах"),
              }},
             required=True, example="posted_employee")
    form.add("work_location", {"type": "string", "enum": ["eu_eea_ch", "non_eu"], "maxLength": 10},
             {"widget": "radios", "label": t("Where will you work?", "Πού θα εργαστείτε;", "Gdzie będziesz pracować?", "Къде ще работите?", "Где вы будете работать?"),
              "options": {
                  "eu_eea_ch": t("In another EU or EEA country or in Switzerland", "Σε άλλη χώρα της ΕΕ ή του ΕΟΧ ή στην Ελβετία", "W innym państwie UE lub EOG albo w Szwajcarii", "В друга държава от ЕС или ЕИП или в Швейцария", "В другой стране ЕС или ЕЭЗ либо в Швейцарии"),
                  "non_eu": t("In a country outside the EU, the EEA and Switzerland", "Σε χώρα εκτός ΕΕ, ΕΟΧ και Ελβετίας", "W państwie spoza UE, EOG i Szwajcarii", "В държава извън ЕС, ЕИП и Швейцария", "В стране за пределами ЕС, ЕЭЗ и Швейцарии"),
              }},
             required=True, example="eu_eea_ch")
    own = country.upper()
    form.add("work_country", {"type": "string", "enum": [code for code in EEA_AND_SWITZERLAND if code != own], "maxLength": 2},
             {"widget": "country", "label": t("Country of work", "Χώρα εργασίας", "Państwo wykonywania pracy", "Държава на работа", "Страна работы"), "show_if": {"field": "work_location", "equals": "eu_eea_ch"}},
             required=True, example="DE" if own != "DE" else "AT")
    form.add("non_eu_country", {"type": "string", "minLength": 2, "maxLength": 100},
             {"widget": "text", "label": t("Country of work outside the EU", "Χώρα εργασίας εκτός ΕΕ", "Państwo pracy spoza UE", "Държава на работа извън ЕС", "Страна работы за пределами ЕС"),
              "hint": t("For example: United States, Canada, Australia.", "Για παράδειγμα: Ηνωμένες Πολιτείες, Καναδάς, Αυστραλία.", "Na przykład: Stany Zjednoczone, Kanada, Australia.", "Например: Съединените щати, Канада, Австралия.", "Например: США, Канада, Австралия."),
              "show_if": {"field": "work_location", "equals": "non_eu"}},
             required=True)
    form.add("foreign_employer_name", {"type": "string", "minLength": 2, "maxLength": 200},
             {"widget": "text", "label": t("Employer or client abroad", "Εργοδότης ή πελάτης στο εξωτερικό", "Pracodawca lub zleceniodawca za granicą", "Работодател или възложител в чужбина", "Работодатель или заказчик за границей"),
              "show_if": {"field": "work_location", "equals": "non_eu"}},
             required=True)
    form.add("foreign_contact", {"type": "string", "maxLength": 1000},
             {"widget": "textarea", "label": t("How can we contact them?", "Πώς μπορούμε να επικοινωνήσουμε μαζί τους;", "Jak możemy się z nimi skontaktować?", "Как можем да се свържем с тях?", "Как с ними связаться?"),
              "hint": t("Address, e-mail or telephone of the employer or institution abroad.", "Διεύθυνση, e-mail ή τηλέφωνο του εργοδότη ή του φορέα στο εξωτερικό.", "Adres, e-mail lub telefon pracodawcy lub instytucji za granicą.", "Адрес, имейл или телефон на работодателя или институцията в чужбина.", "Адрес, электронная почта или телефон работодателя или учреждения за границей."),
              "show_if": {"field": "work_location", "equals": "non_eu"}})
    form.add("date_from", {"type": "string", "format": "date", "maxLength": 10},
             {"widget": "date", "label": t("First day of work abroad", "Πρώτη ημέρα εργασίας στο εξωτερικό", "Pierwszy dzień pracy za granicą", "Първи ден на работа в чужбина", "Первый день работы за границей")},
             required=True, example="2026-03-01")
    form.add("date_to", {"type": "string", "format": "date", "maxLength": 10},
             {"widget": "date", "label": t("Last day of work abroad", "Τελευταία ημέρα εργασίας στο εξωτερικό", "Ostatni dzień pracy za granicą", "Последен ден на работа в чужбина", "Последний день работы за границей"),
              "hint": t("If you do not know it yet, give the expected date.", "Αν δεν τη γνωρίζετε ακόμη, δώστε την αναμενόμενη ημερομηνία.", "Jeśli jeszcze jej nie znasz, podaj przewidywaną datę.", "Ако още не я знаете, посочете очакваната дата.", "Если вы её ещё не знаете, укажите ожидаемую дату."),
              "on_or_after": "date_from"},
             required=True, example="2026-08-31")
    form.add("work_address", {"type": "string", "maxLength": 500},
             {"widget": "textarea", "label": t("Address of the place of work abroad", "Διεύθυνση του τόπου εργασίας στο εξωτερικό", "Adres miejsca pracy za granicą", "Адрес на мястото на работа в чужбина", "Адрес места работы за границей")},
             example="Hafenstraße 1, 20457 Hamburg")
    upload(form, "contract", t("Contract or posting letter", "Σύμβαση ή επιστολή απόσπασης", "Umowa lub pismo o delegowaniu", "Договор или писмо за командироване", "Договор или письмо о командировании"),
           t("Optional. It can speed up the decision.", "Προαιρετικό. Μπορεί να επισπεύσει την απόφαση.", "Opcjonalnie. Może przyspieszyć rozstrzygnięcie.", "По желание. Може да ускори решението.", "Необязательно. Может ускорить решение."))
    declaration(form)
    return form


def insurance_data_correction(country: str, title: dict) -> Form:
    form = Form(f"{country}-insurance-data-correction", title)
    identity(form, country, birth_date=False)
    form.add("period_id", {"type": "integer", "minimum": 1, "maximum": 9007199254740991},
             {"widget": "text", "label": t("Period reference", "Κωδικός διαστήματος", "Numer okresu", "Номер на периода", "Номер периода"),
              "hint": t("Filled in when you start from a period of your insurance record; otherwise leave it empty.", "Συμπληρώνεται όταν ξεκινάτε από ένα διάστημα του ασφαλιστικού σας ιστορικού· διαφορετικά αφήστε το κενό.", "Uzupełniane, gdy zaczynasz od okresu w historii ubezpieczenia; w przeciwnym razie pozostaw puste.", "Попълва се, когато започвате от период в осигурителния си запис; иначе го оставете празно.", "Заполняется, если вы начинаете с периода из вашей страховой истории; иначе оставьте пустым.")})
    form.add("flag_id", {"type": "integer", "minimum": 1, "maximum": 9007199254740991},
             {"widget": "text", "label": t("Flag reference", "Κωδικός επισήμανσης", "Numer oznaczenia", "Номер на отбелязването", "Номер отметки"),
              "hint": t("Filled in when you start from a problem flagged on your record; otherwise leave it empty.", "Συμπληρώνεται όταν ξεκινάτε από ζήτημα που έχει επισημανθεί στο ιστορικό σας· διαφορετικά αφήστε το κενό.", "Uzupełniane, gdy zaczynasz od problemu oznaczonego w Twoich danych; w przeciwnym razie pozostaw puste.", "Попълва се, когато започвате от проблем, отбелязан в записа ви; иначе го оставете празно.", "Заполняется, если вы начинаете с проблемы, отмеченной в ваших данных; иначе оставьте пустым.")})
    form.add("problem", {"type": "string", "enum": ["missing_period", "wrong_days", "wrong_earnings", "wrong_employer", "duplicate_period", "other"], "maxLength": 20},
             {"widget": "radios", "label": t("What is wrong?", "Τι είναι λάθος;", "Co jest nieprawidłowe?", "Какво не е наред?", "Что неверно?"),
              "options": {
                  "missing_period": t("A period is missing", "Λείπει ένα διάστημα ασφάλισης", "Brakuje okresu", "Липсва период", "Отсутствует период"),
                  "wrong_days": t("The insurance days are wrong", "Οι ημέρες ασφάλισης είναι λάθος", "Liczba dni ubezpieczenia jest błędna", "Осигурителните дни са грешни", "Неверно число дней страхования"),
                  "wrong_earnings": t("The earnings or contributions are wrong", "Οι αποδοχές ή οι εισφορές είναι λάθος", "Wynagrodzenie lub składki są błędne", "Доходът или вноските са грешни", "Неверны заработок или взносы"),
                  "wrong_employer": t("The employer is wrong", "Ο εργοδότης είναι λάθος", "Pracodawca jest błędny", "Работодателят е грешен", "Неверно указан работодатель"),
                  "duplicate_period": t("A period is counted twice", "Ένα διάστημα μετριέται δύο φορές", "Okres jest liczony podwójnie", "Период е отчетен два пъти", "Период учтён дважды"),
                  "other": t("Something else", "Κάτι άλλο", "Coś innego", "Нещо друго", "Другое"),
              }},
             required=True, example="missing_period")
    form.add("employer_concerned", {"type": "string", "maxLength": 200},
             {"widget": "text", "label": t("Employer concerned", "Εργοδότης που αφορά", "Pracodawca, którego dotyczy", "Засегнат работодател", "Соответствующий работодатель"),
              "show_if": {"field": "problem", "in": ["missing_period", "wrong_days", "wrong_earnings", "wrong_employer"]}},
             example="Example Construction Ltd")
    form.add("affected_from", {"type": "string", "format": "date", "maxLength": 10},
             {"widget": "date", "label": t("Start of the period concerned", "Αρχή του διαστήματος που αφορά", "Początek okresu, którego dotyczy", "Начало на засегнатия период", "Начало соответствующего периода"), "date_max": "today"},
             example="2015-01-01")
    form.add("affected_to", {"type": "string", "format": "date", "maxLength": 10},
             {"widget": "date", "label": t("End of the period concerned", "Τέλος του διαστήματος που αφορά", "Koniec okresu, którego dotyczy", "Край на засегнатия период", "Конец соответствующего периода"), "on_or_after": "affected_from"},
             example="2015-06-30")
    form.add("explanation", {"type": "string", "minLength": 10, "maxLength": 2000},
             {"widget": "textarea", "label": t("What should the correct data be?", "Ποια πρέπει να είναι τα σωστά στοιχεία;", "Jakie powinny być prawidłowe dane?", "Какви трябва да са верните данни?", "Какими должны быть верные данные?"),
              "hint": t("Explain what is wrong and what it should be, in at most 2,000 characters.", "Εξηγήστε τι είναι λάθος και ποιο είναι το σωστό, σε έως 2.000 χαρακτήρες.", "Wyjaśnij, co jest błędne i jak powinno być, w maksymalnie 2000 znakach.", "Обяснете какво е грешно и какво трябва да бъде, в до 2000 знака.", "Объясните, что неверно и как должно быть, не более 2000 знаков.")},
             required=True, example="I worked for this employer from January to June 2015 but the period is missing.")
    upload(form, "evidence", t("Supporting document", "Δικαιολογητικό", "Dokument potwierdzający", "Подкрепящ документ", "Подтверждающий документ"),
           t("Optional: a pay slip, an employment contract or an employer's certificate.", "Προαιρετικά: εκκαθαριστικό μισθοδοσίας, σύμβαση εργασίας ή βεβαίωση εργοδότη.", "Opcjonalnie: odcinek wypłaty, umowa o pracę lub zaświadczenie pracodawcy.", "По желание: фиш за заплата, трудов договор или удостоверение от работодател.", "Необязательно: расчётный листок, трудовой договор или справка работодателя."))
    declaration(form)
    return form


def old_age_pension_application(country: str, title: dict) -> Form:
    facts = COUNTRY[country]
    form = Form(f"{country}-old-age-pension-application", title)
    identity(form, country, contact=True)
    form.add("requested_start_date", {"type": "string", "format": "date", "maxLength": 10},
             {"widget": "date", "label": t("When do you want your pension to start?", "Από πότε θέλετε να αρχίσει η σύνταξή σας;", "Od kiedy ma być wypłacana emerytura?", "От кога искате да ви се отпусне пенсията?", "С какой даты вы хотите получать пенсию?"),
              "hint": t("Leave empty to start from the earliest date you are entitled to.", "Αφήστε το κενό για να αρχίσει από την πρώτη ημερομηνία που δικαιούστε.", "Pozostaw puste, aby emerytura przysługiwała od najwcześniejszej możliwej daty.", "Оставете празно, за да започне от най-ранната дата, от която имате право.", "Оставьте пустым, чтобы пенсия начиналась с самой ранней даты, на которую у вас есть право.")},
             example="2026-06-01")
    form.add("iban", {"type": "string", "format": "iban", "maxLength": 34, "pattern": facts["iban_pattern"]},
             {"widget": "iban", "label": t("IBAN of your bank account", "IBAN του τραπεζικού σας λογαριασμού", "Numer IBAN Twojego rachunku bankowego", "IBAN на банковата ви сметка", "IBAN вашего банковского счёта"),
              "hint": t("The account must be in your name.", "Ο λογαριασμός πρέπει να είναι στο όνομά σας.", "Rachunek musi być na Twoje nazwisko.", "Сметката трябва да е на ваше име.", "Счёт должен быть открыт на ваше имя."),
              "messages": {"pattern": facts["iban_message"], "format": t(
                  "The IBAN's check digits do not match: check it against your bank statement.",
                  "Τα ψηφία ελέγχου του IBAN δεν ταιριάζουν: ελέγξτε τον με το αντίγραφο κίνησης του λογαριασμού σας.",
                  "Cyfry kontrolne numeru IBAN się nie zgadzają: sprawdź go z wyciągiem bankowym.",
                  "Контролните цифри на IBAN не съвпадат: проверете го по банковото си извлечение.",
                  "Контрольные цифры IBAN не совпадают: сверьте его с банковской выпиской.")}},
             required=True, example=facts["iban_example"])
    form.add("periods_missing", {"type": "string", "enum": ["yes", "no"], "maxLength": 3},
             {"widget": "radios", "label": t("Do you have periods that are not in your insurance record, such as military service or work abroad?", "Έχετε διαστήματα που δεν εμφανίζονται στο ασφαλιστικό σας ιστορικό, όπως στρατιωτική θητεία ή εργασία στο εξωτερικό;", "Czy masz okresy, których nie ma w historii ubezpieczenia, np. służbę wojskową lub pracę za granicą?", "Имате ли периоди, които не са в осигурителния ви запис, например военна служба или работа в чужбина?", "Есть ли у вас периоды, которых нет в страховой истории, например военная служба или работа за границей?"),
              "options": YES_NO},
             required=True, example="yes")
    form.add("periods_missing_details", {"type": "string", "minLength": 5, "maxLength": 2000},
             {"widget": "textarea", "label": t("Which periods, and where?", "Ποια διαστήματα και πού;", "Jakie okresy i gdzie?", "Кои периоди и къде?", "Какие периоды и где?"),
              "hint": t("For each period give the dates and what it was; work abroad: also the country.", "Για κάθε διάστημα δώστε τις ημερομηνίες και τι αφορούσε· για εργασία στο εξωτερικό, και τη χώρα.", "Dla każdego okresu podaj daty i rodzaj; przy pracy za granicą także państwo.", "За всеки период посочете датите и какъв е бил; при работа в чужбина и държавата.", "Для каждого периода укажите даты и его вид; для работы за границей также страну."),
              "show_if": {"field": "periods_missing", "equals": "yes"}},
             required=True, example="Military service 1980-09-01 to 1982-06-30.")
    form.add("receives_pension", {"type": "string", "enum": ["yes", "no"], "maxLength": 3},
             {"widget": "radios", "label": t("Do you already receive a pension from any institution?", "Λαμβάνετε ήδη σύνταξη από οποιονδήποτε φορέα;", "Czy pobierasz już emeryturę lub rentę z jakiejkolwiek instytucji?", "Получавате ли вече пенсия от някоя институция?", "Получаете ли вы уже пенсию от какого-либо учреждения?"),
              "options": YES_NO},
             required=True, example="no")
    form.add("pension_institution", {"type": "string", "minLength": 2, "maxLength": 200},
             {"widget": "text", "label": t("Which institution pays it?", "Ποιος φορέας την καταβάλλει;", "Która instytucja ją wypłaca?", "Коя институция я изплаща?", "Какое учреждение её выплачивает?"),
              "show_if": {"field": "receives_pension", "equals": "yes"}},
             required=True)
    upload(form, "supporting_document", t("Supporting document", "Δικαιολογητικό", "Dokument potwierdzający", "Подкрепящ документ", "Подтверждающий документ"),
           t("Optional: for example a military service certificate.", "Προαιρετικά: για παράδειγμα βεβαίωση στρατιωτικής θητείας.", "Opcjonalnie: na przykład zaświadczenie o służbie wojskowej.", "По желание: например удостоверение за военна служба.", "Необязательно: например справка о военной службе."))
    declaration(form)
    return form


BUILDERS = {
    "insurance-history-certificate": insurance_history_certificate,
    "insurance-status-certificate": insurance_status_certificate,
    "a1-document": a1_document,
    "insurance-data-correction": insurance_data_correction,
    "old-age-pension-application": old_age_pension_application,
}


def definitions_build() -> dict[str, dict]:
    """Every definition, by name, for the services of every catalogue pack (titles from the catalogue)."""
    from pronoia.services.catalogue.loading import catalogue_load

    built: dict[str, dict] = {}
    for country, entries in catalogue_load().items():
        for entry in entries:
            kind = entry.form.removeprefix(f"{country}-")
            if entry.form in built or kind not in BUILDERS:
                continue
            built[entry.form] = BUILDERS[kind](country, dict(entry.titles.texts)).as_json()
    return built


def definitions_write(directory: Path = DEFINITIONS_DIR) -> list[Path]:
    directory.mkdir(parents=True, exist_ok=True)
    written = []
    for name, definition in sorted(definitions_build().items()):
        path = directory / f"{name}.json"
        path.write_text(definition_text(definition), encoding="utf-8")
        written.append(path)
    return written


def definition_text(definition: dict) -> str:
    return json.dumps(definition, ensure_ascii=False, indent=1) + "\n"


if __name__ == "__main__":
    import django

    django.setup()
    for path in definitions_write():
        print(path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path)
