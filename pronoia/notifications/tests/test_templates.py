"""Templates: placeholders checked when a version is saved and when a message is built; the defaults."""
from __future__ import annotations

from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from pronoia.core.errors import PronoiaError
from pronoia.notifications.models import LANGUAGES, NotificationTemplate, TemplateVersion
from pronoia.notifications.template_versions import template_version_save, templates_default_load
from pronoia.notifications.templating import render

pytestmark = pytest.mark.django_db


def texts(body: str = "Your application {protocol_number}.", subject: str = "About {protocol_number}") -> dict:
    return {language: {"subject": subject, "body": body} for language in LANGUAGES}


def save(**overrides):
    args = {"code": "test.event", "channel": "email", "category": "applications", "texts": texts(), "placeholders": ["protocol_number"]}
    args.update(overrides)
    return template_version_save(**args)


def test_a_version_is_stored_and_unchanged_texts_make_no_new_one():
    first = save()
    assert first.version == 1 and save().pk == first.pk
    second = save(texts=texts(body="Changed {protocol_number}."))
    assert second.version == 2 and TemplateVersion.objects.count() == 2


def test_an_undeclared_placeholder_is_refused_on_save_with_a_clear_error():
    with pytest.raises(PronoiaError) as caught:
        save(texts=texts(body="Dear {surname}, your application {protocol_number}."))
    assert caught.value.code == "template_placeholder_unknown"
    assert "{surname}" in caught.value.message and "en body" in caught.value.message and "protocol_number" in caught.value.message
    assert not NotificationTemplate.objects.exists()


@pytest.mark.parametrize(
    "body, code",
    [
        ("{protocol_number.__class__}", "template_placeholder_invalid"),
        ("{protocol_number!r}", "template_placeholder_invalid"),
        ("{protocol_number:>99999}", "template_placeholder_invalid"),
        ("{0}", "template_placeholder_invalid"),
        ("unmatched {", "template_braces"),
        ("bell \x07 here", "template_control_characters"),
        ("x" * 5001, "template_too_long"),
    ],
)
def test_hostile_or_malformed_texts_are_refused(body, code):
    with pytest.raises(PronoiaError) as caught:
        save(texts=texts(body=body))
    assert caught.value.code == code
    assert not TemplateVersion.objects.exists()


def test_every_language_is_required_and_unknown_ones_refused():
    partial = texts()
    del partial["ru"]
    with pytest.raises(PronoiaError) as caught:
        save(texts=partial)
    assert caught.value.code == "template_language_missing" and caught.value.field == "texts.ru"
    with pytest.raises(PronoiaError) as caught:
        save(texts={**texts(), "xx": {"body": "x"}})
    assert caught.value.code == "template_language_unknown"


def test_push_templates_may_not_carry_placeholders():
    with pytest.raises(PronoiaError) as caught:
        save(channel="push")
    assert caught.value.code == "template_push_placeholders"


def test_sms_texts_are_bounded():
    with pytest.raises(PronoiaError) as caught:
        save(channel="sms", texts=texts(body="x" * 481, subject=""))
    assert caught.value.code == "template_too_long"


def test_a_missing_value_is_refused_when_a_message_is_built():
    version = save()
    with pytest.raises(PronoiaError) as caught:
        render(texts=version.texts, language="el", declared=version.template.placeholders, values={"protocol_number": ""})
    assert caught.value.code == "template_value_missing" and caught.value.field == "protocol_number"
    ok = render(texts=version.texts, language="el", declared=version.template.placeholders, values={"protocol_number": "2026/1"})
    assert ok.body == "Your application 2026/1." and ok.subject == "About 2026/1"


def test_values_are_not_formatted_again():
    version = save()
    ok = render(texts=version.texts, language="en", declared=["protocol_number"], values={"protocol_number": "{protocol_number} {__class__}"})
    assert ok.body == "Your application {protocol_number} {__class__}."


def test_the_defaults_load_once_for_every_event_and_channel():
    stored = templates_default_load()
    assert stored == NotificationTemplate.objects.count() == TemplateVersion.objects.count()
    assert templates_default_load() == 0
    codes = set(NotificationTemplate.objects.values_list("code", "channel"))
    for code in ("application.submitted", "application.status_changed", "application.information_requested", "application.decided", "document.ready", "notice.pension_age", "campaign.annual_statement"):
        assert {(code, c) for c in ("inbox", "email", "sms", "push")} <= codes
    assert NotificationTemplate.objects.get(code="application.decided", channel="inbox").critical


def test_the_command_reports_a_broken_file_without_storing_anything(tmp_path: Path):
    broken = tmp_path / "t.yaml"
    broken.write_text("templates:\n  - code: x.y\n    channels: [email]\n    category: applications\n    placeholders: []\n    texts: {en: {body: 'Hi {name}'}}\n", encoding="utf-8")
    with pytest.raises(CommandError) as caught:
        call_command("notifications_templates_load", "--file", str(broken))
    assert "entry 1" in str(caught.value) and "{name}" in str(caught.value)
    assert not TemplateVersion.objects.exists()
    (tmp_path / "bad.yaml").write_text("templates: [", encoding="utf-8")
    with pytest.raises(CommandError):
        call_command("notifications_templates_load", "--file", str(tmp_path / "bad.yaml"))
