"""Contact-centre operator console."""
from django.urls import path

from pronoia.contact import views
from pronoia.contact.urls_chat import urlpatterns as chat_urlpatterns
from pronoia.contact.urls_knowledge import urlpatterns as knowledge_urlpatterns

app_name = "contact"
urlpatterns = [
    path("contact/", views.ConsoleHomeView.as_view(), name="console"),
    path("contact/serve", views.ServeStartView.as_view(), name="serve"),
    path("contact/serving/insurance-record", views.ServingRecordView.as_view(), name="serving_record"),
    path("contact/serve/end", views.ServeEndView.as_view(), name="serve_end"),
    *knowledge_urlpatterns,
    *chat_urlpatterns,
]
