"""What the page crawlers share: which links stay on this site and are worth following."""

from __future__ import annotations

from urllib.parse import urljoin, urlsplit


def local_link(base: str, href: str, skip: tuple[str, ...]) -> str | None:
    """The path (and query) of a link to this test server, or None for another site or a path in ``skip``."""
    url = urlsplit(urljoin(base, href))
    if url.scheme not in ("", "http") or url.netloc not in ("", "testserver"):
        return None
    if any(url.path.startswith(s) for s in skip):
        return None
    return url.path + (f"?{url.query}" if url.query else "")
