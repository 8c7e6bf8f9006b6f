"""Knowledge base: items, their versions and review (see pronoia/contact/services/knowledge.py)."""
from django.db import models  # noqa: F401

__all__: list[str] = []
