"""JSON API for meetings (django-ninja). Session-authenticated, CSRF-checked."""

from __future__ import annotations

import json
from datetime import datetime

from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from ninja.security import django_auth

from summitry.audit.log import record_attempt
from summitry.audit.signals import client_ip
from summitry.domain.access import SegmentKind
from summitry.domain.interpretation import AirAction
from summitry.media import ice

from . import access, interpretation, lobby, services
from .janus import relay_url
from .models import Engagement
from .roster import roster

router = Router(tags=["meetings"], auth=django_auth)

MESSAGES = {
    "not_signed_in": _("Sign in first."),
    "not_invited": _("You are not a participant in this engagement."),
    "ended": _("This engagement has ended."),
    "not_host": _("Only the host may do this."),
    "not_waiting": _("That participant is not waiting in the lobby."),
    "cancelled": _("This engagement was cancelled."),
    "e2ee_unsupported": _("This part of the meeting is end-to-end encrypted and this browser cannot encrypt "
                          "media. Use a current Chromium, Chrome or Edge."),
    "segment_closed": _("The meeting is closed to your role at the moment; "
                        "you will be let back in when it reopens."),
    "not_in_booth": _("Only this channel's interpreters may do this."),
    "partner_on_air": _("Your booth partner is on air: ask them to hand over."),
    "partner_not_connected": _("Your booth partner is not connected: stay on air until they are."),
    "not_on_air": _("You are not on air."),
    "console_not_connected": _("Your console is not connected to the channel yet."),
    "changed_meanwhile": _("Someone changed who is on air at the same moment. Look again and retry."),
    "media_refused": _("The media server did not make the change; nothing was changed."),
    "no_such_channel": _("This engagement has no such interpretation channel."),
    "denied_too_often": _("The host declined your request to join several times; "
                          "ask the host's protocol office."),
    "denied_wait": _("The host declined your request to join. Wait a minute before asking again."),
    "removed": _("The host removed you from the meeting."),
    "too_many_joins": _("You joined too many times in the last minute. Wait a moment, then join again."),
}


class ChannelOut(Schema):
    language: str
    room: int
    stream: int
    pin: str


TURN_GRACE_S = 15 * 60  # TURN credentials outlive the engagement's end by this much


class IceServerOut(Schema):
    urls: list[str]
    username: str = ""
    credential: str = ""


class JoinOut(Schema):
    janus_url: str
    token: str
    room: int
    publisher_id: int
    display: str
    publish: bool
    channels: list[ChannelOut] = []
    booth: str = ""
    ice_servers: list[IceServerOut] = []
    ice_transport_policy: str = "all"


class BoothMember(Schema):
    publisher_id: int
    name: str


class ChannelState(Schema):
    language: str
    name: str
    room: int
    live: bool
    source: str
    on_air: int | None
    on_air_name: str
    booth: list[BoothMember]


class AirIn(Schema):
    action: AirAction


class SourceIn(Schema):
    source: str


class RosterEntry(Schema):
    publisher_id: int
    name: str
    formal_name: str
    title: str
    country: str
    country_code: str
    delegation: str
    role: str
    initials: str
    host_side: bool


class LeaveOut(Schema):
    revoked: int


class LobbyOut(Schema):
    state: str
    message: str


class SegmentIn(Schema):
    kind: SegmentKind


class SegmentOut(Schema):
    kind: SegmentKind
    cut: int


class WaitingEntry(Schema):
    participation: int
    name: str
    title: str
    delegation: str
    country: str
    role: str
    auth: str
    since: str


def _says_e2ee(request: HttpRequest) -> bool:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return False
    return isinstance(body, dict) and body.get("e2ee") is True


def _no_such_engagement() -> HttpError:
    return HttpError(404, gettext("No such engagement."))


async def _engagement(slug: str) -> Engagement:
    try:
        return await Engagement.objects.aget(slug=slug)
    except Engagement.DoesNotExist:
        raise _no_such_engagement() from None


async def _refuse(request: HttpRequest, engagement: Engagement, exc: access.NotAllowed) -> HttpError:
    """A 403 with its sentence for a participant; whoever does not take part gets exactly the 404 of an
    engagement that does not exist (slugs come from titles: a 403 would confirm a guessed meeting).
    Either way the attempt is recorded in the audit under whoever asked (never whom they named)."""
    user = await request.auser()
    actor = user.get_username() if user.is_authenticated else "anonymous"
    slug = engagement.slug
    await sync_to_async(record_attempt)("meeting_refused", (actor, slug), actor=actor, engagement=slug,
                                        reason=exc.reason, path=request.path[:200], ip=client_ip(request))
    if not await sync_to_async(access.takes_part)(user, engagement):
        return _no_such_engagement()
    return HttpError(403, str(MESSAGES.get(exc.reason, _("Not allowed."))))


