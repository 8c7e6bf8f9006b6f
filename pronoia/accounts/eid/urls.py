"""eID login routes (OpenID Connect relying party); included in the accounts namespace."""
from django.urls import path

from pronoia.accounts.eid import views

urlpatterns = [
    path("sign-in", views.SignInView.as_view(), name="sign_in"),
    path("sign-in/<slug:provider>", views.SignInStartView.as_view(), name="eid_start"),
    path("sign-in/<slug:provider>/callback", views.SignInCallbackView.as_view(), name="eid_callback"),
    path("sign-out", views.SignOutView.as_view(), name="sign_out"),
]
