"""Applications: the citizen's pages and the back office."""
from django.urls import path

from pronoia.services.views import backoffice, citizen

app_name = "applications"
urlpatterns = [
    path("services/<slug:code>/apply", citizen.ApplyView.as_view(), name="apply"),
    path("my/applications", citizen.MyApplicationsView.as_view(), name="list"),
    path("my/applications/<int:pk>", citizen.MyApplicationDetailView.as_view(), name="detail"),
    path("my/applications/<int:pk>/submitted", citizen.ApplicationConfirmationView.as_view(), name="confirmation"),
    path("staff/cases/", backoffice.CaseQueueView.as_view(), name="queue"),
    path("staff/cases/overdue", backoffice.CaseQueueView.as_view(overdue=True), name="overdue"),
    path("staff/cases/<int:pk>", backoffice.CaseDetailView.as_view(), name="case"),
    path("staff/cases/<int:pk>/assign", backoffice.CaseAssignView.as_view(), name="case_assign"),
    path("staff/cases/<int:pk>/information-request", backoffice.CaseInformationRequestView.as_view(), name="case_information_request"),
    path("staff/cases/<int:pk>/decision", backoffice.CaseDecisionView.as_view(), name="case_decision"),
    path("staff/cases/<int:pk>/second-approval", backoffice.CaseSecondApprovalView.as_view(), name="case_second_approval"),
    path("staff/cases/<int:pk>/contacts", backoffice.CaseContactView.as_view(), name="case_contact"),
    path("staff/cases/<int:pk>/fail", backoffice.CaseFailView.as_view(), name="case_fail"),
]
