from django.urls import path

from pronoia.core import views

app_name = "core"
urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("healthz", views.health, name="health"),
    path("demo/sign-in", views.DemoSignInView.as_view(), name="demo_sign_in"),
    path("sign-out", views.SignOutView.as_view(), name="sign_out"),
]
