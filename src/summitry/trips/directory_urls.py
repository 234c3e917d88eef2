"""The directory: countries, delegations and people (filled in by ``directory``)."""

from django.urls import path
from django.views.generic import RedirectView

urlpatterns = [path("", RedirectView.as_view(url="/trips/"), name="directory")]
