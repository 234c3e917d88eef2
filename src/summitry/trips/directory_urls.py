"""The directory: countries, delegations and people, kept by the protocol office (``directory``)."""

from django.urls import path

from . import directory

urlpatterns = [
    path("", directory.index, name="directory"),
    path("countries/new", directory.country_edit, name="directory_country_add"),
    path("countries/<str:code>/", directory.country_edit, name="directory_country"),
    path("countries/<str:code>/delete", directory.country_delete, name="directory_country_delete"),
    path("delegations/new", directory.delegation_edit, name="directory_delegation_add"),
    path("delegations/<slug:slug>/", directory.delegation_edit, name="directory_delegation"),
    path("delegations/<slug:slug>/delete", directory.delegation_delete, name="directory_delegation_delete"),
    path("people/new", directory.person_edit, name="directory_person_add"),
    path("people/<slug:slug>/", directory.person_edit, name="directory_person"),
    path("people/<slug:slug>/welcome", directory.person_welcome, name="directory_person_welcome"),
    path("people/<slug:slug>/delete", directory.person_delete, name="directory_person_delete"),
]
