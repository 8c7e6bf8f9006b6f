from django.urls import path

app_name = "insurance"
urlpatterns: list = []
