"""Writes for meetings: joining, leaving, ending. Each keeps the database and Janus in step and
never leaves a grant marked active that Janus does not know (or the reverse)."""

from __future__ import annotations

import asyncio
import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone

from summitry.audit.log import record
from summitry.audit.models import AuditEntry
from summitry.domain.access import (
    EngagementState,
    Role,
    SegmentKind,
    encrypted,
    may_enter_segment,
    rights_for,
)
from summitry.media import JanusError, RoomSpec

from . import access, e2ee, groups, interpretation, lobby
from .janus import MediaUnavailable, gateway
from .models import Admission, Engagement, InterpretationChannel, MediaGrant, Participation

log = logging.getLogger(__name__)


# How long the clean-up after a failed join may take at Janus before the participant is answered.
UNDO_BUDGET_S = 10.0


@dataclass(frozen=True)
class JoinGrant:
    token: str
    room: int
    publisher_id: int
    display: str
    publish: bool
    channels: tuple[interpretation.Channel, ...] = ()
    booth: str = ""


def _room_spec(engagement: Engagement) -> RoomSpec:
    return RoomSpec(room=engagement.media_room, description=engagement.slug, secret=engagement.room_secret)


@sync_to_async
def _issue_grant(user: AbstractBaseUser | AnonymousUser, slug: str, auth_method: str,
                 supports_e2ee: bool) -> tuple[Participation, MediaGrant | None, list[MediaGrant]]:
    """Record a new grant (none while the participant waits in the lobby); the participant's earlier
    active grants are superseded by it."""
    with transaction.atomic():
        engagement = Engagement.objects.select_for_update().get(slug=slug)
        participation = access.participation_for(user, engagement)
        decision = may_enter_segment(current_kind(engagement), Role(participation.role))
        if not decision.allowed:
            raise access.NotAllowed(decision.reason)
        if encrypted(current_kind(engagement)) and not supports_e2ee:
            raise access.NotAllowed("e2ee_unsupported")
        if lobby.check_in(participation, user.get_username(), auth_method) != "admitted":
            return participation, None, []
        now = timezone.now()
        recent = participation.grants.filter(issued_at__gte=now - timedelta(seconds=60)).count()
        if recent >= settings.SUMMITRY_JOINS_PER_MINUTE:  # a join/leave loop
            raise access.NotAllowed("too_many_joins")
        previous = list(participation.grants.filter(revoked_at__isnull=True))
        participation.grants.filter(revoked_at__isnull=True).update(revoked_at=now, revoked_reason="superseded")
        grant = MediaGrant.objects.create(participation=participation, token=secrets.token_urlsafe(32),
                                          e2ee=supports_e2ee)
        for old in previous:
            record("token_revoked", actor=user.get_username(), engagement=slug, subject=participation.person.slug,
                   grant=old.pk, reason="superseded")
        record("token_issued", actor=user.get_username(), engagement=slug, subject=participation.person.slug,
               grant=grant.pk, role=participation.role, plugins=list(rights_for(Role(participation.role)).plugins))
    return participation, grant, previous


def _revoke_rows(grant_ids: list[int], reason: str, actor: str = "system") -> None:
    """Mark these grants revoked and audit each (inside the caller's transaction, or its own)."""
    with transaction.atomic():
        grants = list(MediaGrant.objects.select_related("participation__person", "participation__engagement")
                      .filter(pk__in=grant_ids, revoked_at__isnull=True))
        MediaGrant.objects.filter(pk__in=[g.pk for g in grants]).update(revoked_at=timezone.now(),
                                                                       revoked_reason=reason)
        for g in grants:
            record("token_revoked", actor=actor, engagement=g.participation.engagement.slug,
                   subject=g.participation.person.slug, grant=g.pk, reason=reason)


_revoke_in_db = sync_to_async(_revoke_rows)


