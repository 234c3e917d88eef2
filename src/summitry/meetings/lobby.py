"""The lobby: everyone but the host waits until the host (or the host's delegate) admits them.

Admission is enforced where it matters: no Janus token is issued to a participant who is not
admitted, so neither the API nor Janus can be reached around it.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import async_to_sync, sync_to_async
from channels.layers import get_channel_layer
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from summitry.audit.log import record
from summitry.domain.access import Role, may_admit, may_requeue, needs_admission

from . import access
from .models import Admission, Engagement, Participation

# How each participant came in, as the host reads it beside their name (``Admission.auth_method``).
AUTH_METHOD_LABELS = {
    "password": _("signed in with a password"),
    "password+totp": _("signed in with a password and an authenticator app"),
    "password+webauthn": _("signed in with a password and a security key"),
    "invitation": _("came in by a personal invitation link"),
}


class InLobby(Exception):
    """The participant waits for the host (``state`` is ``waiting`` or ``denied``)."""

    def __init__(self, state: str) -> None:
        super().__init__(state)
        self.state = state


def lobby_group(engagement_id: int) -> str:
    return f"lobby-{engagement_id}"


def participant_group(participation_id: int) -> str:
    return f"participant-{participation_id}"


def _notify(group: str, message: dict[str, Any]) -> None:
    layer = get_channel_layer()
    if layer is not None:
        transaction.on_commit(lambda: async_to_sync(layer.group_send)(group, message))


def check_in(participation: Participation, actor: str, auth_method: str = "password") -> str:
    """Inside the join transaction: ``admitted``, or put the participant in the lobby and say so.
    A participant the host has declined asks again only as ``domain.access.may_requeue`` allows
    (at most 3 times per engagement, a minute apart); otherwise ``access.NotAllowed``."""
    if not needs_admission(Role(participation.role)):
        return Admission.State.ADMITTED
    with transaction.atomic():  # the join's transaction (a savepoint in it), or one of its own
        return _check_in(participation, actor, auth_method)


def _check_in(participation: Participation, actor: str, auth_method: str) -> str:
    # Locked, so that a denial decided meanwhile is either seen here or waits for this join to commit
    # (and then finds its grant to revoke).
    admission, created = Admission.objects.select_for_update().get_or_create(participation=participation)
    if admission.state == Admission.State.ADMITTED:
        return admission.state
    if admission.state == Admission.State.DENIED:
        since = (timezone.now() - admission.denied_at).total_seconds() if admission.denied_at else float("inf")
        decision = may_requeue(admission.denials, since)
        if not decision.allowed:
            raise access.NotAllowed(decision.reason)
    if created or admission.state == Admission.State.DENIED:
        admission.state, admission.decided_at, admission.decided_by = Admission.State.WAITING, None, ""
        admission.requested_at, admission.auth_method = timezone.now(), auth_method
        admission.save()
        record("lobby_waiting", actor=actor, engagement=participation.engagement.slug,
               subject=participation.person.slug)
        _notify(lobby_group(participation.engagement_id), {"type": "lobby.changed"})
    return Admission.State.WAITING


def admitter(user: AbstractBaseUser | AnonymousUser, engagement: Engagement) -> Participation:
    participation = access.participation_for(user, engagement)
    host_side = participation.person.delegation_id == engagement.host_id
    if not may_admit(Role(participation.role), host_side=host_side):
        raise access.NotAllowed("not_host")
    return participation


def decide(engagement: Engagement, participation_id: int, state: str, actor: str) -> Admission:
    """Admit or deny one waiting participant of this engagement."""
    with transaction.atomic():
        admission = Admission.objects.select_for_update().select_related("participation__person").filter(
            participation_id=participation_id, participation__engagement=engagement).first()
        if admission is None:
            raise access.NotAllowed("not_waiting")
        if state == Admission.State.DENIED and admission.state != Admission.State.DENIED:
            admission.denials += 1  # once per request: denying twice in a row costs no extra try
            admission.denied_at = timezone.now()
        admission.state, admission.decided_at, admission.decided_by = state, timezone.now(), actor
        admission.save()
        record("admitted" if state == Admission.State.ADMITTED else "denied", actor=actor,
               engagement=engagement.slug, subject=admission.participation.person.slug)
        _notify(participant_group(participation_id), {"type": "lobby.decided", "state": state})
        _notify(lobby_group(engagement.pk), {"type": "lobby.changed"})
    return admission


@sync_to_async
def decide_as(user: AbstractBaseUser | AnonymousUser, slug: str, participation_id: int, state: str) -> Admission:
    engagement = Engagement.objects.get(slug=slug)
    admitter(user, engagement)
    return decide(engagement, participation_id, state, user.get_username())


def forget(participation: Participation) -> None:
    """Leaving ends the visit, not the admission: once admitted, a participant who leaves, reloads the
    page or loses the connection comes back without waiting again, until the host removes them (a
    denial) or the meeting ends. A request still waiting is withdrawn. A participant the host has
    declined keeps their record (marked declined) until the host admits them, so that leaving and
    coming back does not reset the re-queue limit; withdrawing a request made after a denial uses
    that try up (and restarts the wait), so that nobody can flood the host's lobby by joining and
    leaving."""
    with transaction.atomic():
        admission = Admission.objects.select_for_update().filter(participation=participation).first()
        if admission is None or admission.state == Admission.State.ADMITTED:
            return
        if admission.denials == 0:
            admission.delete()
            _notify(lobby_group(participation.engagement_id), {"type": "lobby.changed"})
            return
        if admission.state == Admission.State.WAITING:
            admission.denials += 1
            admission.denied_at = timezone.now()
            admission.state = Admission.State.DENIED
            admission.save(update_fields=["state", "denials", "denied_at"])
            _notify(lobby_group(participation.engagement_id), {"type": "lobby.changed"})


def waiting(engagement: Engagement) -> list[dict[str, Any]]:
    rows = (Admission.objects.filter(participation__engagement=engagement, state=Admission.State.WAITING)
            .select_related("participation__person__delegation__country").order_by("requested_at"))
    return [{"participation": a.participation_id, "name": str(a.participation.person),
             "title": a.participation.person.title, "delegation": a.participation.person.delegation.name,
             "country": a.participation.person.delegation.country.name, "role": a.participation.role,
             "auth": a.auth_method, "since": a.requested_at.isoformat()} for a in rows]
