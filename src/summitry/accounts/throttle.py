"""Brute-force protection for sign-in, counted from the audit trail's failed sign-ins.

Failures are counted per (user name, address) pair, as django-axes' combined "username and IP"
lockout does: 5 failures for one user name from one address lock that pair only, so nobody can lock
the owner out from elsewhere (lockout on demand) — the owner signing in from their own address is
not affected. A per-address cap across user names (20) stops password spraying from one address.

There is deliberately no per-account cap across all addresses: any such cap, however high, lets
anyone lock an account out before a meeting. Guessing spread over many addresses is slowed by the
per-pair and per-address caps (each address gets 5 tries at an account and 20 in all per window) and,
for the accounts that matter, stopped by the second factor (``two_factor``), which a password alone
never passes.

The address is ``audit.signals.client_ip``: ``REMOTE_ADDR``, or behind a proxy listed in
``SUMMITRY_TRUSTED_PROXIES`` the address that proxy saw (the last of ``X-Forwarded-For``); a client's
own ``X-Forwarded-For`` is never believed, and ``summitry serve`` runs uvicorn with
``proxy_headers=False``, so a client cannot choose the address it is counted under. Behind a proxy
that is not listed, every client would share the proxy's address: list it.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from summitry.audit.models import AuditEntry

WINDOW = timedelta(minutes=15)
PER_ACCOUNT_AND_ADDRESS = 5  # failures for one user name from one address in the window
PER_ADDRESS = 20  # failures from one address, across user names, in the window


def lock_reason(username: str, ip: str) -> str:
    """``"account_and_address"`` or ``"address"`` when sign-in for this user name from this address is
    refused for now, else ``""``. User names are compared without case, so that ``Garneau`` and
    ``garneau`` share one count."""
    since = timezone.now() - WINDOW
    failures = AuditEntry.objects.filter(action="login_failed", at__gte=since)
    from_here = failures.filter(detail__ip=ip)
    if from_here.filter(subject__iexact=username[:150]).count() >= PER_ACCOUNT_AND_ADDRESS:
        return "account_and_address"
    if from_here.count() >= PER_ADDRESS:
        return "address"
    return ""


def locked(username: str, ip: str) -> bool:
    """Whether sign-in for this user name from this address is refused for now."""
    return bool(lock_reason(username, ip))
