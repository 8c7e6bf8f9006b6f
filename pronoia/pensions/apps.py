from django.apps import AppConfig


class PensionsConfig(AppConfig):
    name = "pronoia.pensions"
    label = "pensions"
    verbose_name = "Pension rules and forecasts"
