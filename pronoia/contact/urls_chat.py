"""The assistant's chat (open to everyone) and the operators' conversation queue."""
from django.urls import path

from pronoia.contact import views

# `code` is the conversation's unguessable token (the only key the visitor's session holds).
urlpatterns: list = [
    path("chat/", views.ChatStartView.as_view(), name="chat_start"),
    path("chat/<str:code>", views.ChatConversationView.as_view(), name="chat_conversation"),
    path("chat/<str:code>/rate", views.ChatRateView.as_view(), name="chat_rate"),
    path("contact/chat/", views.ChatQueueView.as_view(), name="chat_queue"),
    path("contact/chat/<int:pk>", views.ChatOperatorView.as_view(), name="chat_operator"),
    path("contact/chat/<int:pk>/take", views.ChatTakeView.as_view(), name="chat_take"),
    path("contact/chat/<int:pk>/reply", views.ChatReplyView.as_view(), name="chat_reply"),
    path("contact/chat/<int:pk>/resolve", views.ChatResolveView.as_view(), name="chat_resolve"),
    path("contact/chat/<int:pk>/propose", views.ChatProposeView.as_view(), name="chat_propose"),
]
