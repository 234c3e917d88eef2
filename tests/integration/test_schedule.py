"""The segment schedule: applied by exactly one process (a PostgreSQL advisory lock), taken over when
that process dies, and never switching a segment that is already in force."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from asgiref.sync import sync_to_async
from django.db import connection
from django.utils import timezone

from summitry.meetings import schedule, services
from summitry.meetings.models import Engagement
from summitry.trips.models import Segment

pytestmark = [pytest.mark.postgres]

SLUG = "canada-bilateral"


def test_one_process_leads_and_another_takes_over_when_it_goes(db):
    first, second = schedule.Leadership(), schedule.Leadership()
    try:
        assert first.acquire()
        if connection.vendor != "postgresql":  # the embedded default: one process serves, and leads
            assert second.acquire()
            return
        assert not second.acquire()  # the lock is the first one's
        assert first.still_held() and not second.still_held()
        first._conn.close()  # the leader dies: PostgreSQL frees its lock with its session
        assert not first.still_held()
        assert second.acquire()
        assert not first.acquire()
    finally:
        first.release()
        second.release()


def test_releasing_hands_the_schedule_over(db):
    first, second = schedule.Leadership(), schedule.Leadership()
    try:
        assert first.acquire()
        first.release()
        assert second.acquire()
    finally:
        first.release()
        second.release()


async def test_a_segment_already_in_force_is_not_switched_again(scenario, fake_gateway):
    engagement = await Engagement.objects.aget(slug=SLUG)
    now = timezone.now()
    await Segment.objects.acreate(engagement=engagement, kind="restricted", starts_at=now,
                                  ends_at=now + timedelta(minutes=5))
    assert await services.apply_schedule(now - timedelta(seconds=1), now) == [SLUG]
    assert (await Engagement.objects.aget(slug=SLUG)).current_segment == "restricted"
    # A new leader looks back over the same window: nothing is cut or rotated twice.
    assert await services.apply_schedule(now - schedule.LOOK_BACK, now) == []


async def test_the_schedule_loop_applies_what_starts_while_it_leads(scenario, fake_gateway, monkeypatch):
    monkeypatch.setattr(schedule, "TICK_S", 0.05)
    engagement = await Engagement.objects.aget(slug=SLUG)
    now = timezone.now()
    await Segment.objects.acreate(engagement=engagement, kind="closed", starts_at=now + timedelta(seconds=0.3),
                                  ends_at=now + timedelta(minutes=5))
    task = asyncio.create_task(schedule.run_schedule())
    try:
        for _ in range(100):
            if (await Engagement.objects.aget(slug=SLUG)).current_segment == "closed":
                break
            await asyncio.sleep(0.05)
        assert (await Engagement.objects.aget(slug=SLUG)).current_segment == "closed"
    finally:
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    after = schedule.Leadership()
    try:
        assert await sync_to_async(after.acquire)()  # the loop let the lock go when it stopped
    finally:
        await sync_to_async(after.release)()


async def test_a_new_leader_looking_back_never_undoes_the_hosts_switch(scenario, fake_gateway):
    from summitry.domain.access import SegmentKind

    engagement = await Engagement.objects.aget(slug=SLUG)
    now = timezone.now()
    await Segment.objects.acreate(engagement=engagement, kind="open", starts_at=now - timedelta(seconds=20),
                                  ends_at=now + timedelta(minutes=5))
    await services.switch_segment(scenario["garneau"], SLUG, SegmentKind.CLOSED)  # the host closes it since
    assert await services.apply_schedule(now - schedule.LOOK_BACK, now) == []
    assert (await Engagement.objects.aget(slug=SLUG)).current_segment == "closed"
