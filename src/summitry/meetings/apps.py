from django.apps import AppConfig


class MeetingsConfig(AppConfig):
    name = "summitry.meetings"
    label = "meetings"
    verbose_name = "Engagements and meetings"
