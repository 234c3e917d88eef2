"""What the application asks of Janus, as an interface (decision 0006).

``media.gateway.Gateway`` implements it against a real Janus; ``media.fake.FakeGateway`` implements it in
memory, with failure injection, for tests of what the application does when Janus fails. Both raise the
errors of ``media.errors`` (a :class:`~summitry.media.errors.JanusError` subclass for every failure) and
nothing else; ``tests/integration/test_gateway_contract.py`` runs the same checks against both.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, runtime_checkable

from .audiobridge import ChannelSpec
from .streaming import MountpointSpec
from .videoroom import RoomSpec


@runtime_checkable
class MediaGateway(Protocol):
    """Every call either takes effect at Janus or raises a ``JanusError``; a ``JanusTimeout`` (or a
    ``JanusUnavailable`` from the Admin API) may come after the call took effect (the reply was lost)."""

    # VideoRoom: one room per engagement, its ``allowed`` list, its publishers; stored core tokens.

    async def open_room(self, spec: RoomSpec) -> bool:
        """Create the room; False if it existed already (its list is then left as it is)."""
        ...

    async def admit(self, room: int, secret: str, token: str, plugins: Iterable[str], publish: bool = True) -> None:
        """Store the core token for ``plugins`` and, with ``publish``, put it on the room's list. The
        token is stored first: if the room is missing (VIDEOROOM_NO_SUCH_ROOM) it stays stored."""
        ...

    async def revoke(self, room: int, secret: str, token: str, publisher_id: int | None) -> None:
        """Take the token off the room's list, kick the publisher, delete the token; a missing room,
        publisher or token is no error."""
        ...

    async def close_room(self, room: int, secret: str) -> None:
        """Destroy the room (its publishers are dropped); a missing room is no error."""
        ...

    async def room_participants(self, room: int) -> list[dict[str, object]]:
        """Who is in the room (``id``, ``display``, ``publisher``); a missing room is VIDEOROOM_NO_SUCH_ROOM."""
        ...

    # AudioBridge: one room per interpretation channel, and the Streaming mountpoint its mix feeds.

    async def open_channel(self, spec: ChannelSpec, listeners: MountpointSpec | None = None) -> bool:
        """Create the channel's room (and the mountpoint, if missing); False if the room existed."""
        ...

    async def admit_to_channels(self, rooms: Iterable[tuple[int, str]], token: str) -> None:
        """Put the token on each channel room's list; a missing room is AUDIOBRIDGE_NO_SUCH_ROOM."""
        ...

    async def revoke_from_channels(self, rooms: Iterable[tuple[int, str]], token: str) -> None:
        """Take the token off each channel room's list; a missing room is no error."""
        ...

    async def set_on_air(self, room: int, secret: str, off: int | None, on: int | None) -> None:
        """Mute ``off`` (gone already counts as muted), then unmute ``on`` (AUDIOBRIDGE_NO_SUCH_USER if
        not in the room)."""
        ...

    async def channel_participants(self, room: int) -> list[dict[str, object]]:
        """Who is in the channel room (``id``, ``display``, ``muted``); missing: AUDIOBRIDGE_NO_SUCH_ROOM."""
        ...

    async def close_channel(self, room: int, secret: str, mountpoint: int | None = None) -> None:
        """Destroy the channel room and its mountpoint; missing ones are no error."""
        ...

    async def close(self) -> None:
        """Let go of the connection to Janus (a later call opens a new one); nothing changes at Janus."""
        ...
