"""Conversations with the assistant and operators, hand-over and ratings."""
from django.db import models  # noqa: F401

__all__: list[str] = []
