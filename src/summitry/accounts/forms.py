from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from summitry.audit.log import record
from summitry.audit.signals import client_ip

from . import throttle
from .invitations import is_guest


class ThrottledAuthenticationForm(AuthenticationForm):
    """Refuses sign-in, even with the right password, after too many recent failures."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": _("Too many failed sign-ins. Wait 15 minutes, then try again."),
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request)
        if why := throttle.lock_reason(username, ip):
            # under the attacker's identity: anonymous, from their address (the subject is the target)
            record("login_throttled", actor="anonymous", subject=username[:150], ip=ip, reason=why)
            raise forms.ValidationError(self.error_messages["throttled"], code="throttled")
        return super().clean()

    def confirm_login_allowed(self, user: Any) -> None:
        """Guest accounts (made by an invitation) have no usable password; refuse them here as well."""
        if is_guest(user):
            raise self.get_invalid_login_error()
        super().confirm_login_allowed(user)
