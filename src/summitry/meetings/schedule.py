"""The segment schedule runs in exactly one process, however many serve.

On PostgreSQL the process that holds a session-level advisory lock (on a connection of its own) is the
one that applies the schedule; the others try again every few seconds, so that when the leader dies
(its connection closes and PostgreSQL frees the lock) another takes over. On SQLite, the embedded
default, one process serves, and it leads. A new leader looks back a little (``LOOK_BACK``), so that a
segment whose start fell while nobody led is still put in force; a segment already in force is left
alone (``services.apply_schedule`` does not switch it again)."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta
from typing import Any

from asgiref.sync import sync_to_async
from django.db import connections

log = logging.getLogger(__name__)

# The advisory lock's key: "SUMMITRY" read as a number, so that no other lock of this database collides.
LOCK_KEY = int.from_bytes(b"SUMMITRY", "big") & 0x7FFF_FFFF_FFFF_FFFF
# A bigint advisory lock is listed in pg_locks with its high half as classid, its low half as objid.
HELD_SQL = ("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted"
            " AND pid = pg_backend_pid() AND classid::bigint = %s AND objid::bigint = %s AND objsubid = 1)")
LOOK_BACK = timedelta(seconds=30)
TICK_S = 1.0
RETRY_S = 5.0


class Leadership:
    """Whether this process leads the schedule. Call ``acquire`` (and ``still_held`` at each tick) from
    one thread; ``release`` gives it up (closing the connection frees the lock too)."""

    def __init__(self, alias: str = "default") -> None:
        self.alias = alias
        self._conn: Any = None
        self.held = False

    @property
    def shared_lock(self) -> bool:
        return connections[self.alias].vendor == "postgresql"

    def acquire(self) -> bool:
        if not self.shared_lock:
            self.held = True
            return True
        try:
            if self._conn is None:
                self._conn = connections.create_connection(self.alias)
            with self._conn.cursor() as cur:
                cur.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
                self.held = bool(cur.fetchone()[0])
        except Exception:
            log.exception("the schedule's lock could not be asked for")
            self._drop()
        return self.held

    def still_held(self) -> bool:
        """False once the lock's connection is gone (PostgreSQL freed the lock: another may lead now)."""
        if not self.shared_lock or not self.held:
            return self.held
        try:
            # Asked of the session itself: a connection that dropped and reconnected holds no lock.
            with self._conn.cursor() as cur:
                cur.execute(HELD_SQL, [LOCK_KEY >> 32, LOCK_KEY & 0xFFFF_FFFF])
                held = bool(cur.fetchone()[0])
        except Exception:
            log.warning("the schedule's lock connection was lost; another process may lead now", exc_info=True)
            held = False
        if not held:
            log.warning("this process no longer holds the schedule's lock")
            self._drop()
        return self.held

    def release(self) -> None:
        if self._conn is not None and self.held:
            try:
                with self._conn.cursor() as cur:
                    cur.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])
            except Exception:
                log.warning("the schedule's lock could not be released; closing its connection frees it")
        self._drop()

    def _drop(self) -> None:
        self.held = False
        if self._conn is not None:
            try:
                self._conn.close()
            except Exception:  # already broken
                log.debug("closing the schedule's lock connection", exc_info=True)
        self._conn = None


async def run_schedule(leadership: Leadership | None = None) -> None:
    """Every second, while this process leads, put in force the segments whose scheduled start has come."""
    from . import services

    leadership = leadership or Leadership()
    last: datetime | None = None
    try:
        while True:
            if not await sync_to_async(leadership.still_held)():
                last = None
                if not await sync_to_async(leadership.acquire)():
                    await asyncio.sleep(RETRY_S)
                    continue
                log.info("this process applies the segment schedule")
            now = datetime.now(UTC)
            since = last if last is not None else now - LOOK_BACK
            try:
                await services.apply_schedule(since, now)
            except Exception:
                log.exception("applying the segment schedule failed")
            last = now
            await asyncio.sleep(TICK_S)
    finally:
        await sync_to_async(leadership.release)()
