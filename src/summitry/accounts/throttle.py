"""Brute-force protection for sign-in, counted from the audit trail's failed sign-ins."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from summitry.audit.models import AuditEntry

WINDOW = timedelta(minutes=15)
PER_ACCOUNT = 5   # failures for one user name in the window
PER_ADDRESS = 20  # failures from one address in the window


def locked(username: str, ip: str) -> bool:
    """Whether sign-in for this user name, or from this address, is refused for now."""
    since = timezone.now() - WINDOW
    failures = AuditEntry.objects.filter(action="login_failed", at__gte=since)
    if failures.filter(subject=username[:150]).count() >= PER_ACCOUNT:
        return True
    return bool(ip) and failures.filter(detail__ip=ip).count() >= PER_ADDRESS
