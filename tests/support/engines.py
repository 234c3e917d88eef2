"""Throwaway PostgreSQL and Redis servers for the tests that run several Summitry processes (the
cluster tests): Debian's engines, started in a temporary folder, reached over a Unix socket (which
every network namespace of the test shares), and removed at the end."""

from __future__ import annotations

import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path


def _pg_bin() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
    if not found:
        raise RuntimeError("PostgreSQL's server is not installed (make install installs it)")
    return found[-1].parent


@contextlib.contextmanager
def postgres() -> Iterator[str]:
    """A PostgreSQL cluster with a database ``summitry``; yields its URL."""
    bindir = _pg_bin()
    folder = Path(tempfile.mkdtemp(prefix="summitry-pg-"))
    folder.chmod(0o755)
    as_pg: list[str] = []
    if os.geteuid() == 0:
        pw = pwd.getpwnam("postgres")
        os.chown(folder, pw.pw_uid, pw.pw_gid)
        as_pg = ["runuser", "-u", "postgres", "--"]
    data = folder / "data"
    try:
        subprocess.run([*as_pg, str(bindir / "initdb"), "-D", str(data), "-U", "postgres", "--auth=trust",
                        "-E", "UTF8", "--no-locale"], check=True, capture_output=True)
        subprocess.run([*as_pg, str(bindir / "pg_ctl"), "-D", str(data), "-w", "-l", str(folder / "log"), "-o",
                        f"-k {folder} -c listen_addresses='' -c fsync=off -c synchronous_commit=off", "start"],
                       check=True, capture_output=True)
        subprocess.run([*as_pg, str(bindir / "createdb"), "-h", str(folder), "-U", "postgres", "summitry"],
                       check=True, capture_output=True)
        yield f"postgresql://postgres@/summitry?host={folder}"
    finally:
        subprocess.run([*as_pg, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                       check=False, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def redis() -> Iterator[str]:
    """A Redis server on a Unix socket, keeping nothing on disk; yields its URL."""
    server = shutil.which("redis-server")
    if server is None:
        raise RuntimeError("redis-server is not installed (make install installs it)")
    folder = Path(tempfile.mkdtemp(prefix="summitry-redis-"))
    sock = folder / "redis.sock"
    proc = subprocess.Popen([server, "--port", "0", "--unixsocket", str(sock), "--unixsocketperm", "700",
                             "--save", "", "--appendonly", "no", "--dir", str(folder)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 10
        while not sock.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("redis-server did not start")
            time.sleep(0.05)
        yield f"unix://{sock}"
    finally:
        proc.terminate()
        proc.wait(10)
        shutil.rmtree(folder, ignore_errors=True)
