"""JSON API for meetings (django-ninja). Session-authenticated, CSRF-checked."""

from __future__ import annotations

from asgiref.sync import sync_to_async
from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.security import django_auth

from . import access, services
from .janus import public_ws_url
from .models import Engagement
from .roster import roster

router = Router(tags=["meetings"], auth=django_auth)

MESSAGES = {
    "not_signed_in": "Sign in first.",
    "not_invited": "You are not a participant in this engagement.",
    "ended": "This engagement has ended.",
    "not_host": "Only the host may do this.",
}


class JoinOut(Schema):
    janus_url: str
    token: str
    room: int
    publisher_id: int
    display: str
    publish: bool


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


async def _engagement(slug: str) -> Engagement:
    try:
        return await Engagement.objects.aget(slug=slug)
    except Engagement.DoesNotExist:
        raise HttpError(404, "No such engagement.") from None


def _refuse(exc: access.NotAllowed) -> HttpError:
    return HttpError(403, MESSAGES.get(exc.reason, "Not allowed."))


@router.post("/engagements/{slug}/join", response=JoinOut, summary="Join the engagement's meeting")
async def join(request: HttpRequest, slug: str) -> JoinOut:
    await _engagement(slug)
    user = await request.auser()
    try:
        grant = await services.join(user, slug)
    except access.NotAllowed as exc:
        raise _refuse(exc) from None
    except services.MediaUnavailable:
        raise HttpError(503, "The media server is unreachable. Try again in a moment.") from None
    return JoinOut(janus_url=public_ws_url(request.get_host()), token=grant.token, room=grant.room,
                   publisher_id=grant.publisher_id, display=grant.display, publish=grant.publish)


@router.post("/engagements/{slug}/leave", response=LeaveOut, summary="Leave the meeting (revokes your token)")
async def leave(request: HttpRequest, slug: str) -> LeaveOut:
    await _engagement(slug)
    try:
        return LeaveOut(revoked=await services.leave(await request.auser(), slug))
    except access.NotAllowed as exc:
        raise _refuse(exc) from None


@router.post("/engagements/{slug}/end", response={204: None}, summary="End the engagement for everyone")
async def end(request: HttpRequest, slug: str) -> tuple[int, None]:
    await _engagement(slug)
    try:
        await services.end(await request.auser(), slug)
    except access.NotAllowed as exc:
        raise _refuse(exc) from None
    return 204, None


@router.get("/engagements/{slug}/roster", response=list[RosterEntry], summary="Participants in gallery order")
async def get_roster(request: HttpRequest, slug: str) -> list[dict[str, object]]:
    engagement = await _engagement(slug)
    user = await request.auser()
    try:
        await sync_to_async(access.participation_for)(user, engagement)
    except access.NotAllowed as exc:
        raise _refuse(exc) from None
    return await sync_to_async(roster)(engagement)
