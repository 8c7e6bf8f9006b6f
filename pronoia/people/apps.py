from django.apps import AppConfig


class PeopleConfig(AppConfig):
    name = "pronoia.people"
    label = "people"
