"""The guest panel of an engagement, for the protocol office: its participants who have no account of
their own, their invitation links (who made them and when, expiry, use, revocation), and the actions on
them: make a link (its secret shown once), email it, revoke one. Revoking a used link ends its guest's
pass for the engagement and cuts their live media (``meetings.services.remove``). Refusals are said in
words beside the action (400), and every action is audited."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from asgiref.sync import async_to_sync
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from summitry.accounts import invitations
from summitry.accounts.invitations import InvitationError
from summitry.accounts.models import Invitation
from summitry.audit.log import record
from summitry.audit.signals import client_ip
from summitry.domain.access import EngagementState
from summitry.meetings import services as meeting_services
from summitry.meetings.models import Engagement, Participation

from . import access, mail

log = logging.getLogger(__name__)

REFUSALS: dict[str, Promise] = {
    "has_account": _("This person has an account of their own now and signs in with it: links are only for "
                     "guests without one."),
    "ended": _("The engagement has ended: it takes no new guests."),
    "cancelled": _("The engagement was cancelled: it takes no new guests."),
    "revoked": _("This link was revoked already."),
    "unknown": _("There is no such link for this engagement."),
    "not_a_guest": _("Choose one of the guests listed here."),
}
STATES: dict[str, Promise] = {
    "open": _("Not used yet"),
    "used": _("Used"),
    "expired": _("Expired, never used"),
    "revoked": _("Revoked"),
    "over": _("No longer works: the engagement is over"),
}


@dataclass
class Outcome:
    """What the last action did, shown beside the guest it was about."""

    participation: int | None = None
    invitation: int | None = None
    problem: str = ""
    url: str = ""  # the new link, shown this once
    notice: str = ""
    notice_ok: bool = True


@dataclass
class Guest:
    participation: Participation
    links: list[tuple[Invitation, str]] = field(default_factory=list)


def _guests(e: Engagement) -> list[Guest]:
    """The engagement's participants who have no real account, each with their links (newest first)."""
    found = []
    for p in (e.participations.select_related("person__delegation__country", "person__user")
              .prefetch_related("invitations").order_by("person__family_name", "person__given_name")):
        if invitations.has_real_account(p.person):
            continue
        links = sorted(p.invitations.all(), key=lambda inv: inv.created_at, reverse=True)
        found.append(Guest(p, [(inv, str(STATES[_state(inv, e)])) for inv in links]))
    return found


def _state(inv: Invitation, e: Engagement) -> str:
    state = invitations.state_of(inv)
    if state == "open" and _over(e):
        return "over"
    return state


def _over(e: Engagement) -> str:
    """``ended`` or ``cancelled`` when the engagement takes no new guests, else ``""``."""
    if e.state == EngagementState.CANCELLED:
        return "cancelled"
    if e.state == EngagementState.ENDED or e.ends_at <= timezone.now():
        return "ended"
    return ""


def _viewer_tz(request: HttpRequest) -> str:
    person = getattr(request.user, "person", None)
    return person.tz if person else "UTC"


def _panel(request: HttpRequest, e: Engagement, outcome: Outcome | None = None, status: int = 200) -> HttpResponse:
    over = _over(e)
    template = "trips/_guests.html" if request.headers.get("HX-Request") else "trips/guests.html"
    return render(request, template, {
        "e": e, "guests": _guests(e), "outcome": outcome or Outcome(), "viewer_tz": _viewer_tz(request),
        "over": str(REFUSALS[over]) if over else "",
    }, status=status)


def _refused(request: HttpRequest) -> HttpResponse:
    return render(request, "trips/refused.html", status=403)


def _engagement(request: HttpRequest, slug: str) -> Engagement:
    return access.access_engagement(request.user, slug, Engagement.objects.select_related("host__country"))


@require_GET
@login_required
def guests(request: HttpRequest, slug: str) -> HttpResponse:
    if not access.may_read_plans(request.user):
        return _refused(request)
    return _panel(request, _engagement(request, slug))


