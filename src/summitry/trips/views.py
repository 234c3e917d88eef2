"""Planning pages: trips with their timeline across capitals, engagements, the government-wide week,
and calendar files. Writes need the ``trips.plan_trips`` permission (the protocol office); who may read
what is decided in ``access``."""

from __future__ import annotations

import json
from collections import OrderedDict
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib.auth.decorators import login_required, permission_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from summitry.accounts.models import Delegation, Person
from summitry.domain.planning import local
from summitry.meetings.models import Engagement

from . import access, exchange, ics, services
from .forms import TIMEZONES, EngagementForm, StopForm, TripForm
from .models import Trip

PLAN = access.PLAN


def _viewer_tz(request: HttpRequest) -> str:
    person = getattr(request.user, "person", None)
    return person.tz if person else "UTC"


def _base_url(request: HttpRequest) -> str:
    return f"{request.scheme}://{request.get_host()}"


def _plans_refused(request: HttpRequest) -> HttpResponse:
    return render(request, "trips/refused.html", status=403)


@login_required
def trip_list(request: HttpRequest) -> HttpResponse:
    if not access.may_read_plans(request.user):
        return _plans_refused(request)
    form = TripForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        trip = services.create_trip(slug=form.cleaned_data["slug"], title=form.cleaned_data["title"],
                                    organizer=form.cleaned_data["organizer"], traveller=form.cleaned_data["traveller"])
        return redirect("trip", trip.slug)
    trips = Trip.objects.select_related("organizer__country", "traveller").prefetch_related("stops__country")
    return render(request, "trips/list.html", {"trips": trips, "form": form, "may_plan": True},
                  status=400 if form.errors else 200)


def _capitals(trip: Trip, engagements: list[Engagement]) -> list[tuple[str, str]]:
    """(label, zone) of every capital the trip involves, the organizer's first."""
    seen: OrderedDict[str, str] = OrderedDict()
    seen[trip.organizer.country.timezone] = trip.organizer.country.capital
    for s in trip.stops.all():
        seen.setdefault(s.country.timezone, s.country.capital)
    for e in engagements:
        for p in e.participations.all():
            c = p.person.delegation.country
            seen.setdefault(c.timezone, c.capital)
    return [(label, tz) for tz, label in seen.items()]


def _timeline(trip: Trip, viewer_tz: str) -> dict[str, Any]:
    engagements = services.trip_engagements(trip)
    capitals = _capitals(trip, engagements)
    warnings = services.warnings_for(engagements)
    by_engagement: dict[str, list[Any]] = {}
    for w in warnings:
        by_engagement.setdefault(w.engagement, []).append(w)
    days: OrderedDict[date, list[dict[str, Any]]] = OrderedDict()
    movable = {w.engagement for w in warnings if w.code in ("outside_working_hours", "public_holiday",
                                                              "double_booked")}
    suggested = services.suggestions_for([e for e in engagements if e.slug in movable], limit=3)
    for e in engagements:
        day = local(e.starts_at, trip.organizer.country.timezone).date()
        mine = by_engagement.get(e.slug, [])
        slots = suggested.get(e.slug, [])
        days.setdefault(day, []).append({
            "engagement": e, "warnings": mine, "slots": [
                {"iso": s.start.isoformat(), "times": [(label, local(s.start, tz)) for label, tz in capitals]}
                for s in slots],
            "times": [(local(e.starts_at, tz), local(e.ends_at, tz)) for _, tz in capitals],
            "yours": (local(e.starts_at, viewer_tz), local(e.ends_at, viewer_tz)),
        })
    return {"capitals": capitals, "days": days, "warning_count": len(warnings), "viewer_tz": viewer_tz}


