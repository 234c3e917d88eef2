"""The guest panel of an engagement (``guests``): invitation links for its participants without an account."""

from django.urls import URLPattern, path

from . import guests

urlpatterns: list[URLPattern] = [
    path("", guests.guests, name="guests"),
    path("links", guests.create_link, name="guest_link_create"),
    path("links/<int:pk>/revoke", guests.revoke_link, name="guest_link_revoke"),
]
