from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "pronoia.audit"
    label = "audit"
