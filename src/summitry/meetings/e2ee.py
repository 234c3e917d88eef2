"""Keys for end-to-end encrypted segments: made, rotated, and handed only to those allowed in."""

from __future__ import annotations

import base64
import secrets

from asgiref.sync import sync_to_async
from channels.layers import get_channel_layer
from django.db import transaction

from summitry.audit.log import record
from summitry.domain.access import SegmentKind, encrypted

from . import groups
from .models import Engagement, MediaKey

KEY_IDS = 255  # one byte on the wire; ids wrap around


def current_key(engagement: Engagement) -> MediaKey | None:
    kind = SegmentKind(engagement.current_segment) if engagement.current_segment else None
    if not encrypted(kind):
        return None
    return engagement.media_keys.order_by("-created_at", "-pk").first()


def rotate(engagement: Engagement, reason: str) -> MediaKey:
    """A fresh random 128-bit AES-GCM key for the engagement (called inside a transaction)."""
    last = engagement.media_keys.order_by("-created_at", "-pk").first()
    key_id = (last.key_id % KEY_IDS) + 1 if last else 1
    MediaKey.objects.filter(engagement=engagement, key_id=key_id).delete()
    key = MediaKey.objects.create(engagement=engagement, key_id=key_id,
                                  key=base64.b64encode(secrets.token_bytes(16)).decode())
    record("media_key_rotated", engagement=engagement.slug, key_id=key_id, reason=reason)
    return key


async def announce(engagement_id: int) -> None:
    """Tell every live channel of the engagement to fetch what its participant may have."""
    layer = get_channel_layer()
    if layer is not None:
        await layer.group_send(groups.room(engagement_id), {"type": "e2ee.changed"})


@sync_to_async
def rotate_if_encrypted(slug: str, reason: str) -> int | None:
    with transaction.atomic():
        engagement = Engagement.objects.select_for_update().get(slug=slug)
        kind = SegmentKind(engagement.current_segment) if engagement.current_segment else None
        if not encrypted(kind):
            return None
        rotate(engagement, reason)
        return engagement.pk
