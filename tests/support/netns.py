"""Network namespaces for media tests.

ICE never uses loopback, so media needs a real interface; tests must not send media anywhere but
this machine's own test hosts. A :class:`TestNetwork` makes two namespaces joined by a veth pair:
"server" (Janus, Summitry, bots) and "clients" (browsers). The calling process can move itself into
the server namespace (``enter``) so that everything it starts runs there; ``close`` moves it back and
deletes both namespaces.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import subprocess

CLONE_NEWNET = 0x40000000


def available() -> str | None:
    """None if namespaces can be made here, else why not."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "iproute2 (ip) is not installed"
    return None


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


def _setns(fd: int) -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


class TestNetwork:
    __test__ = False

    def __init__(self, tag: str | None = None) -> None:
        pid = os.getpid()
        tag = tag or f"smt{pid}"
        self.server_ns = f"{tag}s"
        self.client_ns = f"{tag}c"
        subnet = 20 + pid % 200
        self.server_ip = f"10.77.{subnet}.1"
        self.client_ip = f"10.77.{subnet}.2"
        self._veth = (f"vs{pid}"[:15], f"vc{pid}"[:15])
        self._home_fd: int | None = None

    def create(self) -> TestNetwork:
        for ns in (self.server_ns, self.client_ns):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)
            _ip("netns", "add", ns)
            _ip("-n", ns, "link", "set", "lo", "up")
        vs, vc = self._veth
        _ip("link", "add", vs, "netns", self.server_ns, "type", "veth", "peer", "name", vc, "netns",
            self.client_ns)
        _ip("-n", self.server_ns, "addr", "add", f"{self.server_ip}/24", "dev", vs)
        _ip("-n", self.client_ns, "addr", "add", f"{self.client_ip}/24", "dev", vc)
        _ip("-n", self.server_ns, "link", "set", vs, "up")
        _ip("-n", self.client_ns, "link", "set", vc, "up")
        return self

    def enter(self) -> None:
        """Move this process (its calling thread, and every thread and child it starts later)."""
        self._home_fd = os.open("/proc/self/ns/net", os.O_RDONLY)
        fd = os.open(f"/run/netns/{self.server_ns}", os.O_RDONLY)
        try:
            _setns(fd)
        finally:
            os.close(fd)

    def in_clients(self, argv: list[str]) -> list[str]:
        return ["ip", "netns", "exec", self.client_ns, *argv]

    def close(self) -> None:
        if self._home_fd is not None:
            _setns(self._home_fd)
            os.close(self._home_fd)
            self._home_fd = None
        for ns in (self.server_ns, self.client_ns):
            subprocess.run(["ip", "netns", "del", ns], capture_output=True)

    def __enter__(self) -> TestNetwork:
        self.create()
        self.enter()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
