"""Template filters of the chat."""
from __future__ import annotations

from django import template
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def answer_links(text: str) -> SafeString:
    """An assistant's text escaped, with the portal paths it names (/services/…) as links."""
    from pronoia.contact.views.knowledge import answer_html

    return answer_html(str(text or ""))


@register.simple_tag
def chat_length_attributes() -> SafeString:
    """The chat form's limit and its message, for the page's check before a plain post loses the text."""
    from django.utils.html import format_html
    from django.utils.translation import gettext

    from pronoia.contact.services.conversations import MESSAGE_MAX_CHARS

    return format_html(
        'data-chat-max-chars="{}" data-chat-too-long="{}"',
        MESSAGE_MAX_CHARS,
        gettext("Your message is too long for the chat. Shorten it or split it into several messages."),
    )