def _guest_participation(e: Engagement, raw: str) -> tuple[Participation | None, str]:
    """The participation the form names, if it is one of this engagement's guests (never trusted as
    sent), or why not: ``not_a_guest``, or ``has_account`` for someone who signs in with an account now."""
    if not raw.isdecimal() or len(raw) > 18:
        return None, "not_a_guest"
    p = e.participations.select_related("person__user", "person__delegation__country", "engagement").filter(
        pk=int(raw)).first()
    if p is None:
        return None, "not_a_guest"
    if invitations.has_real_account(p.person):
        return None, "has_account"
    return p, ""


@require_POST
@login_required
def create_link(request: HttpRequest, slug: str) -> HttpResponse:
    """Make a link for one guest; with ``send=email``, email it to them too. The secret is in this one
    answer and nowhere else (only its hash is kept)."""
    if not access.may_read_plans(request.user):
        return _refused(request)
    e = _engagement(request, slug)
    actor, ip = request.user.get_username(), client_ip(request)
    p, why = _guest_participation(e, request.POST.get("participation", ""))
    if p is None:
        return _panel(request, e, Outcome(problem=str(REFUSALS[why])), status=400)
    try:
        secret = invitations.invite(p, actor, ip=ip)
    except InvitationError as exc:
        return _panel(request, e, Outcome(p.pk, problem=str(REFUSALS.get(exc.reason, REFUSALS["unknown"]))),
                      status=400)
    outcome = Outcome(p.pk, url=request.build_absolute_uri(reverse("invitation", args=[secret])))
    if request.POST.get("send") == "email":
        _email(p, outcome, actor, ip)
    return _panel(request, e, outcome)


def _email(p: Participation, outcome: Outcome, actor: str, ip: str) -> None:
    person = p.person
    if not person.email:
        outcome.notice, outcome.notice_ok = str(_("No email address is known for this person: copy the link "
                                                  "and send it yourself.")), False
        return
    sent = mail.send_guest_link(p, outcome.url)
    record("invitation_emailed", actor=actor, engagement=p.engagement.slug, subject=person.slug, sent=sent, ip=ip)
    if sent:
        outcome.notice = str(_("Sent to %(email)s.") % {"email": person.email})
    else:
        outcome.notice, outcome.notice_ok = str(_("The link could not be emailed (the mail server did not take "
                                                  "it). Copy it and send it yourself.")), False


@require_POST
@login_required
def revoke_link(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Revoke one link: it no longer redeems; if it was used, its guest loses the engagement at once."""
    if not access.may_read_plans(request.user):
        return _refused(request)
    e = _engagement(request, slug)
    actor, ip = request.user.get_username(), client_ip(request)
    inv = Invitation.objects.select_related("participation__person", "participation__engagement").filter(
        pk=pk, participation__engagement=e).first()
    if inv is None:
        return _panel(request, e, Outcome(problem=str(REFUSALS["unknown"])), status=400)
    try:
        revoked = invitations.revoke(inv.pk, inv.participation, actor, ip=ip)
    except InvitationError as exc:
        return _panel(request, e, Outcome(inv.participation_id, inv.pk, problem=str(REFUSALS[exc.reason])),
                      status=400)
    notice = _("Revoked: the link no longer works.")
    if revoked.pass_ended:
        participation_id = inv.participation_id
        transaction.on_commit(lambda: _cut_media(participation_id, e.slug, actor))
        notice = _("Revoked: the link no longer works, and the guest it let in has lost access to the engagement.")
    return _panel(request, e, Outcome(inv.participation_id, inv.pk, notice=str(notice)))


def _cut_media(participation_id: int, slug: str, actor: str) -> None:
    """The guest's live visit ends as when a host removes someone (their grants die, a new key for whoever
    stays). Their pass is already gone, so a failure here cannot let them back in: it is logged."""
    try:
        async_to_sync(meeting_services.remove)(participation_id, slug, "invitation_revoked", actor)
    except Exception:
        log.exception("cutting the media of participation %s in %s after a revoked invitation", participation_id,
                      slug)
