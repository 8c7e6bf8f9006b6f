from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "pronoia.accounts"
    label = "accounts"
    verbose_name = "Accounts, roles and mandates"
