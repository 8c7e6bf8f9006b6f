from django.apps import AppConfig


class ContactConfig(AppConfig):
    name = "pronoia.contact"
    label = "contact"
    verbose_name = "Contact centre"
