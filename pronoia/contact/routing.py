"""WebSocket routes of the contact centre (config/asgi.py mounts them)."""
from django.urls import re_path

from pronoia.contact.consumers import ChatConsumer

websocket_urlpatterns = [
    re_path(r"^ws/chat/(?P<token>[A-Za-z0-9_-]{20,64})$", ChatConsumer.as_asgi()),
]
