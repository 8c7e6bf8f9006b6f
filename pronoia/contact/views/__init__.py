"""Contact-centre pages: the operator console (console.py), the knowledge base (knowledge.py), the chat (chat.py)."""
from pronoia.contact.views.console import *  # noqa: F401,F403
from pronoia.contact.views.knowledge import *  # noqa: F401,F403
from pronoia.contact.views.chat import *  # noqa: F401,F403
