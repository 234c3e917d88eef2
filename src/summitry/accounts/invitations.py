"""Personal, single-use, expiring invitations for guests without an account (the other side's staff,
a journalist). Only a hash of the link's secret is stored; redeeming it signs the guest in for that
one engagement."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from summitry.audit.log import record
from summitry.meetings.models import Participation

from .models import GuestPass, Invitation

LIFETIME = timedelta(hours=48)


class InvitationError(Exception):
    """Why a link does not work: ``unknown``, ``used`` or ``expired``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def invite(participation: Participation, created_by: str, lifetime: timedelta = LIFETIME) -> str:
    """Create an invitation and return its secret (shown once; only its hash is kept)."""
    secret = secrets.token_urlsafe(32)
    Invitation.objects.create(participation=participation, digest=_digest(secret),
                              expires_at=timezone.now() + lifetime, created_by=created_by)
    record("invitation_created", actor=created_by, engagement=participation.engagement.slug,
           subject=participation.person.slug)
    return secret


def lookup(secret: str) -> Invitation:
    inv = Invitation.objects.select_related("participation__engagement", "participation__person").filter(
        digest=_digest(secret)).first()
    if inv is None:
        raise InvitationError("unknown")
    if inv.used_at is not None:
        raise InvitationError("used")
    if inv.expires_at <= timezone.now():
        raise InvitationError("expired")
    return inv


def redeem(secret: str, ip: str = "") -> tuple[AbstractBaseUser, Invitation]:
    """Use the invitation (once): the guest's account, bound to this one engagement."""
    with transaction.atomic():
        inv = lookup(secret)
        locked = Invitation.objects.select_for_update().get(pk=inv.pk)
        if locked.used_at is not None:
            raise InvitationError("used")
        locked.used_at = timezone.now()
        locked.save(update_fields=["used_at"])
        person = inv.participation.person
        user = person.user
        if user is None:
            user = get_user_model().objects.create(username=f"guest-{person.slug}"[:150],
                                                   first_name=person.given_name, last_name=person.family_name)
            user.set_unusable_password()
            user.save()
            person.user = user
            person.save(update_fields=["user"])
        GuestPass.objects.get_or_create(user=user, engagement=inv.participation.engagement)
        record("invitation_used", actor=user.get_username(), engagement=inv.participation.engagement.slug,
               subject=person.slug, ip=ip)
    return user, inv
