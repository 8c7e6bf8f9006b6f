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
def chat_message_max() -> int:
    """The longest message the chat takes (the page checks it before a plain post loses the text)."""
    from pronoia.contact.services.conversations import MESSAGE_MAX_CHARS

    return MESSAGE_MAX_CHARS
