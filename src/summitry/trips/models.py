"""Trips, their stops, and the timeline of segments within an engagement."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from summitry.accounts.models import Country, Delegation, Person


class Trip(models.Model):
    slug = models.SlugField(unique=True)
    title = models.CharField(_("title"), max_length=200)
    organizer = models.ForeignKey(Delegation, on_delete=models.PROTECT, related_name="trips")
    traveller = models.ForeignKey(Person, null=True, blank=True, on_delete=models.SET_NULL, related_name="trips")
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["title"]
        permissions = [("plan_trips", "Can plan trips and engagements (protocol office)")]

    def __str__(self) -> str:
        return self.title


class Stop(models.Model):
    trip = models.ForeignKey(Trip, on_delete=models.CASCADE, related_name="stops")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveSmallIntegerField(default=1)
    title = models.CharField(_("title"), max_length=200, blank=True)
    arrives_on = models.DateField(_("arrives on"), null=True, blank=True)
    departs_on = models.DateField(_("departs on"), null=True, blank=True)

    class Meta:
        ordering = ["trip", "order"]
        constraints = [models.UniqueConstraint(fields=["trip", "order"], name="one_stop_per_position")]

    def __str__(self) -> str:
        return self.title or f"{self.country.capital}, {self.country.name}"


class Segment(models.Model):
    class Kind(models.TextChoices):
        OPEN = "open", _("Open (press present)")
        CLOSED = "closed", _("Closed (delegations only)")
        RESTRICTED = "restricted", _("Restricted (principals, interpreters, note-takers)")

    engagement = models.ForeignKey("meetings.Engagement", on_delete=models.CASCADE, related_name="segments")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200, blank=True)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()

    class Meta:
        ordering = ["engagement", "starts_at"]
        constraints = [models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                              name="segment_ends_after_start")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.title}"


class PlanChange(models.Model):
    """An import the protocol office confirmed, with what undoing it needs: the records it touched as
    they were before, what it created, and a digest of what it left (undo is refused once any of that
    has changed since)."""

    created_at = models.DateTimeField(auto_now_add=True)
    actor = models.CharField(max_length=150)
    plan = models.JSONField(help_text="The plan that was imported")
    summary = models.JSONField(help_text="What it created and changed (the preview that was confirmed)")
    undo = models.JSONField(help_text="The records before, what was created, the digest after")
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.CharField(max_length=150, blank=True)
    nonce = models.CharField(max_length=64, unique=True, null=True, blank=True,
                             help_text="The preview it was confirmed from: each preview imports once")

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"import {self.pk} by {self.actor}"
