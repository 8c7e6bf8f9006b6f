"""The adapter for each outside channel, chosen by settings (NOTIFICATIONS_<CHANNEL>_BACKEND)."""
from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from pronoia.notifications.channels.base import ChannelAdapter

_SETTINGS = {"email": "NOTIFICATIONS_EMAIL_BACKEND", "sms": "NOTIFICATIONS_SMS_BACKEND", "push": "NOTIFICATIONS_PUSH_BACKEND"}


def adapter_for(channel: str) -> ChannelAdapter:
    """A new adapter for `channel` ("email", "sms" or "push"); the inbox has none, it is the database.

    A new instance per call: each holds its own connections and threads, so a dispatch task makes one
    per channel, uses it for all its chunks and closes it (`close()`) at the end.
    """
    try:
        setting = _SETTINGS[channel]
    except KeyError:
        raise ValueError(f"no outside adapter for channel {channel!r}") from None
    return import_string(getattr(settings, setting))()
