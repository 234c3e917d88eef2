"""Pages: the engagements a person takes part in, and the meeting room."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _

from summitry.domain.access import Role, may_admit

from . import access
from .models import Engagement, Participation
from .roster import roster


@login_required
def home(request: HttpRequest) -> HttpResponse:
    mine = (Participation.objects.filter(person__user=request.user)
            .select_related("engagement__host__country").order_by("engagement__starts_at"))
    person = getattr(request.user, "person", None)
    return render(request, "meetings/home.html", {"participations": mine, "person": person})


REFUSALS = {
    "not_invited": (_("You are not on the list for this engagement"),
                    _("Only the engagement's invited participants may enter its meeting. "
                      "If you should be there, ask the host's protocol office to add you.")),
    "ended": (_("This engagement has ended"), _("The meeting room is closed.")),
    "cancelled": (_("This engagement was cancelled"), _("The meeting room is closed.")),
}


@login_required
def room(request: HttpRequest, slug: str) -> HttpResponse:
    engagement = get_object_or_404(Engagement.objects.select_related("host__country"), slug=slug)
    try:
        participation = access.participation_for(request.user, engagement)
    except access.NotAllowed as exc:
        title, detail = REFUSALS.get(exc.reason, (_("You cannot enter this meeting"), ""))
        return render(request, "meetings/refused.html",
                      {"engagement": engagement, "title": title, "detail": detail}, status=403)
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
    }
    return render(request, "meetings/room.html",
                  {"engagement": engagement, "participation": participation, "config": config})
