"""iCalendar: each participant's invitation and personal feed, in their own time zone (with VTIMEZONE),
with SEQUENCE raised at every change and cancellations that calendar programs apply: the same UID for an
engagement in every REQUEST and CANCEL. The recipient's own ATTENDEE line carries their address (so their
calendar program knows the invitation is theirs); everyone else is named without one."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from functools import lru_cache

from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event, Timezone, vCalAddress, vText

from summitry.accounts.models import Person
from summitry.domain.access import EngagementState
from summitry.domain.planning import local
from summitry.meetings.models import Engagement

PRODID = "-//Summitry//Virtual diplomatic travel//EN"


def _calendar(method: str | None) -> Calendar:
    cal = Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    if method:
        cal.add("method", method)
    return cal


def uid(e: Engagement) -> str:
    return f"{e.slug}@summitry"


def _attendee(p: Person, recipient: Person) -> vCalAddress:
    own = p.pk == recipient.pk and bool(p.email)
    attendee = vCalAddress(f"mailto:{p.email}" if own else f"urn:summitry:person:{p.slug}")
    attendee.params["cn"] = vText(str(p))
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    return attendee


def _event(e: Engagement, person: Person, base_url: str, attendees: Iterable[Person] | None = None,
           cancelled: bool | None = None) -> Event:
    """The engagement as ``person`` sees it; ``attendees`` (default: every participant) and ``cancelled``
    (default: by the engagement's state) for a cancellation sent to one person taken off the list."""
    tz = person.tz
    ev = Event()
    ev.add("uid", uid(e))
    ev.add("sequence", e.sequence)
    ev.add("dtstamp", timezone.now())
    ev.add("dtstart", local(e.starts_at, tz))
    ev.add("dtend", local(e.ends_at, tz))
    ev.add("summary", e.title)
    ev.add("location", f"{base_url}/engagements/{e.slug}/")
    ev.add("url", f"{base_url}/engagements/{e.slug}/")
    ev.add("description", _("%(kind)s hosted by %(host)s. Languages: %(languages)s.") % {
        "kind": e.get_kind_display(), "host": e.host.name, "languages": e.languages})
    if cancelled is None:
        cancelled = e.state == EngagementState.CANCELLED
    ev.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    organizer = vCalAddress("mailto:protocol@summitry.invalid")
    organizer.params["cn"] = vText(e.host.name)
    ev.add("organizer", organizer)
    for p in (attendees if attendees is not None else [p.person for p in e.participations.all()]):
        ev.add("attendee", _attendee(p, person))
    return ev


@lru_cache(maxsize=512)
def _vtimezone(tz: str, first_year: int, last_year: int) -> Timezone:
    """VTIMEZONE for the years the events span (computing it is the costly part of a feed)."""
    return Timezone.from_tzid(tz, first_date=date(first_year, 1, 1), last_date=date(last_year + 1, 1, 1))


def _add_timezone(cal: Calendar, tz: str, engagements: list[Engagement]) -> None:
    years = [e.starts_at.year for e in engagements] or [timezone.now().year]
    cal.add_component(_vtimezone(tz, min(years), max(years)))


def invitation(e: Engagement, person: Person, base_url: str, cancelled: bool | None = None) -> bytes:
    """REQUEST, or CANCEL once the engagement is cancelled (or ``cancelled`` says so): calendar programs
    update the same UID."""
    if cancelled is None:
        cancelled = e.state == EngagementState.CANCELLED
    cal = _calendar("CANCEL" if cancelled else "REQUEST")
    _add_timezone(cal, person.tz, [e])
    cal.add_component(_event(e, person, base_url, cancelled=cancelled))
    return bytes(cal.to_ical())


def cancellation(e: Engagement, person: Person, base_url: str) -> bytes:
    """CANCEL for one person taken off the engagement's list, which goes on without them: the same UID,
    so their calendar program removes it; they alone are named as attendee."""
    cal = _calendar("CANCEL")
    _add_timezone(cal, person.tz, [e])
    cal.add_component(_event(e, person, base_url, attendees=[person], cancelled=True))
    return bytes(cal.to_ical())


def feed(person: Person, engagements: Iterable[Engagement], base_url: str) -> bytes:
    cal = _calendar("PUBLISH")
    cal.add("x-wr-calname", f"Summitry: {person}")
    cal.add("x-wr-timezone", person.tz)
    engagements = list(engagements)
    _add_timezone(cal, person.tz, engagements)
    for e in engagements:
        cal.add_component(_event(e, person, base_url))
    return bytes(cal.to_ical())
