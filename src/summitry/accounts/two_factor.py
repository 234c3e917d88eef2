"""TOTP second factor: enrolment, verification without replays, throttling of wrong codes."""

from __future__ import annotations

import base64
import time
from datetime import timedelta

import pyotp
import segno
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone

from summitry.audit.log import record
from summitry.audit.models import AuditEntry

from .models import SecondFactor, SecurityKey

ISSUER = "Summitry"
MAX_FAILURES = 5
WINDOW = timedelta(minutes=15)


def device(user: AbstractBaseUser) -> SecondFactor | None:
    return SecondFactor.objects.filter(user=user).first()


def needs_code(user: AbstractBaseUser) -> bool:
    d = device(user)
    return d is not None and d.confirmed_at is not None


def must_enrol(user: AbstractBaseUser) -> bool:
    """Required, and neither an authenticator app nor a security key is set up yet."""
    d = device(user)
    return (d is not None and d.required and d.confirmed_at is None
            and not SecurityKey.objects.filter(user=user).exists())


def start_enrolment(user: AbstractBaseUser) -> SecondFactor:
    d, _ = SecondFactor.objects.get_or_create(user=user)
    if d.confirmed_at is None:
        d.totp_secret = pyotp.random_base32()
        d.save(update_fields=["totp_secret"])
    return d


def provisioning_uri(d: SecondFactor) -> str:
    return pyotp.TOTP(d.totp_secret).provisioning_uri(name=d.user.get_username(), issuer_name=ISSUER)


def qr_data_uri(d: SecondFactor) -> str:
    svg = segno.make(provisioning_uri(d), error="m").svg_inline(scale=5, dark="#14213d", light="#ffffff")
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def throttled(user: AbstractBaseUser) -> bool:
    """5 wrong codes in 15 minutes lock the code step for this user. Counted per user, not per
    (user, address) like passwords (``throttle``): a code is only asked after the right password, so
    only someone who has the password can make this count grow, and a code is 6 digits, so
    per-address counting would let a password thief spread guesses over many addresses."""
    since = timezone.now() - WINDOW
    return AuditEntry.objects.filter(action="totp_failed", subject=user.get_username(),
                                     at__gte=since).count() >= MAX_FAILURES


def verify(user: AbstractBaseUser, code: str, *, confirm: bool = False) -> bool:
    """Check a code (one step of clock drift either way); a code is accepted once only."""
    code = "".join(ch for ch in code if ch.isdigit())
    with transaction.atomic():
        d = SecondFactor.objects.select_for_update().filter(user=user).first()
        if d is None or not d.totp_secret or throttled(user):
            return False
        totp = pyotp.TOTP(d.totp_secret)
        now = int(time.time())
        for drift in (0, -1, 1):
            counter = (now // totp.interval) + drift
            expected = totp.at(counter * totp.interval)
            if counter > d.last_counter and len(code) == 6 and pyotp.utils.strings_equal(expected, code):
                d.last_counter = counter
                if confirm and d.confirmed_at is None:
                    d.confirmed_at = timezone.now()
                    record("second_factor_enrolled", actor=user.get_username(), subject=user.get_username())
                d.save(update_fields=["last_counter", "confirmed_at"])
                return True
    record("totp_failed", actor=user.get_username(), subject=user.get_username())
    return False
