"""Sign-ins and failed sign-ins go to the audit trail."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from .log import record


def client_ip(request: HttpRequest | None) -> str:
    return str(request.META.get("REMOTE_ADDR", "")) if request is not None else ""


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
