from django.contrib import admin

from .models import Segment, Stop, Trip


class StopInline(admin.TabularInline):
    model = Stop
    extra = 0


@admin.register(Trip)
class TripAdmin(admin.ModelAdmin):
    list_display = ("title", "organizer", "traveller")
    inlines = [StopInline]


@admin.register(Segment)
class SegmentAdmin(admin.ModelAdmin):
    list_display = ("engagement", "kind", "title", "starts_at", "ends_at")
    list_filter = ("kind",)
