"""Planning forms: validation that names the problem in the user's language."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from django import forms
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from summitry.accounts.models import Country, Delegation, Person
from summitry.domain.access import Role
from summitry.domain.planning import PlanningError, zone
from summitry.meetings.models import ROLE_LABELS, Engagement

from .models import Segment, Stop, Trip

TIMEZONES = [("America/New_York", "Washington (America/New_York)"), ("America/Toronto", "Ottawa (America/Toronto)"),
             ("America/Mexico_City", "Mexico City (America/Mexico_City)")]


class PlanningForm(forms.Form):
    """Errors are shown beside their field and announced with it (``aria-invalid``, ``aria-describedby``)."""

    def full_clean(self) -> None:
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs.update({
                    "aria-invalid": "true", "aria-describedby": f"{self[name].auto_id}-error"})


def slug_for(title: str, prefix: str) -> str:
    """The address of a trip or engagement: from its title where it has Latin letters or digits, otherwise
    (a title in Cyrillic, Arabic or Chinese) a short random one: a title in any script is a title."""
    return slugify(title)[:50].strip("-") or f"{prefix}-{secrets.token_hex(4)}"


class TripForm(PlanningForm):
    title = forms.CharField(label=_("Title"), max_length=200)
    organizer = forms.ModelChoiceField(label=_("Organizing delegation"), queryset=Delegation.objects.all())
    traveller = forms.ModelChoiceField(label=_("Traveller"), queryset=Person.objects.all(), required=False)
    description = forms.CharField(label=_("Description"), required=False, max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 3}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("title", "").strip():
            return data
        slug = slug_for(data["title"], "trip")
        if Trip.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("A trip with this title exists already."))
        data["slug"] = slug
        return data


LANGUAGES = [("en", _("English")), ("fr", _("French")), ("es", _("Spanish"))]


def wall_clock(day: date, clock: time, tz: str) -> datetime:
    """The instant the clocks of ``tz`` show ``clock`` on ``day``, or a ValidationError for a time that
    those clocks skip (summer time begins) or show twice (it ends): a plan never guesses which was meant."""
    z = zone(tz)
    naive = datetime.combine(day, clock)
    first, second = naive.replace(tzinfo=z, fold=0), naive.replace(tzinfo=z, fold=1)
    if first.astimezone(UTC).astimezone(z).replace(tzinfo=None) != naive:
        raise forms.ValidationError(_("%(time)s does not exist on %(day)s in %(tz)s: the clocks go forward "
                                      "then. Choose another time."),
                                    params={"time": clock.strftime("%H:%M"), "day": day.isoformat(), "tz": tz})
    if first.utcoffset() != second.utcoffset():
        raise forms.ValidationError(_("%(time)s happens twice on %(day)s in %(tz)s: the clocks go back then. "
                                      "Choose another time."),
                                    params={"time": clock.strftime("%H:%M"), "day": day.isoformat(), "tz": tz})
    return first


def known_zone(value: str) -> str:
    """The IANA zone named, or a ValidationError that says how to name one."""
    tz = value.strip()
    try:
        zone(tz)
    except PlanningError:
        raise forms.ValidationError(_("Unknown time zone “%(tz)s”: use a name such as America/Toronto."),
                                    params={"tz": tz}) from None
    return tz


def _in_calendar(day: date) -> date:
    if not 1900 <= day.year <= 9000:
        raise forms.ValidationError(_("Choose a date between the years 1900 and 9000."))
    return day


class TripEditForm(PlanningForm):
    """A trip's title, traveller and description (its address and organizer stay)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "trip-%s")  # ids unique on the trip's page, beside the other forms
        super().__init__(*args, **kwargs)

    title = forms.CharField(label=_("Title"), max_length=200)
    traveller = forms.ModelChoiceField(label=_("Traveller"), queryset=Person.objects.all(), required=False)
    description = forms.CharField(label=_("Description"), required=False, max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 3}))


class StopForm(PlanningForm):
    country = forms.ModelChoiceField(label=_("Country"), queryset=Country.objects.all())
    title = forms.CharField(label=_("Title (optional)"), max_length=200, required=False,
                            help_text=_("Empty: the capital's name."))
    arrives_on = forms.DateField(label=_("Arrives on"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                 validators=[_in_calendar])
    departs_on = forms.DateField(label=_("Departs on"), required=False,
                                 widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                                 validators=[_in_calendar])

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "stop-%s" if "prefix" not in kwargs else "id_%s")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        a, d = data.get("arrives_on"), data.get("departs_on")
        if a and d and d < a:
            self.add_error("departs_on", _("The departure comes on or after the arrival."))
        return data


