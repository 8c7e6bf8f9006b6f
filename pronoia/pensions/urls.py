from django.urls import path

from pronoia.pensions import views

app_name = "pensions"
urlpatterns = [
    path("my/pension-forecast", views.PensionForecastView.as_view(), name="forecast"),
]
