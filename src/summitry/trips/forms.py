"""Planning forms: validation that names the problem in the user's language."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta
from typing import Any

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from summitry.accounts.models import Country, Delegation, Person
from summitry.domain.access import Role
from summitry.domain.planning import PlanningError, zone
from summitry.meetings.models import Engagement

from .models import Stop, Trip

TIMEZONES = [("America/New_York", "Washington (America/New_York)"), ("America/Toronto", "Ottawa (America/Toronto)"),
             ("America/Mexico_City", "Mexico City (America/Mexico_City)")]


class PlanningForm(forms.Form):
    """Errors are shown beside their field and announced with it (``aria-invalid``, ``aria-describedby``)."""

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs.update({
                    "aria-invalid": "true", "aria-describedby": f"{self[name].id_for_label}-error"})


def slug_for(title: str, prefix: str) -> str:
    """The address of a trip or engagement: from its title where it has Latin letters or digits, otherwise
    (a title in Cyrillic, Arabic or Chinese) a short random one: a title in any script is a title."""
    return slugify(title)[:50].strip("-") or f"{prefix}-{secrets.token_hex(4)}"


class TripForm(PlanningForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    organizer = forms.ModelChoiceField(label=_("Organizing delegation"), queryset=Delegation.objects.all())
    traveller = forms.ModelChoiceField(label=_("Traveller"), queryset=Person.objects.all(), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("title", "").strip():
            return data
        slug = slug_for(data["title"], "trip")
        if Trip.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("A trip with this title exists already."))
        data["slug"] = slug
        return data


class StopForm(PlanningForm):
    country = forms.ModelChoiceField(label=_("Country"), queryset=Country.objects.all())


class EngagementForm(PlanningForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Engagement.Kind.choices)
    stop = forms.ModelChoiceField(label=_("Stop"), queryset=Stop.objects.none(), required=False)
    host = forms.ModelChoiceField(label=_("Host delegation"), queryset=Delegation.objects.all())
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    start = forms.TimeField(label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"}))
    duration = forms.IntegerField(label=_("Duration (minutes)"), min_value=5, max_value=24 * 60, initial=60)
    timezone = forms.CharField(label=_("Time zone of the times above"), initial="America/New_York",
                               widget=forms.TextInput(attrs={"list": "timezones"}))
    participants = forms.ModelMultipleChoiceField(label=_("Principals"), queryset=Person.objects.all(),
                                                  widget=forms.SelectMultiple(attrs={"size": 8}))

    def __init__(self, *args: Any, trip: Trip, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.trip = trip
        self.fields["stop"].queryset = trip.stops.all()

    def clean_timezone(self) -> str:
        tz = self.cleaned_data["timezone"].strip()
        try:
            zone(tz)
        except PlanningError:
            raise forms.ValidationError(_("Unknown time zone “%(tz)s”: use a name such as America/Toronto."),
                                        params={"tz": tz}) from None
        return tz

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        starts = datetime.combine(data["date"], data["start"]).replace(tzinfo=zone(data["timezone"]))
        data["starts_at"], data["ends_at"] = starts, starts + timedelta(minutes=data["duration"])
        slug = slug_for(data["title"], "engagement")
        if Engagement.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("An engagement with this title exists already."))
        data["slug"] = slug
        data["invitees"] = [(p, Role.HOST if p.delegation_id == data["host"].pk else Role.PRINCIPAL)
                            for p in data["participants"]]
        return data
