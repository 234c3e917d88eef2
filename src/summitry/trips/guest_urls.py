"""URLs of this section (filled in by its module)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
