from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from summitry.audit.log import record
from summitry.audit.signals import client_ip

from . import throttle


class ThrottledAuthenticationForm(AuthenticationForm):
    """Refuses sign-in, even with the right password, after too many recent failures."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "throttled": _("Too many failed sign-ins. Wait 15 minutes, then try again."),
    }

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username") or ""
        if throttle.locked(username, client_ip(self.request)):
            record("login_throttled", actor="anonymous", subject=username[:150], ip=client_ip(self.request))
            raise forms.ValidationError(self.error_messages["throttled"], code="throttled")
        return super().clean()
