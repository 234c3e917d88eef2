"""Access checks for meetings, one condition per line."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from summitry.accounts.models import GuestPass
from summitry.domain.access import EngagementState, may_join

from .models import Engagement, Participation

GUEST_PREFIX = "guest-"


class NotAllowed(Exception):
    """The user may not do this; ``reason`` is a stable code shown to them as a sentence."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def participation_for(user: AbstractBaseUser | AnonymousUser, engagement: Engagement) -> Participation:
    """The user's participation in the engagement, or NotAllowed."""
    if not user.is_authenticated:
        raise NotAllowed("not_signed_in")
    participation = (Participation.objects.select_related("person", "engagement")
                     .filter(engagement=engagement, person__user=user).first())
    if participation is not None and user.get_username().startswith(GUEST_PREFIX) and not GuestPass.objects.filter(
            user=user, engagement=engagement).exists():
        participation = None  # a guest's invitation is for another engagement
    decision = may_join(is_participant=participation is not None, state=EngagementState(engagement.state))
    if not decision.allowed or participation is None:
        raise NotAllowed(decision.reason)
    return participation


def may_end(participation: Participation) -> bool:
    """Only the host delegation's members with the host role may end an engagement for everyone."""
    return participation.role == "host" or (
        participation.role == "principal" and participation.person.delegation_id == participation.engagement.host_id)