def _trip_context(request: HttpRequest, trip: Trip, **forms: Any) -> dict[str, Any]:
    may_plan = access.may_read_plans(request.user)
    return {"trip": trip, "may_plan": may_plan, "timezones": TIMEZONES,
            "stop_form": forms.get("stop_form") or StopForm(),
            "reschedule_error": forms.get("reschedule_error", ""),
            "engagement_form": forms.get("engagement_form") or EngagementForm(trip=trip, initial={
                "host": trip.organizer, "timezone": trip.organizer.country.timezone}),
            **_timeline(trip, _viewer_tz(request))}


@login_required
def trip_detail(request: HttpRequest, slug: str) -> HttpResponse:
    trip = access.access_trip(request.user, slug, Trip.objects.select_related("organizer__country", "traveller"))
    return render(request, "trips/detail.html", _trip_context(request, trip))


def _trip_body(request: HttpRequest, trip: Trip, status: int = 200, **forms: Any) -> HttpResponse:
    template = "trips/_body.html" if request.headers.get("HX-Request") else "trips/detail.html"
    return render(request, template, _trip_context(request, trip, **forms), status=status)


@require_POST
@permission_required(PLAN, raise_exception=True)
def stop_add(request: HttpRequest, slug: str) -> HttpResponse:
    trip = get_object_or_404(Trip, slug=slug)
    form = StopForm(request.POST)
    if not form.is_valid():
        return _trip_body(request, trip, 400, stop_form=form)
    services.add_stop(trip, form.cleaned_data["country"])
    return _trip_body(request, trip)


@require_POST
@permission_required(PLAN, raise_exception=True)
def engagement_add(request: HttpRequest, slug: str) -> HttpResponse:
    trip = get_object_or_404(Trip, slug=slug)
    form = EngagementForm(request.POST, trip=trip)
    if not form.is_valid():
        return _trip_body(request, trip, 400, engagement_form=form)
    d = form.cleaned_data
    try:
        services.create_engagement(trip=trip, stop=d["stop"], slug=d["slug"], title=d["title"], kind=d["kind"],
                                   host=d["host"], starts_at=d["starts_at"], ends_at=d["ends_at"],
                                   invitees=[services.Invitee(p, r) for p, r in d["invitees"]])
    except exchange.PlanError as exc:
        form.add_error(None, str(exc))
        return _trip_body(request, trip, 400, engagement_form=form)
    return _trip_body(request, trip)


@require_POST
@permission_required(PLAN, raise_exception=True)
def engagement_reschedule(request: HttpRequest, slug: str) -> HttpResponse:
    e = get_object_or_404(Engagement.objects.select_related("trip"), slug=slug)
    try:
        starts = datetime.fromisoformat(request.POST.get("starts_at", ""))
        services.reschedule(e, starts)
    except (ValueError, exchange.PlanError) as exc:
        problem = str(exc) if isinstance(exc, exchange.PlanError) else _("That is not a valid start time.")
        if e.trip is not None:  # said where the officer is: on the trip's page, nothing moved
            return _trip_body(request, e.trip, 400, reschedule_error=problem)
        return HttpResponseBadRequest(problem)
    if e.trip is not None:
        return _trip_body(request, e.trip)
    return redirect("engagement", e.slug)


@require_GET
@login_required
def trip_export(request: HttpRequest, slug: str) -> HttpResponse:
    trip = access.access_trip(request.user, slug)
    response = JsonResponse(exchange.export_trip(trip), json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="{trip.slug}.json"'
    return response


@require_POST
@permission_required(PLAN, raise_exception=True)
def plan_import(request: HttpRequest) -> HttpResponse:
    upload = request.FILES.get("plan")
    error = ""
    if upload is None:
        error = _("Choose a plan file (JSON) to import.")
    else:
        try:
            exchange.load(json.loads(upload.read().decode("utf-8")))
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):  # nested past any plan
            error = _("That file is not JSON.")
        except exchange.PlanError as exc:
            error = _("Nothing was imported: %(problem)s") % {"problem": exc}
    if error:
        form = TripForm()
        trips = Trip.objects.all()
        return render(request, "trips/list.html", {"trips": trips, "form": form, "may_plan": True,
                                                   "import_error": error}, status=400)
    return redirect("trips")


