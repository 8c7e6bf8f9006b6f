from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Synthetic population generator, demo loader and linkage-quality measurement (ADR 0001)."""

    name = "pronoia.demo"
    label = "demo"