@router.post("/engagements/{slug}/join", response={200: JoinOut, 202: LobbyOut},
             summary="Join the engagement's meeting (202: wait in the lobby until the host admits you)")
async def join(request: HttpRequest, slug: str) -> JoinOut | Status:
    """The optional JSON body ``{"e2ee": true}`` says the client can encrypt media end to end."""
    engagement = await _engagement(slug)
    user = await request.auser()
    try:
        auth_method = await sync_to_async(request.session.get)("auth_method", "password")
        grant = await services.join(user, slug, auth_method, supports_e2ee=_says_e2ee(request))
    except access.NotAllowed as exc:
        raise await _refuse(request, engagement, exc) from None
    except lobby.InLobby as exc:
        return Status(202, LobbyOut(state=exc.state, message=gettext("Waiting for the host to admit you.")))
    except services.MediaUnavailable:
        raise HttpError(503, gettext("The media server is unreachable. Try again in a moment.")) from None
    return JoinOut(janus_url=relay_url(request.get_host(), request.is_secure(), slug), token=grant.token,
                   room=grant.room, publisher_id=grant.publisher_id, display=grant.display, publish=grant.publish,
                   channels=[ChannelOut(language=c.language, room=c.room, stream=c.stream, pin=c.pin)
                             for c in grant.channels],
                   booth=grant.booth, ice_servers=_ice_servers(grant.token, (await _engagement(slug)).ends_at),
                   ice_transport_policy=settings.SUMMITRY_ICE_TRANSPORT_POLICY)


def _ice_servers(token: str, ends_at: datetime) -> list[IceServerOut]:
    """The page's STUN/TURN servers (none unless configured); TURN credentials of this grant's own,
    named by a digest of its token (coturn logs the name). They expire a quarter of an hour after the
    engagement's end (so that a long meeting keeps its relay), and never later than
    ``SUMMITRY_TURN_TTL_S`` from now."""
    import hashlib
    import time

    now = int(time.time())
    expires = min(now + settings.SUMMITRY_TURN_TTL_S, max(now, int(ends_at.timestamp())) + TURN_GRACE_S)
    name = hashlib.sha256(token.encode()).hexdigest()[:16]
    servers = ice.servers_for(settings.SUMMITRY_ICE_SERVERS, settings.SUMMITRY_TURN_URLS,
                              settings.SUMMITRY_TURN_SECRET, name, expires)
    return [IceServerOut(**s) for s in servers]


@router.post("/engagements/{slug}/leave", response=LeaveOut, summary="Leave the meeting (revokes your token)")
async def leave(request: HttpRequest, slug: str) -> LeaveOut:
    engagement = await _engagement(slug)
    try:
        return LeaveOut(revoked=await services.leave(await request.auser(), slug))
    except access.NotAllowed as exc:
        raise await _refuse(request, engagement, exc) from None


@router.post("/engagements/{slug}/end", response={204: None}, summary="End the engagement for everyone")
async def end(request: HttpRequest, slug: str) -> Status:
    engagement = await _engagement(slug)
    try:
        await services.end(await request.auser(), slug)
    except access.NotAllowed as exc:
        raise await _refuse(request, engagement, exc) from None
    return Status(204, None)


@router.get("/engagements/{slug}/roster", response=list[RosterEntry], summary="Participants in gallery order")
async def get_roster(request: HttpRequest, slug: str) -> list[dict[str, object]]:
    engagement = await _engagement(slug)
    user = await request.auser()
    try:
        await sync_to_async(access.participation_for)(user, engagement)
    except access.NotAllowed as exc:
        raise await _refuse(request, engagement, exc) from None
    return await sync_to_async(roster)(engagement)


@router.get("/engagements/{slug}/lobby", response=list[WaitingEntry], summary="Who waits in the lobby (host)")
async def get_lobby(request: HttpRequest, slug: str) -> list[dict[str, object]]:
    engagement = await _engagement(slug)
    user = await request.auser()
    try:
        await sync_to_async(lobby.admitter)(user, engagement)
    except access.NotAllowed as exc:
        raise await _refuse(request, engagement, exc) from None
    return await sync_to_async(lobby.waiting)(engagement)


async def _decide(request: HttpRequest, slug: str, participation_id: int, state: str) -> LobbyOut:
    engagement = await _engagement(slug)
    try:
        if not 0 < participation_id < 2**53:  # no such row; and beyond what the databases can compare
            raise access.NotAllowed("not_waiting")
        admission = await lobby.decide_as(await request.auser(), slug, participation_id, state)
    except access.NotAllowed as exc:
        raise await _refuse(request, engagement, exc) from None
    if state == "denied":  # denied after being admitted: out of the meeting at once, media and keys
        await services.remove(participation_id, slug, "denied", (await request.auser()).get_username())
    return LobbyOut(state=admission.state, message="")


