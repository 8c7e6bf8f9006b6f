from django.apps import AppConfig


class InsuranceConfig(AppConfig):
    name = "pronoia.insurance"
    label = "insurance"
