"""Reads of the contact centre: the knowledge base (knowledge.py)."""