class StopEditForm(StopForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["country"]


class EngagementDetailsForm(PlanningForm):
    """An engagement's title, kind, place, time and languages (its page's "Edit details")."""

    title = forms.CharField(label=_("Title"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind"), choices=Engagement.Kind.choices)
    stop = forms.ModelChoiceField(label=_("Stop"), queryset=Stop.objects.none(), required=False)
    host = forms.ModelChoiceField(label=_("Host delegation"), queryset=Delegation.objects.all())
    date = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                           validators=[_in_calendar])
    start = forms.TimeField(label=_("Starts at"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"))
    duration = forms.IntegerField(label=_("Duration (minutes)"), min_value=5, max_value=24 * 60, initial=60)
    timezone = forms.CharField(label=_("Time zone of the times above"), initial="America/New_York",
                               widget=forms.TextInput(attrs={"list": "timezones"}))
    languages = forms.MultipleChoiceField(label=_("Languages"), choices=LANGUAGES, initial=["en"],
                                          widget=forms.CheckboxSelectMultiple,
                                          help_text=_("With more than one, each gets an interpretation channel."))

    def __init__(self, *args: Any, trip: Trip | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.trip = trip
        self.fields["stop"].queryset = trip.stops.all() if trip is not None else Stop.objects.none()

    @classmethod
    def for_engagement(cls, e: Engagement, data: Any = None) -> EngagementDetailsForm:
        tz = e.host.country.timezone
        start = e.starts_at.astimezone(zone(tz))
        return cls(data, trip=e.trip, initial={
            "title": e.title, "kind": e.kind, "stop": e.stop_id, "host": e.host_id, "date": start.date(),
            "start": start.time().replace(second=0, microsecond=0), "timezone": tz,
            "duration": int((e.ends_at - e.starts_at).total_seconds() // 60), "languages": e.languages.split(",")})

    def clean_timezone(self) -> str:
        return known_zone(self.cleaned_data["timezone"])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        try:
            starts = wall_clock(data["date"], data["start"], data["timezone"])
        except forms.ValidationError as exc:
            self.add_error("start", exc)
            return data
        data["starts_at"] = starts
        data["ends_at"] = (starts.astimezone(UTC) + timedelta(minutes=data["duration"])).astimezone(starts.tzinfo)
        return data


PERSON_CHOICES = Person.objects.select_related("delegation__country").order_by(
    "delegation__country__name", "delegation__name", "rank", "family_name")


class ParticipantForm(PlanningForm):
    person = forms.ModelChoiceField(label=_("Person"), queryset=PERSON_CHOICES)
    role = forms.ChoiceField(label=_("Role"), choices=[], initial=Role.DELEGATION_MEMBER)
    booth = forms.ChoiceField(label=_("Booth (interpreters)"), choices=[], required=False)
    precedence = forms.IntegerField(label=_("Place in the order (optional)"), min_value=1, max_value=1000,
                                    required=False,
                                    help_text=_("Empty: protocol order (host side first, then rank)."))

    def __init__(self, *args: Any, engagement: Engagement, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "participant-%s" if "prefix" not in kwargs else "id_%s")
        super().__init__(*args, **kwargs)
        self.engagement = engagement
        self.fields["role"].choices = [(r.value, label) for r, label in ROLE_LABELS.items()]
        spoken = engagement.languages.split(",")
        self.fields["booth"].choices = [("", _("None"))] + [(c, n) for c, n in LANGUAGES if c in spoken]
        self.fields["person"].queryset = PERSON_CHOICES.exclude(participations__engagement=engagement)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("booth") and data.get("role") != Role.INTERPRETER:
            self.add_error("booth", _("Only an interpreter has a booth."))
        if data.get("role") == Role.INTERPRETER and len(self.engagement.languages.split(",")) > 1 \
                and not data.get("booth"):
            self.add_error("booth", _("Choose the language this interpreter interprets into."))
        return data


class ParticipantEditForm(ParticipantForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["person"]


class SegmentForm(PlanningForm):
    """A segment, its times on the clocks of the engagement's host capital."""

    kind = forms.ChoiceField(label=_("Kind"), choices=Segment.Kind.choices)
    title = forms.CharField(label=_("Title"), max_length=200, required=False)
    starts = forms.DateTimeField(label=_("Starts"), widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))
    ends = forms.DateTimeField(label=_("Ends"), widget=forms.DateTimeInput(
        attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"))

    def __init__(self, *args: Any, engagement: Engagement, **kwargs: Any) -> None:
        tz = engagement.host.country.timezone
        last = engagement.segments.order_by("-ends_at").first()
        begins = last.ends_at if last is not None and last.ends_at < engagement.ends_at else engagement.starts_at
        kwargs.setdefault("initial", {"starts": begins.astimezone(zone(tz)).replace(tzinfo=None),
                                      "ends": engagement.ends_at.astimezone(zone(tz)).replace(tzinfo=None)})
        kwargs.setdefault("auto_id", "segment-%s")
        super().__init__(*args, **kwargs)
        self.tz = tz
        self.fields["starts"].help_text = _("On the clocks of %(tz)s.") % {"tz": tz}

    def _aware(self, name: str) -> datetime | None:
        value = self.cleaned_data.get(name)
        if value is None:
            return None
        naive = value.replace(tzinfo=None) if value.tzinfo else value
        try:
            _in_calendar(naive.date())
            return wall_clock(naive.date(), naive.time(), self.tz)
        except forms.ValidationError as exc:
            self.add_error(name, exc)
            return None

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        data["starts_at"], data["ends_at"] = self._aware("starts"), self._aware("ends")
        if data["starts_at"] and data["ends_at"] and data["ends_at"] <= data["starts_at"]:
            self.add_error("ends", _("A segment ends after it starts."))
        return data


class EngagementForm(EngagementDetailsForm):
    """A new engagement on a trip, with its principals (more participants are added on its page)."""

    participants = forms.ModelMultipleChoiceField(label=_("Principals"), queryset=PERSON_CHOICES,
                                                  widget=forms.SelectMultiple(attrs={"size": 8}))

    def __init__(self, *args: Any, trip: Trip | None, **kwargs: Any) -> None:
        super().__init__(*args, trip=trip, **kwargs)
        if trip is None:
            del self.fields["stop"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if self.errors:
            return data
        slug = slug_for(data["title"], "engagement")
        if Engagement.objects.filter(slug=slug).exists():
            raise forms.ValidationError(_("An engagement with this title exists already."))
        data["slug"] = slug
        data.setdefault("stop", None)
        data["invitees"] = [(p, Role.HOST if p.delegation_id == data["host"].pk else Role.PRINCIPAL)
                            for p in data["participants"]]
        return data
