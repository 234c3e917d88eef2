"""Countries, delegations and the people in them. A person may have a user account to sign in."""

from __future__ import annotations

import secrets
from datetime import time

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from summitry.domain.people import Styling


class Country(models.Model):
    code = models.CharField(_("ISO code"), max_length=2, unique=True)
    name = models.CharField(_("name"), max_length=100)
    capital = models.CharField(_("capital"), max_length=100)
    timezone = models.CharField(_("time zone"), max_length=64)
    holiday_subdivision = models.CharField(_("capital's region for public holidays"), max_length=8, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = _("countries")

    def __str__(self) -> str:
        return self.name


class Delegation(models.Model):
    slug = models.SlugField(unique=True)
    name = models.CharField(_("name"), max_length=150)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="delegations")
    ministry = models.CharField(_("ministry"), max_length=150, blank=True)
    work_start = models.TimeField(_("working day starts"), default=time(9, 0))
    work_end = models.TimeField(_("working day ends"), default=time(18, 0))
    work_days = models.CharField(_("working days (ISO, 1 = Monday)"), max_length=7, default="12345")

    class Meta:
        ordering = ["country__name", "name"]

    def __str__(self) -> str:
        return self.name

    @property
    def timezone(self) -> str:
        return self.country.timezone


def _calendar_token() -> str:
    return secrets.token_urlsafe(32)


class Person(models.Model):
    slug = models.SlugField(unique=True)
    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="person")
    delegation = models.ForeignKey(Delegation, on_delete=models.PROTECT, related_name="people")
    given_name = models.CharField(_("given name"), max_length=100)
    family_name = models.CharField(_("family name"), max_length=100)
    honorific = models.CharField(_("honorific"), max_length=60, blank=True)
    title = models.CharField(_("title"), max_length=200, blank=True)
    rank = models.PositiveSmallIntegerField(_("rank"), default=100,
                                            help_text=_("Lower comes first in protocol order."))
    language = models.CharField(_("language"), max_length=8, default="en")
    timezone = models.CharField(_("time zone"), max_length=64, blank=True,
                                help_text=_("Empty: the time zone of the delegation's capital."))
    email = models.EmailField(_("email"), blank=True,
                              help_text=_("Where invitations, updates and cancellations are sent."))
    calendar_token = models.CharField(max_length=43, unique=True, default=_calendar_token, editable=False)

    class Meta:
        ordering = ["delegation", "rank", "family_name"]
        verbose_name_plural = _("people")

    def __str__(self) -> str:
        return self.styling.name

    @property
    def tz(self) -> str:
        return self.timezone or self.delegation.country.timezone

    @property
    def styling(self) -> Styling:
        return Styling(self.given_name, self.family_name, self.honorific, self.title)


class Invitation(models.Model):
    """A single-use, expiring link for one participant of one engagement. Only a hash is stored."""

    participation = models.ForeignKey("meetings.Participation", on_delete=models.CASCADE,
                                      related_name="invitations")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.CharField(max_length=150)
    expires_at = models.DateTimeField()
    used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True,
                                      help_text="Withdrawn by the protocol office: the link no longer works")
    revoked_by = models.CharField(max_length=150, blank=True)

    def __str__(self) -> str:
        return f"invitation for {self.participation}"


class GuestPass(models.Model):
    """A guest account (signed in by an invitation) may enter only the engagements it was invited to."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="guest_passes")
    engagement = models.ForeignKey("meetings.Engagement", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "engagement"], name="one_pass_per_engagement")]

    def __str__(self) -> str:
        return f"{self.user} → {self.engagement}"


class SecondFactor(models.Model):
    """A time-based one-time password (TOTP, RFC 6238) for an account; ``required`` makes it compulsory."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="second_factor")
    totp_secret = models.CharField(max_length=64, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    required = models.BooleanField(default=False, help_text="The account may not be used without a second factor.")
    last_counter = models.BigIntegerField(default=0, help_text="The last time step accepted (no replays).")

    def __str__(self) -> str:
        return f"second factor of {self.user}"


class SecurityKey(models.Model):
    """A WebAuthn credential (a security key or the device's platform authenticator)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="security_keys")
    credential_id = models.CharField(max_length=512, unique=True)
    public_key = models.TextField()
    sign_count = models.BigIntegerField(default=0)
    name = models.CharField(max_length=100, default="Security key")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.name} of {self.user}"