async def join(user: AbstractBaseUser | AnonymousUser, slug: str, auth_method: str = "password",
               supports_e2ee: bool = False) -> JoinGrant:
    """Admit a participant to the engagement's room: open it if needed, store their token at Janus.
    A client that cannot encrypt media end to end may not join an encrypted segment."""
    participation, grant, previous = await _issue_grant(user, slug, auth_method, supports_e2ee)
    if grant is None:
        raise lobby.InLobby("waiting")
    engagement = participation.engagement
    gw = gateway()
    rights = rights_for(Role(participation.role))
    try:
        await gw.open_room(_room_spec(engagement))
        channels = await interpretation.open_channels(engagement)
        rooms = [(c.room, engagement.room_secret) for c in channels]
        await _cut_relays([old.pk for old in previous])
        for old in previous:
            await gw.revoke(engagement.media_room, engagement.room_secret, old.token, participation.publisher_id)
            await gw.revoke_from_channels(rooms, old.token)
        await gw.admit(engagement.media_room, engagement.room_secret, grant.token, rights.plugins,
                       publish=rights.publish)
        # Only the booth's interpreters are on their channel's list: nobody else speaks into it, at Janus too.
        booth = participation.booth if participation.role == Role.INTERPRETER else ""
        await gw.admit_to_channels([(c.room, engagement.room_secret) for c in channels if booth and
                                    c.language == booth], grant.token)
        if previous:  # a new visit joins channels muted: whoever was on air before is off air now
            for engagement_id in await interpretation.off_air([participation.pk]):
                await interpretation.announce(engagement_id)
    except JanusError as exc:
        log.warning("join %s by %s failed at Janus: %s", slug, participation.person, exc)
        await _revoke_in_db([grant.pk], "janus_failed")
        await _undo_join(engagement, participation, grant, previous)  # Janus holds nothing the database does not grant
        raise MediaUnavailable(str(exc)) from exc
    if not await _still_granted(grant.pk):
        # Revoked while Janus was being told (the host removed them, a segment or the end cut them):
        # whatever this join stored at Janus goes too, and the participant is refused.
        await _undo_join(engagement, participation, grant, [])
        raise access.NotAllowed("removed")
    await _visit_changed([participation.pk], "joined")
    return JoinGrant(token=grant.token, room=engagement.media_room, publisher_id=participation.publisher_id,
                     display=str(participation.person), publish=rights.publish, channels=tuple(channels),
                     booth=participation.booth if participation.role == Role.INTERPRETER else "")


@sync_to_async
def _still_granted(grant_id: int) -> bool:
    """The grant is live and its participant still admitted (a denial may have come during the join)."""
    grant = MediaGrant.objects.select_related("participation").filter(pk=grant_id, revoked_at__isnull=True).first()
    return grant is not None and access.is_admitted(grant.participation)


async def _undo_join(engagement: Engagement, participation: Participation, grant: MediaGrant,
                     previous: list[MediaGrant]) -> None:
    """After a join failed at Janus (its grant, and those it superseded, revoked in the database), put
    Janus back in step, best effort: every step may have taken effect, the failed one too (its reply
    lost). Each token leaves the room's list and the channels' lists and is deleted, the superseded
    visit's publisher is kicked and that visit ends. A failure here is logged, never raised: the grants
    are dead in the database, and a Janus restart forgets the rest."""
    gw = gateway()
    # Every relay of these grants closes, the new one's too: a page may have opened it mid-join.
    await _cut_relays([grant.pk, *(old.pk for old in previous)])
    try:
        rooms = await sync_to_async(interpretation.rooms_of)(engagement)
    except Exception:
        log.exception("cleaning up a failed join of %s: its channels could not be listed", engagement.slug)
        rooms = []
    try:
        async with asyncio.timeout(UNDO_BUDGET_S):  # a Janus that hangs does not hold the page's answer
            # The new token never reached a browser: nobody joined with it, nobody to kick for it.
            undo = {grant.token: None, **{old.token: participation.publisher_id for old in previous}}
            for token, publisher_id in undo.items():
                try:
                    await gw.revoke(engagement.media_room, engagement.room_secret, token, publisher_id)
                except JanusError as exc:
                    log.error("cleaning up a failed join of %s: Janus may still hold a revoked token: %s",
                              engagement.slug, exc)
                try:
                    await gw.revoke_from_channels(rooms, token)
                except JanusError as exc:
                    log.error("cleaning up a failed join of %s: a channel may still list a revoked token: %s",
                              engagement.slug, exc)
    except TimeoutError:
        log.error("cleaning up a failed join of %s: Janus did not answer within %ss; it may still hold a "
                  "revoked token", engagement.slug, UNDO_BUDGET_S)
    # No visit goes on: out of the room's group (a page may have entered it mid-join), and off air.
    await _visit_changed([participation.pk], "janus_failed")
    if previous:
        for engagement_id in await interpretation.off_air([participation.pk]):
            await interpretation.announce(engagement_id)


async def leave(user: AbstractBaseUser | AnonymousUser, slug: str) -> int:
    """Revoke the user's active grants in this engagement; return how many were revoked."""
    @sync_to_async
    def _active() -> tuple[Engagement, Participation, list[MediaGrant]]:
        engagement = Engagement.objects.get(slug=slug)
        if not user.is_authenticated:
            raise access.NotAllowed("not_signed_in")
        participation = access.own_participations(user).filter(engagement=engagement).first()
        if participation is None:
            raise access.NotAllowed("not_invited")
        lobby.forget(participation)
        return engagement, participation, list(participation.grants.filter(revoked_at__isnull=True))

    engagement, participation, grants = await _active()
    await _revoke_grants(engagement, [(g, participation.publisher_id) for g in grants], "left",
                         actor=user.get_username())
    if grants and (rotated := await e2ee.rotate_if_encrypted(slug, "left")) is not None:
        await e2ee.announce(rotated)  # whoever left cannot read what follows
    return len(grants)


