"""Access checks for meetings, one condition per line."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import QuerySet
from django.utils import timezone

from summitry.accounts.invitations import is_guest
from summitry.accounts.models import GuestPass
from summitry.domain.access import (
    EngagementState,
    Role,
    SegmentKind,
    allowed_in,
    may_join,
    needs_admission,
)

from .models import Admission, Engagement, MediaGrant, Participation


class NotAllowed(Exception):
    """The user may not do this; ``reason`` is a stable code shown to them as a sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def own_participations(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Participation]:
    """The user's participations; for a guest (signed in by an invitation link) only those of the
    engagements it was invited to, whatever lists its person is on."""
    mine = Participation.objects.filter(person__user=user) if user.is_authenticated else Participation.objects.none()
    if is_guest(user):
        mine = mine.filter(engagement__in=GuestPass.objects.filter(user=user).values("engagement"))
        mine = mine.filter(engagement__ends_at__gt=timezone.now())  # a guest's pass ends with the engagement
        mine = mine.exclude(engagement__state__in=[EngagementState.ENDED, EngagementState.CANCELLED])
    return mine


def takes_part(user: AbstractBaseUser | AnonymousUser, engagement: Engagement) -> bool:
    """Whether the user's person is on the engagement's list, whatever its state (a guest's person too,
    whether or not the guest's pass covers it). Whoever does not take part is answered exactly as if the
    engagement did not exist: slugs come from titles, and a refusal would confirm a guessed meeting."""
    if not user.is_authenticated:
        return False
    return Participation.objects.filter(person__user=user, engagement=engagement).exists()


def participation_for(user: AbstractBaseUser | AnonymousUser, engagement: Engagement) -> Participation:
    """The user's participation in the engagement, or NotAllowed."""
    if not user.is_authenticated:
        raise NotAllowed("not_signed_in")
    participation = own_participations(user).select_related("person", "engagement").filter(
        engagement=engagement).first()
    decision = may_join(is_participant=participation is not None, state=EngagementState(engagement.state))
    if not decision.allowed or participation is None:
        raise NotAllowed(decision.reason)
    return participation


def may_end(participation: Participation) -> bool:
    """Only the host delegation's members with the host role may end an engagement for everyone."""
    return participation.role == "host" or (
        participation.role == "principal" and participation.person.delegation_id == participation.engagement.host_id)


def segment_kind(engagement: Engagement) -> SegmentKind | None:
    return SegmentKind(engagement.current_segment) if engagement.current_segment else None


def live_grant(user: AbstractBaseUser | AnonymousUser, engagement: Engagement) -> MediaGrant:
    """The user's current grant in the engagement, the only one a relay may carry, or NotAllowed."""
    participation = participation_for(user, engagement)
    grant = participation.grants.filter(revoked_at__isnull=True).order_by("-issued_at").first()
    if grant is None:
        raise NotAllowed("no_grant")
    return grant


def is_admitted(participation: Participation) -> bool:
    """Admitted for this visit (the host needs no admission)."""
    if not needs_admission(Role(participation.role)):
        return True
    return Admission.objects.filter(participation=participation, state=Admission.State.ADMITTED).exists()


def may_be_in_room(participation: Participation, engagement: Engagement) -> bool:
    """A page is in the meeting's room (presence, channel states, booth chat, end-to-end keys) only for a
    live visit: the meeting not over, the participation still theirs (a guest's pass not over), a grant
    not revoked, admitted, and allowed in the segment in force."""
    if engagement.state in (EngagementState.ENDED, EngagementState.CANCELLED):
        return False
    if not own_participations(participation.person.user).filter(pk=participation.pk).exists():
        return False
    if not participation.grants.filter(revoked_at__isnull=True).exists():
        return False
    if not allowed_in(segment_kind(engagement), Role(participation.role)):
        return False
    return is_admitted(participation)


may_receive_key = may_be_in_room  # keys go where the room's media may go, and nowhere else


def may_stay_in_segment(grant: MediaGrant, kind: SegmentKind | None, encrypted: bool) -> bool:
    """Whether a live grant survives a segment coming into force: its role must be allowed, and in an
    encrypted segment its client must have said it encrypts (a client that cannot would send clear media)."""
    if not allowed_in(kind, Role(grant.participation.role)):
        return False
    return not (encrypted and not grant.e2ee)


def booth_connected(channel_room: int, members: dict[int, int]) -> set[int]:
    """Which of a booth's interpreters (participation ids) are connected to its channel, from Summitry's
    own record of its relays (what each visit was seen to join as itself), never from Janus's participant
    list, which any client joining the room writes to."""
    return set(MediaGrant.objects.filter(participation_id__in=list(members), revoked_at__isnull=True,
                                         channel_room=channel_room).values_list("participation_id", flat=True))
