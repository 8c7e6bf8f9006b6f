"""form_context and services/forms/form.html: accessible markup, error summary, conditional reveal."""
from __future__ import annotations

import re

from django.http import QueryDict
from django.template.loader import render_to_string
from django.utils import translation

from pronoia.services.forms import definition_names, form_context, form_definition_get, form_summary, form_validate


def render(name: str, values=None, *, prefilled=None, files=None) -> tuple[str, dict]:
    definition = form_definition_get(name)
    data = QueryDict(mutable=True)
    data.update(values or {})
    result = form_validate(definition, data, files=files, prefilled=prefilled) if values is not None else None
    context = form_context(definition, values=data, errors=result.errors if result else {}, prefilled=prefilled or {})
    return render_to_string("services/forms/form.html", {"form": context}), context


def test_every_definition_renders_with_a_label_for_every_input():
    for name in definition_names():
        html, context = render(name)
        ids = re.findall(r'<(?:input|select|textarea)[^>]*\bid="([^"]+)"', html)
        assert ids, name
        for element_id in ids:
            assert f'for="{element_id}"' in html, (name, element_id)
        assert "style=" not in html
        # Only external scripts (the content security policy forbids inline ones).
        assert re.findall(r"<script(?![^>]*\bsrc=)", html) == []


def test_error_summary_links_to_each_field_and_fields_show_their_errors():
    html, context = render("gr-a1-document", {"work_location": "non_eu", "date_from": "2026-13-01"})
    assert 'class="govuk-error-summary"' in html
    hrefs = re.findall(r'<li><a href="#([^"]+)">', html)
    assert hrefs[:3] == ["field-surname", "field-given_name", "field-national_id"]
    assert "field-work_situation" in hrefs  # radios: links to the first option
    assert 'id="field-work_situation"' in html
    assert 'id="field-date_from-error"' in html and "govuk-form-group--error" in html
    assert 'aria-describedby="field-date_from-error"' in html


def test_radios_are_a_fieldset_with_a_legend():
    html, _context = render("gr-a1-document")
    block = html.split('name="work_location"')[0].rsplit("<fieldset", 1)[1]
    assert "govuk-fieldset__legend" in block and "Where will you work?" in block


def test_conditional_questions_show_without_javascript_with_a_note():
    html, context = render("gr-a1-document")
    block = re.search(r'<div class="govuk-radios__conditional pronoia-conditional" id="conditional-non_eu_country"[^>]*>', html).group(0)
    assert 'data-show-if-field="work_location"' in block
    assert "&quot;non_eu&quot;" in block
    assert "hidden" not in block  # visible until the script decides
    assert "Answer this only if you chose “In a country outside the EU, the EEA and Switzerland” for “Where will you work?”." in html
    # The controlling radios say which blocks they reveal.
    assert re.search(r'name="work_location" type="radio" value="non_eu"[^>]*aria-controls="[^"]*conditional-non_eu_country', html)
    assert "services/forms/conditional.js" in html


def test_prefilled_rows_are_shown_as_details_from_the_file():
    html, _context = render("gr-insurance-history-certificate", prefilled={"surname": "Παπαδοπούλου", "national_id": "01016012345"})
    assert "Details from your file" in html
    assert "Παπαδοπούλου" in html
    assert 'name="surname"' not in html and 'name="national_id"' not in html
    assert 'name="given_name"' in html  # not known: asked


def test_answers_are_shown_back_after_an_error():
    html, _context = render("gr-a1-document", {"work_location": "eu_eea_ch", "work_country": "FR", "work_address": "<b>Rue 1</b>"})
    assert re.search(r'value="eu_eea_ch" checked', html)
    assert '<option value="FR" selected>France</option>' in html
    assert "&lt;b&gt;Rue 1&lt;/b&gt;" in html  # escaped


def test_upload_field_says_what_is_accepted():
    html, _context = render("gr-a1-document")
    assert 'type="file" accept="application/pdf,image/jpeg,image/png"' in html
    assert "Accepted: PDF, JPEG, PNG. Maximum size: 5.0" in html
    assert form_context(form_definition_get("gr-a1-document"), values={}, errors={}, prefilled={})["enctype"] == "multipart/form-data"
    assert form_context(form_definition_get("gr-insurance-history-certificate"), values={}, errors={}, prefilled={})["enctype"] == "application/x-www-form-urlencoded"


def test_form_level_errors_lead_the_summary():
    html, context = render("gr-insurance-history-certificate", {"evil": "1"})
    assert context["error_summary"][0] == {"href": "#form-answers", "text": "The form does not have a field called “evil”."}


def test_page_in_greek():
    with translation.override("el"):
        html, _context = render("gr-a1-document", {})
    assert "Πού θα εργαστείτε;" in html
    assert "Γερμανία" in html


def test_summary_in_the_requested_language():
    definition = form_definition_get("gr-a1-document")
    rows = form_summary(definition, {**definition.example, "contract": "posting.pdf"}, language="el")
    assert ("Πού θα εργαστείτε;", "Σε άλλη χώρα της ΕΕ ή του ΕΟΧ ή στην Ελβετία") in rows
    assert ("Χώρα εργασίας", "Γερμανία") in rows
    assert ("Σύμβαση ή επιστολή απόσπασης", "posting.pdf") in rows
    labels = [label for label, _value in rows]
    assert labels.index("Επώνυμο") < labels.index("Χώρα εργασίας")  # the form's order
    english = dict(form_summary(definition, definition.example, language="en"))
    assert english["Where will you work?"] == "In another EU or EEA country or in Switzerland"
    assert english["I declare that the information I give is true"] == "Yes"


def test_summary_of_multiple_choices_and_empty_answers():
    definition = form_definition_get("gr-insurance-data-correction")
    rows = dict(form_summary(definition, {"problem": "wrong_days", "employer_concerned": "", "period_id": 7}, language="en"))
    assert rows == {"Period reference": "7", "What is wrong?": "The insurance days are wrong"}
