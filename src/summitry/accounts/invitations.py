"""Personal, single-use, expiring invitations for guests without an account (the other side's staff,
a journalist). Only a hash of the link's secret is stored; redeeming it signs the guest in for that
one engagement.

An invitation is for a guest without an account, nothing more: it is refused, when it is made and
when it is redeemed, for a person who has a real (non-guest) account, and it stops working when the
engagement has ended or was cancelled, or when the protocol office revokes it (a used link's guest then
loses the engagement's pass). Redeeming never signs anyone in as an existing real account."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import IntegrityError, transaction
from django.utils import timezone

from summitry.audit.log import record
from summitry.domain.access import EngagementState
from summitry.meetings.models import Participation

from .models import GuestPass, Invitation, Person

LIFETIME = timedelta(hours=48)
GUEST_PREFIX = "guest-"
GUEST_NAME_TRIES = 5


class InvitationError(Exception):
    """Why a link does not work, or cannot be made: ``unknown``, ``revoked``, ``used``, ``expired``,
    ``ended``, ``cancelled`` or ``has_account``. ``invitation`` is the link's row when it is known."""

    def __init__(self, reason: str, invitation: Invitation | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.invitation = invitation


def is_guest(user: AbstractBaseUser | AnonymousUser | None) -> bool:
    """A guest account is one that ``redeem`` created: its user name starts with ``guest-`` *and* it
    has no usable password. Both must hold: a real account called ``guest-…`` is not a guest."""
    if user is None or not user.is_authenticated:
        return False
    return user.get_username().startswith(GUEST_PREFIX) and not user.has_usable_password()


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def has_real_account(person: Person) -> bool:
    """The person signs in with an account of their own (not a guest one): no invitation for them."""
    return person.user is not None and not is_guest(person.user)


_has_real_account = has_real_account


def _over(participation: Participation) -> str:
    """``ended`` or ``cancelled`` when the engagement is over (by its state or its end time), else ``""``."""
    engagement = participation.engagement
    if engagement.state == EngagementState.CANCELLED:
        return "cancelled"
    if engagement.state == EngagementState.ENDED or engagement.ends_at <= timezone.now():
        return "ended"
    return ""


def invite(participation: Participation, created_by: str, lifetime: timedelta = LIFETIME, ip: str = "") -> str:
    """Create an invitation and return its secret (shown once; only its hash is kept). Refused
    (InvitationError ``has_account``, ``ended`` or ``cancelled``) for a person with a real account,
    who signs in with it, and for an engagement that is over; each refusal is audited."""
    person = participation.person
    reason = "has_account" if _has_real_account(person) else _over(participation)
    if reason:
        record("invitation_refused", actor=created_by, engagement=participation.engagement.slug,
               subject=person.slug, reason=reason, stage="create", ip=ip)
        raise InvitationError(reason)
    secret = secrets.token_urlsafe(32)
    Invitation.objects.create(participation=participation, digest=_digest(secret),
                              expires_at=timezone.now() + lifetime, created_by=created_by)
    record("invitation_created", actor=created_by, engagement=participation.engagement.slug,
           subject=person.slug)
    return secret


def _check(inv: Invitation) -> None:
    if inv.revoked_at is not None:
        raise InvitationError("revoked", inv)
    if inv.used_at is not None:
        raise InvitationError("used", inv)
    if inv.expires_at <= timezone.now():
        raise InvitationError("expired", inv)
    if reason := _over(inv.participation):
        raise InvitationError(reason, inv)
    if _has_real_account(inv.participation.person):
        raise InvitationError("has_account", inv)


def lookup(secret: str) -> Invitation:
    inv = Invitation.objects.select_related("participation__engagement", "participation__person__user").filter(
        digest=_digest(secret)).first()
    if inv is None:
        raise InvitationError("unknown")
    _check(inv)
    return inv


def _guest_username(person: Person) -> str:
    """``guest-<slug>-<8 hex digits>``: the person's slug says whom it is for, the random part keeps it
    free of any name taken before (a guest account left behind by a deleted person of the same slug, a
    sign-in name a planner gave someone), within the user name's 150 characters."""
    suffix = f"-{secrets.token_hex(4)}"
    return f"{GUEST_PREFIX}{person.slug[:150 - len(GUEST_PREFIX) - len(suffix)]}{suffix}"


def _new_guest_account(person: Person) -> AbstractBaseUser:
    """A guest account for the person: a fresh user name (a few tries, each in its own savepoint, should
    one be taken meanwhile) and no usable password, which together make ``is_guest`` true."""
    tries = GUEST_NAME_TRIES
    while True:
        user = get_user_model()(username=_guest_username(person), first_name=person.given_name,
                                last_name=person.family_name)
        user.set_unusable_password()
        try:
            with transaction.atomic():
                user.save()
        except IntegrityError:
            tries -= 1
            if not tries:  # 32 random bits taken five times over: not chance, let it show
                raise
        else:
            return user


def redeem(secret: str, ip: str = "") -> tuple[AbstractBaseUser, Invitation]:
    """Use the invitation (once): the guest's account, bound to this one engagement. Everything is
    checked again under row locks (the invitation's and the person's), so that a person who got a
    real account meanwhile is never signed in by the link."""
    with transaction.atomic():
        inv = lookup(secret)
        locked = Invitation.objects.select_for_update().get(pk=inv.pk)
        person = (Person.objects.select_for_update(of=("self",)).select_related("user")
                  .get(pk=inv.participation.person_id))
        inv.used_at, inv.participation.person = locked.used_at, person
        _check(inv)
        locked.used_at = timezone.now()
        locked.save(update_fields=["used_at"])
        user = person.user
        if user is None:
            user = _new_guest_account(person)
            person.user = user
            person.save(update_fields=["user"])
        if not is_guest(user):  # cannot happen (_check refused real accounts); never sign in as one
            raise InvitationError("has_account", inv)
        GuestPass.objects.get_or_create(user=user, engagement=inv.participation.engagement)
        record("invitation_used", actor=user.get_username(), engagement=inv.participation.engagement.slug,
               subject=person.slug, ip=ip)
    return user, inv


def record_refusal(exc: InvitationError, *, actor: str, ip: str, stage: str) -> None:
    """Audit a refused link under the requester's identity (``anonymous`` and their address), never
    under the invited person's name."""
    inv = exc.invitation
    record("invitation_refused", actor=actor, engagement=inv.participation.engagement.slug if inv else "",
           subject=inv.participation.person.slug if inv else "", reason=exc.reason, stage=stage, ip=ip)


def state_of(inv: Invitation) -> str:
    """Where the link stands: ``revoked``, ``used``, ``expired`` or ``open`` (it may still be used,
    unless the engagement is over or the person got an account, which ``lookup`` says)."""
    if inv.revoked_at is not None:
        return "revoked"
    if inv.used_at is not None:
        return "used"
    if inv.expires_at <= timezone.now():
        return "expired"
    return "open"


@dataclass(frozen=True)
class Revoked:
    invitation: Invitation
    pass_ended: bool  # the link had been used: its guest's pass for the engagement is gone


def revoke(invitation_id: int, participation: Participation, revoked_by: str, ip: str = "") -> Revoked:
    """Withdraw one of the participant's links: it no longer redeems. A link that was used ends its
    guest's pass for the engagement (their live media is cut by the caller, after commit, through
    ``meetings.services``). A link not theirs (``unknown``) or revoked already (``revoked``) is refused
    with InvitationError, and audited."""
    slug, subject = participation.engagement.slug, participation.person.slug
    with transaction.atomic():
        inv = (Invitation.objects.select_for_update(of=("self",)).select_related("participation__engagement")
               .filter(pk=invitation_id, participation=participation).first())
        refusal = "unknown" if inv is None else "revoked" if inv.revoked_at is not None else ""
        ended = 0
        if inv is not None and not refusal:
            inv.revoked_at, inv.revoked_by = timezone.now(), revoked_by
            inv.save(update_fields=["revoked_at", "revoked_by"])
            user = Person.objects.select_related("user").get(pk=participation.person_id).user
            if inv.used_at is not None and user is not None and is_guest(user):
                ended, _ = GuestPass.objects.filter(user=user, engagement=participation.engagement).delete()
            record("invitation_revoked", actor=revoked_by, engagement=slug, subject=subject, invitation=inv.pk,
                   used=inv.used_at is not None, pass_ended=bool(ended), ip=ip)
    if refusal or inv is None:
        record("invitation_refused", actor=revoked_by, engagement=slug, subject=subject, reason=refusal,
               stage="revoke", invitation=invitation_id, ip=ip)
        raise InvitationError(refusal or "unknown", inv)
    return Revoked(inv, bool(ended))
