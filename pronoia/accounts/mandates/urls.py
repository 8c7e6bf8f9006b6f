"""Mandate routes: the principal grants, sees and revokes; the representative chooses whom to act for."""
from django.urls import path

from pronoia.accounts.mandates import views

urlpatterns = [
    path("my/mandates", views.MandateListView.as_view(), name="mandates"),
    path("my/mandates/new", views.MandateGrantView.as_view(), name="mandate_new"),
    path("my/mandates/<int:pk>/revoke", views.MandateRevokeView.as_view(), name="mandate_revoke"),
    path("my/mandates/<int:pk>/act-for", views.MandateActForView.as_view(), name="mandate_act_for"),
    path("my/mandates/stop-acting", views.MandateActingStopView.as_view(), name="mandate_stop_acting"),
]