async def remove(participation_id: int, slug: str, reason: str, actor: str) -> int:
    """End a participant's visit without their asking (the host denied them after admitting them):
    their grants die as when they leave, and whoever stays gets a new key. Returns how many grants."""
    @sync_to_async
    def _active() -> tuple[Engagement, list[tuple[MediaGrant, int]]]:
        engagement = Engagement.objects.get(slug=slug)
        grants = MediaGrant.objects.select_related("participation").filter(
            participation_id=participation_id, participation__engagement=engagement, revoked_at__isnull=True)
        return engagement, [(g, g.participation.publisher_id) for g in grants]

    engagement, grants = await _active()
    await _revoke_grants(engagement, grants, reason, actor=actor)
    if grants and (rotated := await e2ee.rotate_if_encrypted(slug, reason)) is not None:
        await e2ee.announce(rotated)
    return len(grants)


async def _cut_relays(grant_ids: list[int]) -> None:
    """Close the browser connections that carry these grants: Janus then drops their sessions."""
    layer = get_channel_layer()
    if layer is not None:
        for pk in grant_ids:
            await layer.group_send(groups.grant(pk), {"type": "grant.revoked"})


async def close_live_channels(participation_ids: list[int]) -> None:
    """Close the participants' live channels (their role, booth or place on the list changed): each
    page reconnects and is read anew, with the rights it has now, or is refused."""
    layer = get_channel_layer()
    if layer is not None:
        for pk in sorted(set(participation_ids)):
            await layer.group_send(lobby.participant_group(pk), {"type": "participation.changed"})


async def _visit_changed(participation_ids: list[int], reason: str) -> None:
    """Tell the participants' live channels that a visit began or ended: a page whose visit ended
    leaves the room's group (no presence, no channels, no keys) until a new one begins."""
    layer = get_channel_layer()
    if layer is not None:
        for pk in sorted(set(participation_ids)):
            await layer.group_send(lobby.participant_group(pk), {"type": "visit.changed", "reason": reason})


async def _revoke_grants(engagement: Engagement, grants: list[tuple[MediaGrant, int]], reason: str,
                         actor: str = "system") -> None:
    await _cut_relays([g.pk for g, _ in grants])
    gw = gateway()
    rooms = await sync_to_async(interpretation.rooms_of)(engagement)
    for grant, publisher_id in grants:
        # Each step on its own: one that fails does not keep the token on the other lists. Janus
        # forgets tokens when it restarts; the grant is dead in the database either way.
        try:
            await gw.revoke(engagement.media_room, engagement.room_secret, grant.token, publisher_id)
        except JanusError as exc:
            log.warning("revoking grant %s at Janus: %s", grant.pk, exc)
        try:
            await gw.revoke_from_channels(rooms, grant.token)
        except JanusError as exc:
            log.warning("revoking grant %s from its channels at Janus: %s", grant.pk, exc)
    await _revoke_in_db([g.pk for g, _ in grants], reason, actor)
    await _visit_changed([g.participation_id for g, _ in grants], reason)
    for engagement_id in await interpretation.off_air([g.participation_id for g, _ in grants]):
        await interpretation.announce(engagement_id)


async def end(user: AbstractBaseUser | AnonymousUser, slug: str) -> None:
    """End the engagement for everyone: revoke every grant and close the room."""
    @sync_to_async
    def _check() -> None:
        participation = access.participation_for(user, Engagement.objects.get(slug=slug))
        if not access.may_end(participation):
            raise access.NotAllowed("not_host")

    await _check()
    await close_meeting(slug, EngagementState.ENDED, actor=user.get_username())


async def close_meeting(slug: str, state: EngagementState, actor: str) -> None:
    """The meeting is over (ended by the host, or cancelled by the protocol office): everyone's media
    ends, and the room and its channels close."""
    engagement = await Engagement.objects.aget(slug=slug)
    # Ended first, so that nobody re-joins meanwhile; then the room closes, which tells every
    # participant's browser that the meeting ended; then the tokens die.
    await Engagement.objects.filter(pk=engagement.pk).aupdate(state=state)
    await sync_to_async(record)(f"engagement_{state.value}", actor=actor, engagement=slug)
    grants = [(g, g.participation.publisher_id) async for g in MediaGrant.objects.select_related("participation")
              .filter(participation__engagement=engagement, revoked_at__isnull=True)]
    await Admission.objects.filter(participation__engagement=engagement).adelete()
    try:
        await gateway().close_room(engagement.media_room, engagement.room_secret)
    except JanusError as exc:
        log.warning("closing room of %s: %s", slug, exc)
    await _revoke_grants(engagement, grants, "ended", actor=actor)
    for room, secret in await sync_to_async(interpretation.rooms_of)(engagement):
        try:
            await gateway().close_channel(room, secret, mountpoint=room)
        except JanusError as exc:
            log.warning("closing a channel of %s: %s", slug, exc)


