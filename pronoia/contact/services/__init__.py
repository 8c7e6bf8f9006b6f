"""Writes of the contact centre: serving callers (serving.py), the knowledge base (knowledge.py), conversations (conversations.py)."""
from pronoia.contact.services.serving import serving_end, serving_start  # noqa: F401
