"""A real ``summitry serve`` (with its supervised Janus) in the test network's server namespace, and a
participant that drives Summitry's HTTP API and relay without a browser. Used by the end-to-end
fixtures and by the benchmarks that measure what a browser's path costs."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import Any

SUMMITRY = [sys.executable, "-m", "summitry"]
PASSWORD = "summitry-demo-2021"


class Server:
    def __init__(self, url: str, env: dict[str, str], data_dir: Path, process: subprocess.Popen) -> None:
        self.url, self.env, self.data_dir, self.process = url, env, data_dir, process

    def run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return subprocess.run([*SUMMITRY, *args], env=self.env, capture_output=True, text=True, timeout=timeout,
                              check=False)

    def bot(self, *args: str) -> subprocess.Popen:
        return subprocess.Popen([*SUMMITRY, "bot", *args], env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, text=True)

    def query(self, sql: str, *params: object) -> list[tuple]:
        with sqlite3.connect(self.data_dir / "summitry.sqlite3") as db:
            return db.execute(sql, params).fetchall()

    def admit(self, person: str, slug: str) -> None:
        """The operator admits someone from the command line (the host does it in the page)."""
        done = self.run("lobby", slug, "--admit", person)
        assert done.returncode == 0, done.stderr

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(15)
        except subprocess.TimeoutExpired:
            self.process.kill()


def wait_until_serving(url: str, proc: subprocess.Popen, log: Path, seconds: float = 30) -> None:
    """Until ``summitry serve`` answers its sign-in page; its log if it stops or takes too long."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{url}/accounts/login/", timeout=1) as resp:  # noqa: S310
                if resp.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("summitry serve did not start:\n" + log.read_text())
        time.sleep(0.2)


def start_server(data_dir: Path, server_ip: str, port: int, hosts: Iterable[str] = (),
                 plans: Iterable[Path] = (), env: dict[str, str] | None = None, load: bool = True,
                 args: Iterable[str] = ()) -> Server:
    """Migrate, load the scenario (and ``plans``), and start ``summitry serve`` (on SQLite in ``data_dir``
    unless ``env`` names another database; ``args`` such as ``--no-janus`` go to ``serve``)."""
    base = {**os.environ}
    base.pop("SUMMITRY_DATABASE_URL", None)
    env = {**base, "SUMMITRY_DATA_DIR": str(data_dir),
           "SUMMITRY_ALLOWED_HOSTS": ",".join([server_ip, "127.0.0.1", "localhost", *hosts]),
           "SUMMITRY_JANUS_DEBUG_LEVEL": "3", **(env or {})}
    steps = [["migrate", "-v0"], ["load_scenario"], *(["load_scenario", str(p)] for p in plans)] if load else []
    for step in steps:
        done = subprocess.run([*SUMMITRY, *step], env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 0, done.stderr
    log_path = data_dir / f"serve-{port}.log"
    with open(log_path, "w") as log:
        # every address of the test's own server namespace: the clients namespace and loopback
        proc = subprocess.Popen([*SUMMITRY, "serve", "--host", "0.0.0.0", "--port", str(port), *args],  # noqa: S104
                                env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://{server_ip}:{port}"
    wait_until_serving(url, proc, log_path)
    return Server(url, env, data_dir, proc)


class Visitor:
    """A signed-in participant driving Summitry's HTTP API (session cookie and CSRF token, as a page)
    and its relay, without a browser."""

    def __init__(self, server: Server, username: str, slug: str) -> None:
        import aiohttp

        self.server, self.username, self.slug = server, username, slug
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))

    def _cookie(self, name: str) -> str:
        return next(c.value for c in self.http.cookie_jar if c.key == name)

    async def sign_in(self) -> Visitor:
        login = f"{self.server.url}/accounts/login/"
        async with self.http.get(login) as r:
            assert r.status == 200
        async with self.http.post(login, data={"username": self.username, "password": PASSWORD,
                                               "csrfmiddlewaretoken": self._cookie("csrftoken")},
                                  allow_redirects=False) as r:
            assert r.status == 302, await r.text()
        return self

    async def post(self, path: str, body: dict[str, Any] | None = None) -> tuple[int, Any]:
        async with self.http.post(f"{self.server.url}{path}", json=body or {},
                                  headers={"X-CSRFToken": self._cookie("csrftoken")}) as r:
            return r.status, await r.json()

    async def join(self) -> dict[str, Any]:
        status, grant = await self.post(f"/api/engagements/{self.slug}/join", {"e2ee": False})
        assert status == 200, grant
        return grant

    async def leave(self) -> None:
        await self.post(f"/api/engagements/{self.slug}/leave")

    @property
    def headers(self) -> dict[str, str]:
        return {"Cookie": f"sessionid={self._cookie('sessionid')}", "Origin": self.server.url}

    async def close(self) -> None:
        await self.leave()
        await self.http.close()