async def cut_removed(slug: str, grants: list[tuple[MediaGrant, int]], actor: str) -> None:
    """People taken off an engagement's list (by a plan import) lose the media they had at once."""
    engagement = await Engagement.objects.aget(slug=slug)
    for grant, _ in grants:
        await sync_to_async(record)("participant_removed", actor=actor, engagement=slug,
                                    subject=grant.participation.person.slug, grant=grant.pk)
    await _revoke_grants(engagement, grants, "removed", actor=actor)


@sync_to_async
def _forget_in_db() -> tuple[int, list[int], list[int]]:
    with transaction.atomic():
        active = MediaGrant.objects.filter(revoked_at__isnull=True)
        visits = sorted(set(active.values_list("participation_id", flat=True)))
        n = active.update(revoked_at=timezone.now(), revoked_reason="janus_restarted")
        on_air = InterpretationChannel.objects.exclude(on_air=None)
        engagements = sorted(set(on_air.values_list("engagement_id", flat=True)))
        on_air.update(on_air=None)  # Janus forgot who was unmuted
        if n:
            record("tokens_forgotten", reason="janus_restarted", count=n)
    return n, visits, engagements


async def forget_media_state() -> int:
    """After Janus (re)starts it knows no tokens: mark every active grant as revoked and everyone off
    air, and tell the live channels (the visits are over until their pages join again). Returns how many
    grants were revoked."""
    n, visits, engagements = await _forget_in_db()
    await _visit_changed(visits, "janus_restarted")
    for engagement_id in engagements:
        await interpretation.announce(engagement_id)
    return n


current_kind = access.segment_kind


async def switch_segment(user: AbstractBaseUser | AnonymousUser | None, slug: str, kind: SegmentKind) -> int:
    """Put a segment in force. Everyone whose role it excludes loses their media at once (token off the
    room's list, participant kicked, token deleted) and is told; returns how many were cut."""
    actor = user.get_username() if user is not None else "schedule"

    @sync_to_async
    def _switch() -> tuple[Engagement, list[tuple[MediaGrant, int]]]:
        with transaction.atomic():
            engagement = Engagement.objects.select_for_update().get(slug=slug)
            if user is not None:
                lobby.admitter(user, engagement)
            engagement.current_segment = kind.value
            engagement.save(update_fields=["current_segment"])
            if encrypted(kind):
                e2ee.rotate(engagement, f"segment_{kind.value}")
            cut = [(g, g.participation.publisher_id) for g in MediaGrant.objects.select_related("participation")
                   .filter(participation__engagement=engagement, revoked_at__isnull=True)
                   if not access.may_stay_in_segment(g, kind, encrypted(kind))]
            record("segment_switched", actor=actor, engagement=slug, kind=kind.value, cut=len(cut))
            # Dead in the database with the switch itself, so that the new key can go out at once to
            # whoever stays (publishers send in clear until it comes), and never to whoever is cut.
            _revoke_rows([g.pk for g, _ in cut], f"segment_{kind.value}", actor)
        return engagement, cut

    engagement, cut = await _switch()
    await e2ee.announce(engagement.pk)  # the pages in the room: the new key, or none in an open segment
    await _revoke_grants(engagement, cut, f"segment_{kind.value}", actor=actor)  # then Janus, at its pace
    layer = get_channel_layer()
    if layer is not None:
        await layer.group_send(groups.notices(engagement.pk), {"type": "segment.changed", "kind": kind.value})
    return len(cut)


async def apply_schedule(since: datetime, until: datetime) -> list[str]:
    """Switch every engagement whose scheduled segment started in (since, until]; return their slugs."""
    from summitry.trips.models import Segment

    starting = [s async for s in Segment.objects.filter(starts_at__gt=since, starts_at__lte=until)
                .select_related("engagement").exclude(engagement__state__in=["ended", "cancelled"])
                .order_by("starts_at")]
    switched = []
    for seg in starting:
        if seg.engagement.current_segment == seg.kind:
            continue  # already in force (a window looked at twice, or the host was first): nothing to cut
        if await AuditEntry.objects.filter(action="segment_switched", engagement=seg.engagement.slug,
                                           at__gte=seg.starts_at).aexists():
            continue  # switched since it began (by the host, say): a new leader looking back never undoes it
        await switch_segment(None, seg.engagement.slug, SegmentKind(seg.kind))
        switched.append(seg.engagement.slug)
    return switched
