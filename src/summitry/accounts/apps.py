from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "summitry.accounts"
    label = "accounts"
    verbose_name = "People and delegations"
