"""Document pages: the public verification page and the citizen's documents."""
from django.urls import path

from pronoia.documents import views

app_name = "documents"
urlpatterns = [
    path("verify/", views.VerifyStartView.as_view(), name="verify"),
    path("verify/root-certificate.pem", views.RootCertificateView.as_view(), name="root-certificate"),
    path("verify/<str:verification_code>", views.VerifyCodeView.as_view(), name="verify-code"),
    path("my/documents", views.MyDocumentsView.as_view(), name="mine"),
    path("my/documents/<int:pk>/download", views.MyDocumentDownloadView.as_view(), name="download"),
]
