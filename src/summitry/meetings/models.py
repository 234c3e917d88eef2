"""Engagements, who takes part in them, and the Janus grants Summitry issues for them."""

from __future__ import annotations

import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from summitry.accounts.models import Delegation, Person
from summitry.domain.access import EngagementState, Role

# Janus room and participant ids are JSON numbers: keep them within 2**53 so JavaScript reads them exactly.
_MAX_ID = 2**53 - 1


def random_media_id() -> int:
    return secrets.randbelow(_MAX_ID - 1_000_000) + 1_000_000


def random_secret() -> str:
    return secrets.token_urlsafe(24)


ROLE_LABELS = {
    Role.HOST: _("Host"), Role.PRINCIPAL: _("Principal"), Role.DELEGATION_MEMBER: _("Delegation member"),
    Role.INTERPRETER: _("Interpreter"), Role.NOTE_TAKER: _("Note-taker"), Role.PRESS: _("Press"),
    Role.TECHNICIAN: _("Technician"),
}
STATE_LABELS = {
    EngagementState.SCHEDULED: _("Scheduled"), EngagementState.LIVE: _("Live"), EngagementState.ENDED: _("Ended"),
    EngagementState.CANCELLED: _("Cancelled"),
}


class Engagement(models.Model):
    class Kind(models.TextChoices):
        BILATERAL = "bilateral", _("Bilateral meeting")
        TRILATERAL = "trilateral", _("Trilateral meeting")
        COURTESY_CALL = "courtesy_call", _("Courtesy call")
        SITE_VISIT = "site_visit", _("Site visit")
        PRESS_AVAILABILITY = "press_availability", _("Press availability")
        LEADERS_SUMMIT = "leaders_summit", _("Leaders' summit")
        MINISTERIAL = "ministerial", _("Ministerial meeting")

    slug = models.SlugField(unique=True)
    title = models.CharField(_("title"), max_length=200)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    host = models.ForeignKey(Delegation, on_delete=models.PROTECT, related_name="hosted_engagements")
    state = models.CharField(max_length=16, choices=[(s.value, label) for s, label in STATE_LABELS.items()],
                             default=EngagementState.SCHEDULED)
    trip = models.ForeignKey("trips.Trip", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="engagements")
    stop = models.ForeignKey("trips.Stop", null=True, blank=True, on_delete=models.SET_NULL,
                             related_name="engagements")
    languages = models.CharField(_("languages"), max_length=60, default="en",
                                 help_text=_("Comma-separated language codes, e.g. en,fr,es"))
    current_segment = models.CharField(max_length=16, blank=True, default="",
                                       choices=[("open", _("Open")), ("closed", _("Closed")),
                                                ("restricted", _("Restricted"))],
                                       help_text="The segment in force now (empty: closed to the press)")
    sequence = models.PositiveIntegerField(default=0, editable=False,
                                           help_text="iCalendar SEQUENCE: raised at every change of time")
    media_room = models.BigIntegerField(unique=True, default=random_media_id, editable=False)
    room_secret = models.CharField(max_length=64, default=random_secret, editable=False)

    class Meta:
        ordering = ["starts_at"]
        constraints = [models.CheckConstraint(condition=models.Q(ends_at__gt=models.F("starts_at")),
                                              name="engagement_ends_after_start")]

    def __str__(self) -> str:
        return self.title


class Participation(models.Model):

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="participations")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="participations")
    role = models.CharField(max_length=32, choices=[(r.value, label) for r, label in ROLE_LABELS.items()])
    precedence = models.PositiveSmallIntegerField(null=True, blank=True,
                                                  help_text="Explicit position in this engagement's order")
    publisher_id = models.BigIntegerField(default=random_media_id, editable=False)
    booth = models.CharField(_("booth"), max_length=8, blank=True, default="",
                             help_text=_("For interpreters: the language of the channel they interpret into"))

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["engagement", "person"], name="one_participation_per_person"),
            models.UniqueConstraint(fields=["engagement", "publisher_id"], name="unique_publisher_id"),
        ]

    def __str__(self) -> str:
        return f"{self.person} in {self.engagement} ({self.role})"


class MediaGrant(models.Model):
    """A Janus core token issued to one participant for one visit to the meeting."""

    participation = models.ForeignKey(Participation, on_delete=models.CASCADE, related_name="grants")
    token = models.CharField(max_length=64, unique=True)
    issued_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_reason = models.CharField(max_length=32, blank=True)
    janus_session = models.BigIntegerField(null=True, blank=True, db_index=True,
                                           help_text="The Janus session the visit created (seen by the relay)")
    e2ee = models.BooleanField(default=False, help_text="The client said it encrypts media end to end; "
                               "the relay holds it to that in every offer it sends")
    channel_room = models.BigIntegerField(null=True, blank=True, help_text=(
        "The interpretation channel (AudioBridge room) this visit's relay saw it join as itself: Summitry's "
        "own record of who is connected to a booth, never Janus's participant list"))

    class Meta:
        indexes = [models.Index(fields=["participation", "revoked_at"])]

    def __str__(self) -> str:
        return f"grant {self.pk} for {self.participation}"


class Admission(models.Model):
    """Where a participant stands in the engagement's lobby for the current visit."""

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting")
        ADMITTED = "admitted", _("Admitted")
        DENIED = "denied", _("Denied")

    participation = models.OneToOneField(Participation, on_delete=models.CASCADE, related_name="admission")
    state = models.CharField(max_length=16, choices=State.choices, default=State.WAITING)
    requested_at = models.DateTimeField(auto_now_add=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.CharField(max_length=150, blank=True)
    auth_method = models.CharField(max_length=32, default="password")
    denials = models.PositiveSmallIntegerField(
        default=0, help_text="Times the host declined this participant in this engagement (a request made "
                             "after a denial and withdrawn counts too); kept when they leave")
    denied_at = models.DateTimeField(null=True, blank=True, help_text="When the host last declined them")

    def __str__(self) -> str:
        return f"{self.participation}: {self.state}"


class MediaKey(models.Model):
    """The end-to-end media key of an engagement's encrypted segment. A new one at every segment change
    and whenever someone leaves; only participants allowed in the segment receive it."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="media_keys")
    key_id = models.PositiveSmallIntegerField()
    key = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["engagement", "key_id"], name="one_key_per_id")]

    def __str__(self) -> str:
        return f"key {self.key_id} of {self.engagement}"


class InterpretationChannel(models.Model):
    """One language's interpretation channel in an engagement: an AudioBridge room at Janus, the booth
    that speaks into it, who of the booth is on air, and what the booth listens to (floor or relay)."""

    engagement = models.ForeignKey(Engagement, on_delete=models.CASCADE, related_name="channels")
    language = models.CharField(max_length=8)
    audio_room = models.BigIntegerField(unique=True, default=random_media_id, editable=False)
    on_air = models.ForeignKey(Participation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    listen_pin = models.CharField(max_length=64, default=random_secret, editable=False,
                                  help_text="What listeners' browsers give Janus to watch the channel's mountpoint")
    source = models.CharField(max_length=8, default="floor",
                              help_text="What the booth interprets from: the floor or another channel (relay)")
    changed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["pk"]
        constraints = [models.UniqueConstraint(fields=["engagement", "language"], name="one_channel_per_language")]

    def __str__(self) -> str:
        return f"{self.language} channel of {self.engagement}"
