"""Pages: the engagements a person takes part in, and the meeting room."""

from __future__ import annotations

import base64
import hmac
import json

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from summitry.audit.log import record_attempt
from summitry.audit.signals import client_ip
from summitry.domain.access import Role, may_admit

from . import access
from .lobby import AUTH_METHOD_LABELS
from .models import ROLE_LABELS, Engagement, MediaGrant
from .roster import roster


@login_required
def home(request: HttpRequest) -> HttpResponse:
    mine = (access.own_participations(request.user)
            .select_related("engagement__host__country").order_by("engagement__starts_at"))
    person = getattr(request.user, "person", None)
    return render(request, "meetings/home.html", {"participations": mine, "person": person})


NO_SUCH_ENGAGEMENT = "No such engagement."  # the same for a missing engagement and one not theirs

REFUSALS = {
    "not_invited": (_("You are not on the list for this engagement"),
                    _("Only the engagement's invited participants may enter its meeting. "
                      "If you should be there, ask the host's protocol office to add you.")),
    "ended": (_("This engagement has ended"), _("The meeting room is closed.")),
    "cancelled": (_("This engagement was cancelled"), _("The meeting room is closed.")),
}


def _engagement(slug: str) -> Engagement:
    engagement = Engagement.objects.select_related("host__country").filter(slug=slug).first()
    if engagement is None:
        raise Http404(NO_SUCH_ENGAGEMENT)
    return engagement


def _refused(request: HttpRequest, engagement: Engagement, exc: access.NotAllowed) -> HttpResponse:
    """Why the meeting is closed to them; its title only for its participants (an ended one), since
    whoever is not on the list may not learn what it is about. Whoever does not take part at all gets
    exactly the 404 of a missing engagement (slugs come from titles: a refusal would confirm a guessed
    meeting); the attempt is audited under them, as the API's refusals are."""
    if not access.takes_part(request.user, engagement):
        actor = request.user.get_username()
        record_attempt("meeting_refused", (actor, engagement.slug), actor=actor, engagement=engagement.slug,
                       reason=exc.reason, path=request.path[:200], ip=client_ip(request))
        raise Http404(NO_SUCH_ENGAGEMENT)
    title, detail = REFUSALS.get(exc.reason, (_("You cannot enter this meeting"), ""))
    shown = engagement if exc.reason in ("ended", "cancelled") else None
    return render(request, "meetings/refused.html", {"engagement": shown, "title": title, "detail": detail},
                  status=403)


@login_required
def room(request: HttpRequest, slug: str) -> HttpResponse:
    engagement = _engagement(slug)
    try:
        participation = access.participation_for(request.user, engagement)
    except access.NotAllowed as exc:
        return _refused(request, engagement, exc)
    config = {
        "slug": engagement.slug,
        "me": participation.publisher_id,
        "joinUrl": f"/api/engagements/{engagement.slug}/join",
        "leaveUrl": f"/api/engagements/{engagement.slug}/leave",
        "endUrl": f"/api/engagements/{engagement.slug}/end" if access.may_end(participation) else None,
        "presencePath": f"/ws/engagements/{engagement.slug}/presence",
        "lobbyUrl": f"/api/engagements/{engagement.slug}/lobby/",
        "segment": engagement.current_segment,
        "segmentUrl": f"/api/engagements/{engagement.slug}/segment" if may_admit(
            Role(participation.role), host_side=participation.person.delegation_id == engagement.host_id) else None,
        "roster": roster(engagement),
        # The lobby lists each waiting person's role and sign-in method as codes: their words, in the
        # page's language, travel with the page (the live channel has no language of its own).
        "roleLabels": {role.value: str(label) for role, label in ROLE_LABELS.items()},
        "authLabels": {code: str(label) for code, label in AUTH_METHOD_LABELS.items()},
    }
    booth_url = (f"/engagements/{engagement.slug}/booth"
                 if participation.role == Role.INTERPRETER and participation.booth else "")
    return render(request, "meetings/room.html",
                  {"engagement": engagement, "participation": participation, "config": config,
                   "booth_url": booth_url})


@login_required
def booth(request: HttpRequest, slug: str) -> HttpResponse:
    """The interpreter console: the floor (or a relay channel) in, the booth's channel out."""
    from summitry.domain.interpretation import LANGUAGE_NAMES, input_choices, parse_languages

    engagement = _engagement(slug)
    try:
        participation = access.participation_for(request.user, engagement)
    except access.NotAllowed as exc:
        return _refused(request, engagement, exc)
    if participation.role != Role.INTERPRETER or not participation.booth:
        return render(request, "meetings/refused.html", {
            "engagement": engagement, "title": _("The interpreter console is for this engagement's interpreters"),
            "detail": _("You can choose the language you listen to in the meeting room.")}, status=403)
    languages = parse_languages(engagement.languages)
    api = f"/api/engagements/{engagement.slug}"
    config = {
        "slug": engagement.slug, "me": participation.publisher_id, "booth": participation.booth,
        "joinUrl": f"{api}/join", "leaveUrl": f"{api}/leave", "airUrl": f"{api}/channels/{participation.booth}/air",
        "sourceUrl": f"{api}/channels/{participation.booth}/source", "channelsUrl": f"{api}/channels",
        "presencePath": f"/ws/engagements/{engagement.slug}/presence", "roster": roster(engagement),
    }
    sources = [(s, LANGUAGE_NAMES.get(s, s.upper())) for s in input_choices(participation.booth, languages)]
    return render(request, "meetings/booth.html", {
        "engagement": engagement, "participation": participation, "config": config,
        "booth_name": LANGUAGE_NAMES.get(participation.booth, participation.booth.upper()),
        "relay_sources": sources[1:]})


@csrf_exempt
@require_POST
def janus_events(request: HttpRequest) -> HttpResponse:
    """Janus's event handler posts here (loopback, basic auth): who actually had media when."""
    from summitry.audit.log import record
    from summitry.media.events import media_events

    from .janus import janus_secrets

    if request.META.get("REMOTE_ADDR") not in ("127.0.0.1", "::1"):
        return HttpResponse(status=403)
    expected = base64.b64encode(f"janus:{janus_secrets().events_secret}".encode()).decode()
    if not hmac.compare_digest(request.headers.get("Authorization", ""), f"Basic {expected}"):
        return HttpResponse(status=401)
    try:
        payload = json.loads(request.body)
    except ValueError:
        return HttpResponse(status=400)
    for ev in media_events(payload):
        grant = (MediaGrant.objects.select_related("participation__person", "participation__engagement")
                 .filter(janus_session=ev.session_id).first())
        if grant is None:
            continue  # Summitry's own sessions, bots on the server
        action = {"webrtcup": "media_up", "hangup": "media_down"}.get(ev.kind)
        if action:
            record(action, actor="janus", engagement=grant.participation.engagement.slug,
                   subject=grant.participation.person.slug, session=ev.session_id, handle=ev.handle_id,
                   grant=grant.pk)
    return HttpResponse(status=204)
