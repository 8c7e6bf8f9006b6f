"""Documents render in the person's language; Greek and Cyrillic text stays extractable."""
from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess

import pytest

from pronoia.documents import content
from pronoia.documents.rendering import DocumentSpec, Section, Table, _font_path, pdf_render
from pronoia.documents.selectors import document_content_get
from pronoia.documents.services import decision_document_issue, insurance_history_certificate_issue, insurance_status_certificate_issue
from pronoia.documents.tests.factories import citizen_actor, person_with_history

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}


def _text(pdf: bytes, tmp_path) -> str:
    if shutil.which("pdftotext") is None:
        if IN_CI:
            pytest.fail("pdftotext (poppler-utils) is required with CI=true: run `make chromium`.")
        pytest.skip("pdftotext (poppler-utils) is not installed")
    path = tmp_path / "d.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True, timeout=60).stdout


def test_font_is_found():
    assert _font_path("DejaVuSans.ttf").is_file()
    assert _font_path("DejaVuSans-Bold.ttf").is_file()


def test_builder_escapes_markup_and_keeps_every_script(tmp_path):
    spec = DocumentSpec(
        title="Βεβαίωση — Справка — Zaświadczenie",
        subtitle="<b>not bold</b> & <script>",
        sections=[Section(heading="Ünïcödé", paragraphs=["Łódź, Żółć; Шумен; Ηράκλειο"], tables=[Table(header=["a", "b"], rows=[["1", "<i>2</i>"]], numeric=(0,))])],
        issuer="Institution",
        issued_at="today",
        verification_code="ABCD-EFGH-IJKL-MNOP-QRST-UVWX",
        verify_url="http://127.0.0.1:8000/verify/ABCDEFGHIJKLMNOPQRSTUVWX",
        footer_note="Check at http://127.0.0.1:8000/verify/",
    )
    text = _text(pdf_render(spec), tmp_path)
    for expected in ("Βεβαίωση", "Справка", "Zaświadczenie", "<b>not bold</b> & <script>", "Łódź, Żółć", "Шумен", "Ηράκλειο", "<i>2</i>", "ABCD-EFGH-IJKL-MNOP-QRST-UVWX"):
        assert expected in text


@pytest.mark.django_db
def test_greek_certificate_has_greek_names_and_greek_number_format(tmp_path):
    person = person_with_history(periods=2, given_name="Αικατερίνη", surname="Οικονόμου")
    info = insurance_history_certificate_issue(actor=citizen_actor(person), person_id=person.pk, language="el", protocol="2026/0000001")
    pdf, filename = document_content_get(actor=citizen_actor(person), document_id=info.id)
    text = _text(pdf, tmp_path)
    assert "Αικατερίνη Οικονόμου" in text
    assert person.national_id in text
    # Greek formats: 14.250,50 (en would print 14,250.50); dates as d/m/Y.
    assert "14.250,50" in text and "14,250.50" not in text
    assert "01/01/2015" in text
    assert re.fullmatch(r"insurance-history-2026-0000001-\d{8}\.pdf", filename)


@pytest.mark.django_db
def test_bulgarian_status_certificate_has_cyrillic_names(tmp_path):
    person = person_with_history(periods=1, country="bg", given_name="Иван", surname="Петров")
    info = insurance_status_certificate_issue(actor=citizen_actor(person), person_id=person.pk, language="bg", protocol="")
    pdf, _ = document_content_get(actor=citizen_actor(person), document_id=info.id)
    text = _text(pdf, tmp_path)
    assert "Иван Петров" in text
    # The only period ended in 2015: not insured now.
    assert "not insured" in text or "не" in text


@pytest.mark.django_db
def test_russian_decision_renders_reasons(tmp_path):
    person = person_with_history(periods=1)
    info = decision_document_issue(
        person_id=person.pk,
        language="ru",
        protocol="2026/0000003",
        service_title="Исправление данных",
        outcome="Одобрено",
        reasons="Период 2015 года подтверждён работодателем.",
        decided_by="Иванова А.",
        decided_at=dt.datetime(2026, 6, 1, 10, 0, tzinfo=dt.timezone.utc),
    )
    pdf, _ = document_content_get(actor=citizen_actor(person), document_id=info.id)
    text = _text(pdf, tmp_path)
    assert "Период 2015 года подтверждён работодателем." in text and "Одобрено" in text and "Иванова А." in text


def _record(periods):
    return {"periods": [{"counts": True, "period_from": f, "period_to": t} for f, t in periods]}


@pytest.mark.parametrize(
    "periods,today,expected",
    [
        ([("2026-01-01", "2026-04-30")], dt.date(2026, 5, 20), True),   # previous month on file
        ([("2026-01-01", "2026-03-31")], dt.date(2026, 5, 20), False),  # two months behind
        ([("2025-01-01", "2025-12-31")], dt.date(2026, 1, 10), True),   # across the year boundary
        ([], dt.date(2026, 1, 10), False),
    ],
)
def test_insured_now_rule(periods, today, expected):
    insured, _last = content.insured_now(_record(periods), today=today)
    assert insured is expected
