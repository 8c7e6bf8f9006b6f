from django.apps import AppConfig


class DocumentsConfig(AppConfig):
    name = "pronoia.documents"
    label = "documents"
    verbose_name = "Documents, seals and uploads"