@login_required
def engagement_detail(request: HttpRequest, slug: str) -> HttpResponse:
    e = access.access_engagement(request.user, slug, Engagement.objects.select_related(
        "host__country", "trip", "stop__country"))
    role = access.reading_role(request.user, e)
    may_plan = access.may_read_plans(request.user)
    participants = services.ordered_participants(e)
    mine = access.participation_in(request.user, e)
    me = next((p for p in participants if mine is not None and p.pk == mine.pk), None)
    zones = OrderedDict((p.person.delegation.country.timezone, p.person.delegation.country.capital)
                        for p in participants)
    zones.setdefault(e.host.country.timezone, e.host.country.capital)
    return render(request, "trips/engagement.html", {
        "e": e, "participants": participants, "me": me, "viewer_tz": _viewer_tz(request),
        "yours": (local(e.starts_at, _viewer_tz(request)), local(e.ends_at, _viewer_tz(request))),
        "capitals": [(label, local(e.starts_at, tz), local(e.ends_at, tz)) for tz, label in zones.items()],
        "segments": [(seg, local(seg.starts_at, _viewer_tz(request)), local(seg.ends_at, _viewer_tz(request)),
                      access.segment_title_for(role, seg)) for seg in e.segments.all()],
        "warnings": services.warnings_for([e]) if may_plan else [],
        "may_plan": may_plan,
    })


@login_required
def engagement_ics(request: HttpRequest, slug: str) -> HttpResponse:
    participation = access.access_participation(request.user, slug)
    e, person = participation.engagement, participation.person
    response = HttpResponse(ics.invitation(e, person, _base_url(request)), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{e.slug}.ics"'
    return response


def calendar_feed(request: HttpRequest, token: str) -> HttpResponse:
    """A person's secret feed URL: no sign-in (calendar programs cannot), the token is the credential."""
    person = Person.objects.filter(calendar_token=token).select_related("delegation__country", "user").first()
    if person is None or not access.may_have_feed(person):
        raise Http404
    engagements = Engagement.objects.filter(participations__person=person).select_related(
        "host__country").prefetch_related("participations__person").order_by("starts_at")
    return HttpResponse(ics.feed(person, engagements, _base_url(request)), content_type="text/calendar; charset=utf-8")


@login_required
def week(request: HttpRequest) -> HttpResponse:
    start_error = ""
    try:
        start = date.fromisoformat(request.GET.get("start", "2021-02-22"))
    except ValueError:
        start = date(2021, 2, 22)
    if not services.in_calendar(start):
        start_error = _("Choose a week between the years %(first)s and %(last)s.") % {
            "first": services.CALENDAR_YEARS.start, "last": services.CALENDAR_YEARS.stop - 1}
        start = date(2021, 2, 22)
    start -= timedelta(days=start.weekday())
    ministry, country = request.GET.get("ministry", ""), request.GET.get("country", "")
    engagements = services.week(start, ministry=ministry, country=country,
                                among=access.visible_engagements(request.user, Engagement.objects.all()))
    tz = _viewer_tz(request)
    days: OrderedDict[date, list[Any]] = OrderedDict((start + timedelta(days=i), []) for i in range(7))
    for e in engagements:
        days.setdefault(local(e.starts_at, tz).date(), []).append((e, local(e.starts_at, tz), local(e.ends_at, tz)))
    return render(request, "trips/week.html", {
        "start_error": start_error,
        "days": days, "start": start, "prev": start - timedelta(days=7), "next": start + timedelta(days=7),
        "ministry": ministry, "country": country, "viewer_tz": tz,
        "government_wide": access.may_read_plans(request.user),
        "ministries": sorted(set(Delegation.objects.exclude(ministry="").values_list("ministry", flat=True))),
        "countries": sorted(set(Delegation.objects.values_list("country__code", "country__name"))),
        "feed_token": access.feed_token(request.user),
    }, status=400 if start_error else 200)
