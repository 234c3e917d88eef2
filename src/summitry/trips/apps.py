from django.apps import AppConfig


class TripsConfig(AppConfig):
    name = "summitry.trips"
    label = "trips"
    verbose_name = "Trips and calendars"
