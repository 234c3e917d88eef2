from django.contrib import admin

from .models import Country, Delegation, Person


@admin.register(Country)
class CountryAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "capital", "timezone")


@admin.register(Delegation)
class DelegationAdmin(admin.ModelAdmin):
    list_display = ("name", "country", "ministry")
    list_filter = ("country",)


@admin.register(Person)
class PersonAdmin(admin.ModelAdmin):
    list_display = ("__str__", "title", "delegation", "rank", "user")
    list_filter = ("delegation",)
    search_fields = ("given_name", "family_name", "title")
