"""Interpretation channels of an engagement: their AudioBridge rooms at Janus, the booth's one live
microphone, and what each booth listens to.

Janus is the enforcer: everyone joins a channel muted (the relay refuses anything else) and only
these services unmute a participant, the booth's interpreter on air. The database says who that is;
a compare-and-set on it keeps two concurrent handovers from both succeeding.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction

from summitry.audit.log import record
from summitry.domain import interpretation as rules
from summitry.media import ChannelSpec, JanusError, MountpointSpec
from summitry.media.allowlist import RelayGrant

from . import access, groups
from .janus import MediaUnavailable, gateway
from .models import Engagement, InterpretationChannel, MediaGrant, Participation

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Channel:
    language: str
    room: int  # the AudioBridge room, where the booth speaks (and a booth listens, for relay)
    stream: int  # the Streaming mountpoint carrying the room's mix to listeners
    pin: str  # what a listener's browser gives Janus to watch it


def channel_rows(engagement: Engagement) -> list[InterpretationChannel]:
    """The engagement's channels, one per language it is held in (made on first use)."""
    languages = rules.channels(rules.parse_languages(engagement.languages))
    existing = {c.language: c for c in InterpretationChannel.objects.filter(engagement=engagement)}
    out = []
    for lang in languages:
        row = existing.get(lang)
        if row is None:
            row, _ = InterpretationChannel.objects.get_or_create(engagement=engagement, language=lang)
        out.append(row)
    return out


def rooms_of(engagement: Engagement) -> list[tuple[int, str]]:
    return [(c.audio_room, engagement.room_secret)
            for c in InterpretationChannel.objects.filter(engagement=engagement)]


async def open_channels(engagement: Engagement) -> list[Channel]:
    """Make sure Janus has each channel: its AudioBridge room, and the mountpoint (same id, in the
    Streaming plugin) that its mix is forwarded to for listeners."""
    rows = await sync_to_async(channel_rows)(engagement)
    gw = gateway()
    for row in rows:
        name = f"{engagement.slug}/{row.language}"
        await gw.open_channel(ChannelSpec(room=row.audio_room, description=name, secret=engagement.room_secret),
                              MountpointSpec(id=row.audio_room, description=name, secret=engagement.room_secret,
                                             pin=row.listen_pin))
    return [Channel(r.language, r.audio_room, r.audio_room, r.listen_pin) for r in rows]


def states(engagement: Engagement) -> list[dict[str, Any]]:
    """What the room shows of each channel: whether it is live, who is on air, the booth's input."""
    booth_members: dict[str, list[Participation]] = {}
    for p in (Participation.objects.select_related("person")
              .filter(engagement=engagement, role="interpreter").exclude(booth="").order_by("pk")):
        booth_members.setdefault(p.booth, []).append(p)
    out = []
    for row in InterpretationChannel.objects.filter(engagement=engagement).select_related("on_air__person"):
        on_air = row.on_air
        out.append({
            "language": row.language, "name": rules.LANGUAGE_NAMES.get(row.language, row.language.upper()),
            "room": row.audio_room, "live": on_air is not None, "source": row.source,
            "on_air": on_air.publisher_id if on_air else None, "on_air_name": str(on_air.person) if on_air else "",
            "booth": [{"publisher_id": p.publisher_id, "name": str(p.person)}
                      for p in booth_members.get(row.language, [])],
        })
    return out


async def announce(engagement_id: int) -> None:
    """Tell every page in the room the channels' states (computed once, not once per page)."""
    layer = get_channel_layer()
    if layer is not None:
        engagement = await Engagement.objects.aget(pk=engagement_id)
        await layer.group_send(groups.room(engagement_id),
                               {"type": "channels.changed", "channels": await sync_to_async(states)(engagement)})


@dataclass(frozen=True)
class _Booth:
    engagement: Engagement
    actor: Participation
    channel: InterpretationChannel
    members: dict[int, int]  # participation id -> Janus participant id (their publisher id)


@sync_to_async
def _booth(user: AbstractBaseUser | AnonymousUser, slug: str, language: str) -> _Booth:
    engagement = Engagement.objects.get(slug=slug)
    actor = access.participation_for(user, engagement)
    channel = InterpretationChannel.objects.filter(engagement=engagement, language=language).first()
    if channel is None:
        raise access.NotAllowed("no_such_channel")
    members = dict(Participation.objects.filter(engagement=engagement, role="interpreter", booth=language)
                   .values_list("pk", "publisher_id"))
    return _Booth(engagement, actor, channel, members)


