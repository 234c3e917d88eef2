"""Pages that change a plan from an engagement's page or a trip's stops: details, participants,
segments, cancel / reinstate / delete, and stops. Protocol office only (``trips.plan_trips``). Every
change answers the page again with what happened said at the top, or with the server's reason beside
the field (HTTP 400) and nothing changed. Participants are told by email once a change commits."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import permission_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from summitry.accounts.models import Person
from summitry.audit.log import record
from summitry.meetings.models import Engagement, Participation

from . import access, exchange, services
from .exchange import PlanError
from .forms import (
    TIMEZONES,
    EngagementDetailsForm,
    ParticipantEditForm,
    ParticipantForm,
    SegmentForm,
    StopEditForm,
    TripEditForm,
)
from .models import PlanChange, Segment, Stop, Trip

PLAN = access.PLAN


def base_url(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def tell_after_commit(request: HttpRequest, send: Callable[[str], int]) -> None:
    """Email the people a change concerns once it is saved (an outage never undoes the change)."""
    url = base_url(request)
    transaction.on_commit(lambda: send(url), robust=True)  # a failure is logged: the change stands


def _engagement(slug: str) -> Engagement:
    return get_object_or_404(Engagement.objects.select_related("host__country", "trip", "stop__country"), slug=slug)


def plan_context(e: Engagement, **forms: Any) -> dict[str, Any]:
    """What the engagement page shows the protocol office to change it."""
    participations = services.ordered_participants(e)
    return {
        "details_form": forms.get("details_form") or EngagementDetailsForm.for_engagement(e),
        "participant_form": forms.get("participant_form") or ParticipantForm(engagement=e),
        "segment_form": forms.get("segment_form") or SegmentForm(engagement=e),
        "row_forms": [(p, forms.get(f"row_{p.pk}") or ParticipantEditForm(
            engagement=e, prefix=f"p{p.pk}", initial={"role": p.role, "booth": p.booth, "precedence": p.precedence}))
            for p in participations],
        "timezones": TIMEZONES,
        "may_delete": services.may_delete(e),
        "plan_error": forms.get("plan_error", ""),
    }


def _answer(request: HttpRequest, e: Engagement, notice: str = "", status: int = 200, **forms: Any) -> HttpResponse:
    """The engagement page again: its body for htmx, otherwise the whole page (after a success, a
    redirect so that a reload repeats nothing)."""
    if status == 200 and not request.headers.get("HX-Request"):
        if notice:
            messages.success(request, notice)
        return redirect("engagement", e.slug)
    from .views import engagement_context  # the page's own reading context
    e.refresh_from_db()
    context = engagement_context(request, e) | plan_context(e, **forms) | {"notice": notice}
    template = "trips/_engagement_body.html" if request.headers.get("HX-Request") else "trips/engagement.html"
    return render(request, template, context, status=status)


def _actor(request: HttpRequest) -> str:
    return request.user.get_username()


@require_POST
@permission_required(PLAN, raise_exception=True)
def edit_details(request: HttpRequest, slug: str) -> HttpResponse:
    e = _engagement(slug)
    form = EngagementDetailsForm(request.POST, trip=e.trip)
    if not form.is_valid():
        return _answer(request, e, status=400, details_form=form)
    d = form.cleaned_data
    try:
        moved = services.update_engagement(e, services.Details(
            title=d["title"], kind=d["kind"], host=d["host"], stop=d["stop"], starts_at=d["starts_at"],
            ends_at=d["ends_at"], languages=tuple(d["languages"])), actor=_actor(request))
    except PlanError as exc:
        form.add_error(None, str(exc))
        return _answer(request, e, status=400, details_form=form)
    if moved:
        from . import mail
        tell_after_commit(request, lambda url: mail.notify_changed(e, url))
    return _answer(request, e, _("Saved. Participants' calendars get the new time.") if moved else _("Saved."))


@require_POST
@permission_required(PLAN, raise_exception=True)
def add_participant(request: HttpRequest, slug: str) -> HttpResponse:
    e = _engagement(slug)
    form = ParticipantForm(request.POST, engagement=e)
    if not form.is_valid():
        return _answer(request, e, status=400, participant_form=form)
    d = form.cleaned_data
    try:
        p = services.add_participant(e, d["person"], d["role"], d["booth"] or "", d["precedence"],
                                     actor=_actor(request))
    except PlanError as exc:
        form.add_error(None, str(exc))
        return _answer(request, e, status=400, participant_form=form)
    from . import mail
    tell_after_commit(request, lambda url: mail.notify_invited(e, [p], url))
    return _answer(request, e, _("%(name)s added.") % {"name": p.person})


def _participation(e: Engagement, pk: int) -> Participation:
    return get_object_or_404(Participation.objects.select_related("person__delegation__country", "engagement"),
                             pk=pk, engagement=e)


@require_POST
@permission_required(PLAN, raise_exception=True)
def edit_participant(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    e = _engagement(slug)
    p = _participation(e, pk)
    form = ParticipantEditForm(request.POST, engagement=e, prefix=f"p{p.pk}")
    if not form.is_valid():
        return _answer(request, e, status=400, **{f"row_{p.pk}": form})
    d = form.cleaned_data
    try:
        cut = services.update_participant(p, d["role"], d["booth"] or "", d["precedence"], actor=_actor(request))
    except PlanError as exc:
        form.add_error(None, str(exc))
        return _answer(request, e, status=400, **{f"row_{p.pk}": form})
    notice = _("%(name)s: saved.") % {"name": p.person}
    if cut:
        notice += " " + _("Their visit in progress was ended: they join again with the new role.")
    return _answer(request, e, notice)


@require_POST
@permission_required(PLAN, raise_exception=True)
def remove_participant(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    e = _engagement(slug)
    p = _participation(e, pk)
    person: Person = p.person
    services.remove_participant(p, actor=_actor(request))
    from . import mail
    tell_after_commit(request, lambda url: mail.notify_removed(e, [person], url))
    return _answer(request, e, _("%(name)s is no longer on the list and is sent a cancellation.") % {"name": person})


@require_POST
@permission_required(PLAN, raise_exception=True)
def add_segment(request: HttpRequest, slug: str) -> HttpResponse:
    e = _engagement(slug)
    form = SegmentForm(request.POST, engagement=e)
    if not form.is_valid():
        return _answer(request, e, status=400, segment_form=form)
    d = form.cleaned_data
    try:
        services.add_segment(e, d["kind"], d["title"], d["starts_at"], d["ends_at"], actor=_actor(request))
    except PlanError as exc:
        form.add_error(None, str(exc))
        return _answer(request, e, status=400, segment_form=form)
    return _answer(request, e, _("Segment added."))


@require_POST
@permission_required(PLAN, raise_exception=True)
def remove_segment(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    e = _engagement(slug)
    services.remove_segment(get_object_or_404(Segment, pk=pk, engagement=e), actor=_actor(request))
    return _answer(request, e, _("Segment removed."))


@require_http_methods(["GET", "POST"])
@permission_required(PLAN, raise_exception=True)
def cancel(request: HttpRequest, slug: str) -> HttpResponse:
    """GET asks to confirm (saying who will be told); POST cancels."""
    e = _engagement(slug)
    if request.method == "GET":
        return render(request, "trips/confirm.html", {
            "e": e, "action": "cancel", "count": e.participations.count()})
    services.cancel_engagement(e, actor=_actor(request))
    from . import mail
    tell_after_commit(request, lambda url: mail.notify_cancelled(e, url))
    return _answer(request, e, _("Cancelled. Every participant is sent a cancellation; you can reinstate it."))


@require_POST
@permission_required(PLAN, raise_exception=True)
def reinstate(request: HttpRequest, slug: str) -> HttpResponse:
    e = _engagement(slug)
    try:
        services.reinstate(e, actor=_actor(request))
    except PlanError as exc:
        return _answer(request, e, status=400, plan_error=str(exc))
    from . import mail
    tell_after_commit(request, lambda url: mail.notify_changed(e, url))
    return _answer(request, e, _("Reinstated. Participants get the invitation again."))


@require_http_methods(["GET", "POST"])
@permission_required(PLAN, raise_exception=True)
def delete(request: HttpRequest, slug: str) -> HttpResponse:
    e = _engagement(slug)
    if request.method == "GET" or not services.may_delete(e):
        return render(request, "trips/confirm.html", {
            "e": e, "action": "delete", "count": e.participations.count(), "may_delete": services.may_delete(e)},
            status=200 if request.method == "GET" else 400)
    trip, title = e.trip, e.title
    people = [p.person for p in e.participations.select_related("person")]
    if e.state != "cancelled" and people:
        from . import mail
        e.state = "cancelled"  # what the people are told: the engagement is off
        tell_after_commit(request, lambda url: mail.notify_removed(e, people, url))
    services.delete_engagement(e, actor=_actor(request))
    messages.success(request, _("“%(title)s” was deleted.") % {"title": title})
    return redirect("trip", trip.slug) if trip is not None else redirect("trips")


# Imports: confirmed, told, undone

def confirm_import(request: HttpRequest, data: Any, nonce: str | None = None) -> tuple[PlanChange, dict[str, int]]:
    """Import a plan for the signed-in officer, keeping what undoing it needs, audited; the people it adds,
    moves or takes off a list are emailed once it commits. A PlanError says why nothing was imported."""
    with transaction.atomic():
        counts, undo, seen = exchange.load_confirmed(data)
        change = PlanChange.objects.create(actor=_actor(request), plan=data, summary=seen.as_json(), undo=undo,
                                           nonce=nonce)
        record("plan_imported", actor=change.actor, change=change.pk, **counts)
        for c in seen.engagements:
            tell_after_commit(request, lambda url, c=c: _tell(c.slug, c.added if not c.created else None,
                                                             c.moved, c.removed, url))
    return change, counts


def undo_import(request: HttpRequest, change: PlanChange) -> None:
    """Put back what the import changed; whoever that adds, moves or takes off a list is told."""
    slugs = [e.get("slug") for e in change.plan.get("engagements", []) if isinstance(e, dict)]
    before = _lists(slugs)
    exchange.undo(change.undo, change.plan)
    after = _lists(slugs)
    for slug, (e, times, people) in before.items():
        if slug not in after:  # the import created it and the undo removed it: its people were invited
            gone = list(Person.objects.filter(slug__in=people))
            tell_after_commit(request, lambda url, e=e, gone=gone: _tell_gone(e, gone, url))
            continue
        _, now_times, now_people = after[slug]
        added, removed = sorted(now_people - people), sorted(people - now_people)
        tell_after_commit(request, lambda url, slug=slug, added=added, moved=times != now_times, removed=removed:
                          _tell(slug, added, moved, removed, url))


def _lists(slugs: list[Any]) -> dict[str, tuple[Engagement, Any, set[str]]]:
    return {e.slug: (e, (e.starts_at, e.ends_at), set(e.participations.values_list("person__slug", flat=True)))
            for e in Engagement.objects.select_related("host__country").filter(
                slug__in=[s for s in slugs if isinstance(s, str)])}


def _tell(slug: str, added: list[str] | None, moved: bool, removed: list[str], url: str) -> int:
    """``added`` None: everyone (a new engagement)."""
    from . import mail
    e = Engagement.objects.filter(slug=slug).first()
    if e is None:
        return 0
    sent = 0
    invited = list(e.participations.all() if added is None else e.participations.filter(person__slug__in=added))
    if invited:
        sent += mail.notify_invited(e, invited, url)
    if moved:
        sent += mail.notify_changed(e, url)
    if removed:
        sent += mail.notify_removed(e, list(Person.objects.filter(slug__in=removed)), url)
    return sent


def _tell_gone(e: Engagement, people: list[Person], url: str) -> int:
    """An engagement the undo removed: the people the import had invited get its cancellation."""
    from . import mail
    e.state = "cancelled"
    return mail.notify_removed(e, people, url)


# Stops

def _stop(slug: str, order: int) -> Stop:
    return get_object_or_404(Stop.objects.select_related("trip", "country"), trip__slug=slug, order=order)


def _trip_answer(request: HttpRequest, trip: Trip, notice: str = "", status: int = 200, **forms: Any) -> HttpResponse:
    from .views import trip_body
    if status == 200 and not request.headers.get("HX-Request"):
        if notice:
            messages.success(request, notice)
        return redirect("trip", trip.slug)
    return trip_body(request, trip, status, notice=notice, **forms)


@require_POST
@permission_required(PLAN, raise_exception=True)
def edit_trip(request: HttpRequest, slug: str) -> HttpResponse:
    trip = get_object_or_404(Trip, slug=slug)
    form = TripEditForm(request.POST)
    if not form.is_valid():
        return _trip_answer(request, trip, status=400, trip_form=form)
    d = form.cleaned_data
    services.update_trip(trip, d["title"], d["traveller"], d["description"], actor=_actor(request))
    return _trip_answer(request, trip, _("Trip saved."))


@require_POST
@permission_required(PLAN, raise_exception=True)
def edit_stop(request: HttpRequest, slug: str, order: int) -> HttpResponse:
    s = _stop(slug, order)
    form = StopEditForm(request.POST, prefix=f"s{s.order}")
    if not form.is_valid():
        return _trip_answer(request, s.trip, status=400, **{f"stop_{s.order}": form})
    d = form.cleaned_data
    services.update_stop(s, d["title"] or s.country.capital, d["arrives_on"], d["departs_on"], actor=_actor(request))
    return _trip_answer(request, s.trip, _("Stop saved."))


@require_POST
@permission_required(PLAN, raise_exception=True)
def move_stop(request: HttpRequest, slug: str, order: int) -> HttpResponse:
    s = _stop(slug, order)
    by = -1 if request.POST.get("direction") == "up" else 1
    try:
        services.move_stop(s, by, actor=_actor(request))
    except PlanError as exc:
        return _trip_answer(request, s.trip, status=400, stop_error=str(exc))
    return _trip_answer(request, s.trip, _("Stops reordered."))


@require_POST
@permission_required(PLAN, raise_exception=True)
def remove_stop(request: HttpRequest, slug: str, order: int) -> HttpResponse:
    s = _stop(slug, order)
    try:
        services.remove_stop(s, actor=_actor(request))
    except PlanError as exc:
        return _trip_answer(request, s.trip, status=400, stop_error=str(exc))
    return _trip_answer(request, s.trip, _("Stop removed."))
