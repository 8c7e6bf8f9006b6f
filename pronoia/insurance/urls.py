from django.urls import path

from pronoia.insurance import views

app_name = "insurance"
urlpatterns = [
    path("my/insurance-record", views.InsuranceRecordView.as_view(), name="record"),
    path("my/insurance-record.csv", views.InsuranceRecordCsvView.as_view(), name="record_csv"),
    path("my/insurance-record/corrections/new", views.CorrectionRequestCreateView.as_view(), name="correction_new"),
    path("my/insurance-record/corrections/<int:pk>", views.CorrectionRequestDetailView.as_view(), name="correction_detail"),
    path("staff/persons", views.StaffPersonLookupView.as_view(), name="staff_person_lookup"),
    path("staff/persons/<int:person_id>/insurance-record", views.StaffPersonRecordView.as_view(), name="staff_person_record"),
]