async def change_air(user: AbstractBaseUser | AnonymousUser, slug: str, language: str,
                     action: rules.AirAction) -> list[dict[str, Any]]:
    """Take, hand over or release the booth's microphone; Janus mutes the one going off air before it
    unmutes the one coming on. Returns the channels' states."""
    b = await _booth(user, slug, language)
    gw = gateway()
    secret = b.engagement.room_secret
    connected = await sync_to_async(access.booth_connected)(b.channel.audio_room, b.members)
    old = b.channel.on_air_id
    change = rules.change_air(action, actor=b.actor.pk, booth=list(b.members), on_air=old, connected=connected)
    if not change.allowed:
        raise access.NotAllowed(change.reason)
    new = change.on_air
    # Compare and set: of two concurrent changes, one finds the microphone moved and fails.
    if not await InterpretationChannel.objects.filter(pk=b.channel.pk, on_air_id=old).aupdate(on_air_id=new):
        raise access.NotAllowed("changed_meanwhile")
    off, on = b.members.get(old) if old and old != new else None, b.members.get(new) if new else None
    try:
        await gw.set_on_air(b.channel.audio_room, secret, off=off, on=on)
    except JanusError as exc:
        log.warning("on-air change in %s/%s failed at Janus: %s", slug, language, exc)
        # The database is the truth: the change is undone there, then at Janus as far as it got (the
        # outgoing interpreter may be muted already, or the whole change made and its reply lost).
        undone = await InterpretationChannel.objects.filter(pk=b.channel.pk, on_air_id=new).aupdate(on_air_id=old)
        if undone and old != new:
            try:
                await gw.set_on_air(b.channel.audio_room, secret, off=on, on=off)
            except JanusError as again:
                log.error("undoing the on-air change in %s/%s at Janus: %s", slug, language, again)
        raise MediaUnavailable("media_refused") from exc
    await sync_to_async(record)("air_changed", actor=user.get_username(), engagement=slug, subject=language,
                                change=action.value, on_air=new)
    await announce(b.engagement.pk)
    return await sync_to_async(states)(b.engagement)


async def set_source(user: AbstractBaseUser | AnonymousUser, slug: str, language: str,
                     source: str) -> list[dict[str, Any]]:
    """What the booth interprets from: the floor, or another booth's channel (relay)."""
    b = await _booth(user, slug, language)
    if b.actor.pk not in b.members:
        raise access.NotAllowed("not_in_booth")
    languages = rules.parse_languages(b.engagement.languages)
    if source not in rules.input_choices(language, languages):
        raise access.NotAllowed("no_such_channel")
    await InterpretationChannel.objects.filter(pk=b.channel.pk).aupdate(source=source)
    await sync_to_async(record)("booth_source_changed", actor=user.get_username(), engagement=slug,
                                subject=language, source=source)
    await announce(b.engagement.pk)
    return await sync_to_async(states)(b.engagement)


@sync_to_async
def off_air(participation_ids: list[int]) -> list[int]:
    """Whoever leaves or is cut is off air; return the engagements whose channels changed."""
    with transaction.atomic():
        rows = list(InterpretationChannel.objects.select_for_update()
                    .filter(on_air_id__in=participation_ids))
        InterpretationChannel.objects.filter(pk__in=[r.pk for r in rows]).update(on_air=None)
    return sorted({r.engagement_id for r in rows})


def relay_grant(grant: MediaGrant, may_publish: bool) -> RelayGrant:
    """What the grant's relay lets its client do at Janus: its own room, ids and name, the feeds on the
    roster, the engagement's channels (with their pins) and, for a booth's interpreter, that channel."""
    participation = grant.participation
    engagement = participation.engagement
    channels = list(InterpretationChannel.objects.filter(engagement=engagement))
    booth = participation.booth if participation.role == "interpreter" else ""
    return RelayGrant(
        token=grant.token, room=engagement.media_room, publisher_id=participation.publisher_id,
        may_publish=may_publish,
        feeds=frozenset(Participation.objects.filter(engagement=engagement).values_list("publisher_id", flat=True)),
        streams={c.audio_room: c.listen_pin for c in channels},
        speak_rooms=frozenset(c.audio_room for c in channels if booth and c.language == booth),
        e2ee=grant.e2ee)


async def note_channel(grant_id: int, room: int | None) -> None:
    """The relay saw this visit join its booth's channel as itself (``room``), or leave it (None)."""
    await MediaGrant.objects.filter(pk=grant_id).aupdate(channel_room=room)
