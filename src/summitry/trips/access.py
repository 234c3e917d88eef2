"""Who may read which plans, one condition per line. Pages and the API ask these helpers and decide
nothing themselves.

- Trips, their timelines, warnings and exports, slot search and the government-wide week are for the
  protocol office (the ``trips.plan_trips`` permission) only.
- Everyone else reads only the engagements they take part in (a guest signed in by an invitation link:
  only the engagements of its invitations), and of those only the segment titles their role may know:
  whoever may not be in a segment (``domain.access.allowed_in``: the press in closed and restricted
  segments) does not read its title.
- What a reader may not see does not exist for them: pages answer 404 whether or not it exists; the API
  answers the same status and sentence for an existing and a missing object.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.http import Http404

from summitry.accounts.invitations import is_guest
from summitry.accounts.models import Person
from summitry.domain.access import Role, SegmentKind, allowed_in
from summitry.meetings.access import own_participations
from summitry.meetings.models import Engagement, Participation

from .models import Segment, Trip

PLAN = "trips.plan_trips"

User = AbstractBaseUser | AnonymousUser


class NoAccess(Http404):
    """Not for this reader. A page shows it as 404 (an Http404); the API answers ``status`` and ``message``."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def may_read_plans(user: User) -> bool:
    """The protocol office reads every trip, engagement, warning, slot and the government-wide week."""
    if not user.is_authenticated:
        return False
    return user.has_perm(PLAN)


def check_reads_plans(user: User) -> None:
    if not may_read_plans(user):
        raise NoAccess(403, "Only the protocol office may read trips, warnings, slots and exports.")


def check_plans(user: User) -> None:
    if not may_read_plans(user):
        raise NoAccess(403, "Only the protocol office may plan trips.")


def access_trip(user: User, slug: str, trips: QuerySet[Trip] | None = None) -> Trip:
    """The trip, for the protocol office; anyone else is refused before the trip is looked up."""
    check_reads_plans(user)
    trip = (trips if trips is not None else Trip.objects.all()).filter(slug=slug).first()
    if trip is None:
        raise NoAccess(404, "No such trip.")
    return trip




def visible_engagements(user: User, engagements: QuerySet[Engagement]) -> QuerySet[Engagement]:
    """Of these engagements, those the user may read: all for the protocol office, otherwise their own."""
    if not user.is_authenticated:
        return engagements.none()
    if may_read_plans(user):
        return engagements
    return engagements.filter(pk__in=own_participations(user).values("engagement"))


def access_engagement(user: User, slug: str, engagements: QuerySet[Engagement] | None = None) -> Engagement:
    """The engagement, if the user may read it; the same refusal whether it exists or not."""
    base = engagements if engagements is not None else Engagement.objects.all()
    engagement = visible_engagements(user, base).filter(slug=slug).first()
    if engagement is None:
        raise NoAccess(404, "No such engagement, or you do not take part in it.")
    return engagement


def participation_in(user: User, engagement: Engagement) -> Participation | None:
    """The user's own participation in the engagement (a guest's only where invited), or None."""
    if not user.is_authenticated:
        return None
    return own_participations(user).filter(engagement=engagement).select_related("person").first()


def access_participation(user: User, slug: str) -> Participation:
    """The user's own participation (for what is personal: the invitation file), even for the protocol office."""
    if not user.is_authenticated:
        raise NoAccess(404, "No such engagement, or you do not take part in it.")
    participation = own_participations(user).filter(engagement__slug=slug).select_related(
        "person__delegation__country", "engagement__host__country").first()
    if participation is None:
        raise NoAccess(404, "No such engagement, or you do not take part in it.")
    return participation


def reading_role(user: User, engagement: Engagement) -> str | None:
    """The role the user reads the engagement with: None for the protocol office (every title), else
    their role in it. Call after ``access_engagement``."""
    if may_read_plans(user):
        return None
    participation = participation_in(user, engagement)
    if participation is None:
        raise NoAccess(404, "No such engagement, or you do not take part in it.")
    return participation.role


def may_read_segment_title(role: str | None, segment: Segment) -> bool:
    """Whoever may be in the segment may read its title; the protocol office (role None) reads all."""
    if role is None:
        return True
    return allowed_in(SegmentKind(segment.kind), Role(role))


def segment_title_for(role: str | None, segment: Segment) -> str:
    """The segment's title for this reader, or "" where the role may not know it (the page shows only
    the kind: "Closed (delegations only)")."""
    if not may_read_segment_title(role, segment):
        return ""
    return segment.title


def may_have_feed(person: Person) -> bool:
    """A personal calendar feed needs no sign-in, so it is for people with accounts of their own: a
    guest's invitation is for one engagement and ends with it."""
    if person.user is None:
        return True
    return not is_guest(person.user)


def feed_token(user: User) -> str | None:
    person = getattr(user, "person", None)
    if person is None or not may_have_feed(person):
        return None
    return str(person.calendar_token)
