"""Contact-centre models: the knowledge base (knowledge.py) and conversations (conversations.py)."""
from pronoia.contact.models.conversations import *  # noqa: F401,F403
from pronoia.contact.models.knowledge import *  # noqa: F401,F403