@router.post("/engagements/{slug}/lobby/{participation_id}/admit", response=LobbyOut, summary="Admit (host)")
async def admit(request: HttpRequest, slug: str, participation_id: int) -> LobbyOut:
    return await _decide(request, slug, participation_id, "admitted")


@router.post("/engagements/{slug}/lobby/{participation_id}/deny", response=LobbyOut, summary="Deny (host)")
async def deny(request: HttpRequest, slug: str, participation_id: int) -> LobbyOut:
    return await _decide(request, slug, participation_id, "denied")


@router.post("/engagements/{slug}/segment", response=SegmentOut,
             summary="Put a segment in force (host): open, closed (no press) or restricted")
async def switch_segment(request: HttpRequest, slug: str, body: SegmentIn) -> SegmentOut:
    engagement = await _engagement(slug)
    try:
        cut = await services.switch_segment(await request.auser(), slug, body.kind)
    except access.NotAllowed as exc:
        raise await _refuse(request, engagement, exc) from None
    return SegmentOut(kind=body.kind, cut=cut)


class InvitationIn(Schema):
    person: str


class InvitationOut(Schema):
    url: str
    expires_in_hours: int


@router.post("/engagements/{slug}/invitations", response={201: InvitationOut},
             summary="A personal, single-use, expiring link for a participant (host side)")
async def create_invitation(request: HttpRequest, slug: str, body: InvitationIn) -> Status:
    """Invitations are for guests without an account: a person with a real account signs in with it
    (400), and an engagement that has ended or was cancelled takes no new guests (400)."""
    from summitry.accounts.invitations import LIFETIME, InvitationError, invite
    from summitry.audit.signals import client_ip

    refusals = {
        "has_account": gettext("%(person)s has an account: they sign in with it (and its second factor). "
                               "Invitation links are only for guests without an account.")
                       % {"person": repr(body.person)},
        "ended": gettext("This engagement has ended: it takes no new guests."),
        "cancelled": gettext("This engagement was cancelled: it takes no new guests."),
    }
    engagement = await _engagement(slug)
    user = await request.auser()

    @sync_to_async
    def _create() -> str:
        if not user.has_perm("trips.plan_trips"):
            lobby.admitter(user, engagement)
        participation = engagement.participations.select_related("person__user", "engagement").filter(
            person__slug=body.person).first()
        if participation is None:
            raise HttpError(400, gettext("%(person)s does not take part in this engagement.")
                            % {"person": repr(body.person)})
        return invite(participation, user.get_username(), ip=client_ip(request))

    try:
        secret = await _create()
    except access.NotAllowed as exc:
        raise await _refuse(request, engagement, exc) from None
    except InvitationError as exc:
        raise HttpError(400, refusals.get(exc.reason, gettext("No invitation can be made for this person."))) from None
    scheme = "https" if request.is_secure() else "http"
    return Status(201, InvitationOut(url=f"{scheme}://{request.get_host()}/invite/{secret}",
                                    expires_in_hours=int(LIFETIME.total_seconds() // 3600)))


@router.get("/engagements/{slug}/channels", response=list[ChannelState],
            summary="Interpretation channels: which are live, who is on air, what each booth listens to")
async def channels(request: HttpRequest, slug: str) -> list[dict[str, object]]:
    engagement = await _engagement(slug)
    try:
        await sync_to_async(access.participation_for)(await request.auser(), engagement)
    except access.NotAllowed as exc:
        raise await _refuse(request, engagement, exc) from None
    return await sync_to_async(interpretation.states)(engagement)


@router.post("/engagements/{slug}/channels/{language}/air", response=list[ChannelState],
             summary="Take, hand over or release the booth's microphone (the channel's interpreters)")
async def air(request: HttpRequest, slug: str, language: str, body: AirIn) -> list[dict[str, object]]:
    engagement = await _engagement(slug)
    try:
        return await interpretation.change_air(await request.auser(), slug, language, body.action)
    except access.NotAllowed as exc:
        raise await _refuse(request, engagement, exc) from None
    except services.MediaUnavailable:  # undone in the database and, as far as it can be, at Janus
        raise HttpError(503, str(MESSAGES["media_refused"])) from None
    except services.JanusError:
        raise HttpError(503, gettext("The media server is unreachable. Try again in a moment.")) from None


@router.post("/engagements/{slug}/channels/{language}/source", response=list[ChannelState],
             summary="Interpret from the floor or from another channel (relay)")
async def source(request: HttpRequest, slug: str, language: str, body: SourceIn) -> list[dict[str, object]]:
    engagement = await _engagement(slug)
    try:
        return await interpretation.set_source(await request.auser(), slug, language, body.source)
    except access.NotAllowed as exc:
        raise await _refuse(request, engagement, exc) from None
