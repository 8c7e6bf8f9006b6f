"""Writes of message templates: a new version is checked (placeholders, languages, sizes) before
it is stored; versions are never edited, a message records the version it was built from.
The default texts live in templates_default.yaml and are loaded by `pronoia notifications_templates_load`."""
from __future__ import annotations

from pathlib import Path

import yaml
from django.db import transaction
from django.utils.translation import gettext as _

from pronoia.core.errors import PronoiaError
from pronoia.notifications.models import LANGUAGES, Category, NotificationChannel, NotificationTemplate, TemplateVersion
from pronoia.notifications.templating import PLACEHOLDER_NAME, texts_validate

DEFAULTS_FILE = Path(__file__).with_name("templates_default.yaml")
CODE_MAX_CHARS = 80


def _placeholders_clean(placeholders) -> list[str]:
    names = [str(p) for p in (placeholders or [])]
    bad = [n for n in names if not PLACEHOLDER_NAME.match(n)]
    if bad:
        raise PronoiaError(code="template_placeholder_invalid", message=_("Placeholder names are lower-case letters, digits and _: %(name)s.") % {"name": bad[0][:40]}, field="placeholders")
    return sorted(set(names))


@transaction.atomic
def template_version_save(
    *, code: str, channel: str, category: str, texts: dict, placeholders: list[str], critical: bool = False, description: str = "", created_by: str = ""
) -> TemplateVersion:
    """Store `texts` as the next version of the (code, channel) template, creating the template.

    Unchanged texts and placeholders make no new version (loading the defaults twice is a no-op).
    Push templates may declare no placeholders: push carries no personal data.
    """
    if not code or len(code) > CODE_MAX_CHARS or not all(ch.isalnum() or ch in "._-" for ch in code):
        raise PronoiaError(code="template_code_invalid", message=_("A template code is up to 80 letters, digits, dots, dashes or underscores."), field="code")
    if channel not in NotificationChannel.values:
        raise PronoiaError(code="template_channel_unknown", message=_("Unknown channel."), field="channel")
    if category not in Category.values:
        raise PronoiaError(code="template_category_unknown", message=_("Unknown category."), field="category")
    declared = _placeholders_clean(placeholders)
    if channel == NotificationChannel.PUSH and declared:
        raise PronoiaError(code="template_push_placeholders", message=_("A push message may not use placeholders: it must carry no personal data."), field="placeholders")
    cleaned = texts_validate(texts=texts, declared=declared, channel=channel, languages=LANGUAGES)
    template, created = NotificationTemplate.objects.select_for_update().get_or_create(
        code=code, channel=channel, defaults={"category": category, "critical": critical, "description": description[:300], "placeholders": declared}
    )
    latest = template.versions.order_by("-version").first()
    if not created:
        if latest is not None and latest.texts == cleaned and template.placeholders == declared and template.category == category and template.critical == critical:
            return latest
        # The declared names may only change together with texts that fit them (checked above).
        template.category, template.critical, template.placeholders = category, critical, declared
        template.description = description[:300] or template.description
        template.save(update_fields=["category", "critical", "placeholders", "description"])
    return TemplateVersion.objects.create(template=template, version=(latest.version + 1) if latest else 1, texts=cleaned, created_by=created_by[:150])


def templates_default_load(*, path: Path | None = None, created_by: str = "defaults") -> int:
    """Load the default templates; returns how many new versions were stored."""
    path = path or DEFAULTS_FILE
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise PronoiaError(code="templates_file_invalid", message=f"{path.name}: {exc}", field="file") from None
    if not isinstance(data, dict) or not isinstance(data.get("templates"), list):
        raise PronoiaError(code="templates_file_invalid", message=f"{path.name}: a top-level 'templates' list is needed", field="file")
    stored = 0
    for index, spec in enumerate(data["templates"], start=1):
        if not isinstance(spec, dict):
            raise PronoiaError(code="templates_file_invalid", message=f"{path.name}: entry {index} is not a mapping", field="file")
        for channel in spec.get("channels") or []:
            try:
                before = TemplateVersion.objects.filter(template__code=spec.get("code"), template__channel=channel).count()
                template_version_save(
                    code=str(spec.get("code", "")),
                    channel=str(channel),
                    category=str(spec.get("category", "")),
                    texts=spec.get("texts") or {},
                    placeholders=spec.get("placeholders") or [],
                    critical=bool(spec.get("critical", False)),
                    description=str(spec.get("description", "")),
                    created_by=created_by,
                )
            except PronoiaError as exc:
                raise PronoiaError(code=exc.code, message=f"{path.name}, entry {index} ({spec.get('code')}, {channel}): {exc.message}", field=exc.field) from None
            stored += TemplateVersion.objects.filter(template__code=spec.get("code"), template__channel=channel).count() - before
    return stored
