"""Runs Janus for Summitry: writes its configuration, starts it, checks its health, restarts it if it
dies, and stops it.

Janus keeps stored tokens and non-permanent rooms in memory, so after every (re)start the supervisor
stores Summitry's service token again and calls ``on_ready`` so that the application can forget rooms
and grants that died with the old process.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiohttp

from . import config
from .admin import JanusAdmin
from .config import JanusSecrets, JanusSettings
from .errors import JanusUnavailable

log = logging.getLogger(__name__)


class JanusSupervisor:
    """One supervised Janus process."""

    def __init__(self, settings: JanusSettings, secrets: JanusSecrets | None = None, *,
                 janus_bin: str = "janus", start_timeout: float = 15.0,
                 on_ready: Callable[[], Awaitable[None]] | None = None) -> None:
        self.settings = settings
        self.secrets = secrets or JanusSecrets.load_or_create(settings.run_dir)
        self.janus_bin = janus_bin
        self.start_timeout = start_timeout
        self.on_ready = on_ready
        self.process: asyncio.subprocess.Process | None = None
        self.restarts = 0
        self._stopping = False
        self._monitor: asyncio.Task[None] | None = None
        self.ready = asyncio.Event()

    @property
    def log_path(self) -> Path:
        return self.settings.run_dir / "janus.log"

    @property
    def admin(self) -> JanusAdmin:
        return JanusAdmin(self.settings.admin_url, self.secrets.admin_secret)

    def command(self) -> list[str]:
        conf = self.settings.conf_dir
        exe = shutil.which(self.janus_bin) or self.janus_bin
        return [exe, "-F", str(conf), "-C", str(conf / "janus.jcfg"), "-o", "-N",
                "-L", str(self.log_path), "-d", str(self.settings.debug_level)]

    async def start(self) -> None:
        """Write the config, start Janus, wait until it answers, store the service token."""
        self._stopping = False
        config.write(self.settings, self.secrets)
        if shutil.which(self.janus_bin) is None:
            raise JanusUnavailable(f"the Janus program {self.janus_bin!r} is not installed "
                                   "(apt-get install janus)")
        self.process = await asyncio.create_subprocess_exec(
            *self.command(), stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL, start_new_session=True)
        await self._wait_healthy()
        await self.admin.add_token(self.secrets.service_token, list(self.settings.plugins))
        log.info("Janus ready (pid %s) on ws port %s", self.process.pid, self.settings.ws_port)
        self.ready.set()
        if self.on_ready is not None:
            await self.on_ready()
        if self._monitor is None or self._monitor.done():
            self._monitor = asyncio.create_task(self._watch())

    async def healthy(self) -> bool:
        try:
            async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=2)) as http, \
                    http.get(self.settings.http_url + "/info") as resp:
                return resp.status == 200 and (await resp.json(content_type=None)).get("janus") == "server_info"
        except (aiohttp.ClientError, OSError, TimeoutError, ValueError):
            return False

    async def _wait_healthy(self) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.start_timeout
        while loop.time() < deadline:
            if self.process is not None and self.process.returncode is not None:
                raise JanusUnavailable(f"Janus exited with status {self.process.returncode} at start; "
                                       f"see {self.log_path}")
            if await self.healthy():
                return
            await asyncio.sleep(0.05)
        raise JanusUnavailable(f"Janus did not answer within {self.start_timeout}s; see {self.log_path}")

    async def _watch(self) -> None:
        delay = 0.5
        while not self._stopping:
            proc = self.process
            if proc is None:
                return
            code = await proc.wait()
            if self._stopping:
                return
            self.ready.clear()
            self.restarts += 1
            log.error("Janus exited with status %s; restarting (restart #%s)", code, self.restarts)
            await asyncio.sleep(delay)
            try:
                await self.start()
                delay = 0.5
            except JanusUnavailable as exc:
                log.error("restarting Janus failed: %s", exc)
                delay = min(delay * 2, 10.0)

    async def stop(self, timeout: float = 5.0) -> None:
        self._stopping = True
        self.ready.clear()
        proc = self.process
        if proc is not None and proc.returncode is None:
            proc.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(proc.wait(), timeout)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        if self._monitor is not None:
            self._monitor.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._monitor
