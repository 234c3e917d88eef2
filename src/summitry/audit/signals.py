"""Sign-ins and failed sign-ins go to the audit trail."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from .log import record


def client_ip(request: HttpRequest | None) -> str:
    """The address a request came from, as the throttle and the audit count it: ``REMOTE_ADDR``, or,
    only when that is one of ``SUMMITRY_TRUSTED_PROXIES`` (the HTTPS proxy in front), the last address
    in ``X-Forwarded-For`` (the one that proxy saw). A client can never choose it. No address at all
    (a Unix socket) is counted as ``unknown``, one bucket, never as "no address"."""
    if request is None:
        return ""
    remote = str(request.META.get("REMOTE_ADDR", "")) or "unknown"
    if remote in settings.SUMMITRY_TRUSTED_PROXIES:
        forwarded = [a.strip() for a in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",") if a.strip()]
        if forwarded:
            return forwarded[-1][:64]
    return remote


@receiver(user_logged_in)
def _logged_in(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    record("login", actor=user.get_username(), subject=user.get_username(), ip=client_ip(request),
           method=getattr(request, "summitry_auth_method", "password") if request is not None else "password")


@receiver(user_logged_out)
def _logged_out(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record("logout", actor=user.get_username(), subject=user.get_username(), ip=client_ip(request))


@receiver(user_login_failed)
def _login_failed(sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None,
                  **kwargs: Any) -> None:
    username = str(credentials.get("username", ""))[:150]
    record("login_failed", actor="anonymous", subject=username, ip=client_ip(request))
