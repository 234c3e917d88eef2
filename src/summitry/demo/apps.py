from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "summitry.demo"
    label = "demo"
    verbose_name = "Demo scenario"
