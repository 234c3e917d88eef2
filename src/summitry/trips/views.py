"""Planning pages: trips with their timeline across capitals, engagements, the government-wide week,
and calendar files. Writes need the ``trips.plan_trips`` permission (the protocol office); who may read
what is decided in ``access``."""

from __future__ import annotations

import json
import secrets
from collections import OrderedDict
from datetime import date, datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core import signing
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from summitry.accounts.models import Delegation, Person
from summitry.audit.log import record
from summitry.domain.planning import local
from summitry.meetings.models import Engagement

from . import access, editing, exchange, ics, services
from .forms import TIMEZONES, EngagementForm, StopEditForm, StopForm, TripEditForm, TripForm
from .models import PlanChange, Trip

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
                                    organizer=form.cleaned_data["organizer"], traveller=form.cleaned_data["traveller"],
                                    description=form.cleaned_data["description"])
        return redirect("trip", trip.slug)
    return render(request, "trips/list.html", _list_context(request, form), status=400 if form.errors else 200)


def _list_context(request: HttpRequest, form: TripForm | None = None) -> dict[str, Any]:
    """The protocol office's landing page: what is coming, what needs attention, the trips, the imports."""
    trips = Trip.objects.select_related("organizer__country", "traveller").prefetch_related("stops__country")
    now = timezone.now()
    coming = list(services.upcoming(now, days=14))
    attention = services.needing_attention(now)
    tz = _viewer_tz(request)
    counts = services.warning_counts(trips)
    return {"trips": [(t, counts[t.pk]) for t in trips], "form": form or TripForm(), "may_plan": True,
            "viewer_tz": tz,
            "coming": [(e, local(e.starts_at, tz), local(e.ends_at, tz)) for e in coming],
            "attention": attention, "changes": PlanChange.objects.all()[:5]}


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
        capital_of = {e.host.slug: e.host.country.capital} | {
            p.person.delegation.slug: p.person.delegation.country.capital for p in e.participations.all()}
        days.setdefault(day, []).append({
            "engagement": e, "warnings": mine, "slots": [
                {"iso": s.start.isoformat(), "fits": s.fits,
                 "times": [(label, local(s.start, tz)) for label, tz in capitals],
                 "outside": [{"capital": capital_of.get(o.party, o.party), "hours": o.minutes // 60,
                              "minutes": f"{o.minutes % 60:02}"} for o in s.outside],
                 "holidays": [{"capital": capital_of.get(h.party, h.party), "name": h.name} for h in s.holidays]}
                for s in slots],
            "slots_fit": bool(slots) and slots[0].fits,
            "times": [(local(e.starts_at, tz), local(e.ends_at, tz)) for _, tz in capitals],
            "yours": (local(e.starts_at, viewer_tz), local(e.ends_at, viewer_tz)),
        })
    return {"capitals": capitals, "days": days, "warning_count": len(warnings), "viewer_tz": viewer_tz}


def _trip_context(request: HttpRequest, trip: Trip, **forms: Any) -> dict[str, Any]:
    may_plan = access.may_read_plans(request.user)
    stops = list(trip.stops.select_related("country"))
    return {"trip": trip, "may_plan": may_plan, "timezones": TIMEZONES,
            "stop_form": forms.get("stop_form") or StopForm(),
            "trip_form": forms.get("trip_form") or TripEditForm(initial={
                "title": trip.title, "traveller": trip.traveller_id, "description": trip.description}),
            "stops": [(s, forms.get(f"stop_{s.order}") or StopEditForm(prefix=f"s{s.order}", initial={
                "title": s.title, "arrives_on": s.arrives_on, "departs_on": s.departs_on})) for s in stops],
            "stop_error": forms.get("stop_error", ""),
            "notice": forms.get("notice", ""),
            "undo": forms.get("undo"),
            "reschedule_error": forms.get("reschedule_error", ""),
            "engagement_form": forms.get("engagement_form") or EngagementForm(trip=trip, initial={
                "host": trip.organizer, "timezone": trip.organizer.country.timezone}),
            **_timeline(trip, _viewer_tz(request))}


@login_required
def trip_detail(request: HttpRequest, slug: str) -> HttpResponse:
    trip = access.access_trip(request.user, slug, Trip.objects.select_related("organizer__country", "traveller"))
    return render(request, "trips/detail.html", _trip_context(request, trip))


def trip_body(request: HttpRequest, trip: Trip, status: int = 200, **forms: Any) -> HttpResponse:
    template = "trips/_body.html" if request.headers.get("HX-Request") else "trips/detail.html"
    return render(request, template, _trip_context(request, trip, **forms), status=status)


@require_POST
@permission_required(PLAN, raise_exception=True)
def stop_add(request: HttpRequest, slug: str) -> HttpResponse:
    trip = get_object_or_404(Trip, slug=slug)
    form = StopForm(request.POST)
    if not form.is_valid():
        return trip_body(request, trip, 400, stop_form=form)
    d = form.cleaned_data
    services.add_stop(trip, d["country"], d["title"], d["arrives_on"], d["departs_on"])
    return trip_body(request, trip, notice=_("Stop added."))


@require_POST
@permission_required(PLAN, raise_exception=True)
def engagement_add(request: HttpRequest, slug: str) -> HttpResponse:
    trip = get_object_or_404(Trip, slug=slug)
    form = EngagementForm(request.POST, trip=trip)
    if not form.is_valid():
        return trip_body(request, trip, 400, engagement_form=form)
    d = form.cleaned_data
    try:
        e = services.create_engagement(trip=trip, stop=d["stop"], slug=d["slug"], title=d["title"], kind=d["kind"],
                                   host=d["host"], starts_at=d["starts_at"], ends_at=d["ends_at"],
                                       invitees=[services.Invitee(p, r) for p, r in d["invitees"]],
                                       languages=d["languages"])
    except exchange.PlanError as exc:
        form.add_error(None, str(exc))
        return trip_body(request, trip, 400, engagement_form=form)
    from . import mail
    editing.tell_after_commit(request, lambda url: mail.notify_invited(e, list(e.participations.all()), url))
    return trip_body(request, trip, notice=_("“%(title)s” added: its participants are sent invitations. Add "
                                             "more people and segments on its page.") % {"title": e.title})


@permission_required(PLAN, raise_exception=True)
def engagement_new(request: HttpRequest) -> HttpResponse:
    """An engagement of no trip (a ministry's own meeting, a leaders' summit): then its page to add
    participants and segments."""
    form = EngagementForm(request.POST or None, trip=None)
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            e = services.create_engagement(trip=None, stop=None, slug=d["slug"], title=d["title"], kind=d["kind"],
                                           host=d["host"], starts_at=d["starts_at"], ends_at=d["ends_at"],
                                           invitees=[services.Invitee(p, r) for p, r in d["invitees"]],
                                           languages=d["languages"])
        except exchange.PlanError as exc:
            form.add_error(None, str(exc))
        else:
            from . import mail
            editing.tell_after_commit(request, lambda url: mail.notify_invited(e, list(e.participations.all()), url))
            messages.success(request, _("“%(title)s” added: its participants are sent invitations. Add more "
                                        "people and segments below.") % {"title": e.title})
            return redirect("engagement", e.slug)
    return render(request, "trips/engagement_new.html", {"form": form, "timezones": TIMEZONES},
                  status=400 if form.errors else 200)


@require_POST
@permission_required(PLAN, raise_exception=True)
def engagement_reschedule(request: HttpRequest, slug: str) -> HttpResponse:
    """Move to a suggested slot (or back: the confirmation offers to undo the move)."""
    e = get_object_or_404(Engagement.objects.select_related("trip", "host__country"), slug=slug)
    before = e.starts_at
    try:
        starts = datetime.fromisoformat(request.POST.get("starts_at", ""))
        services.reschedule(e, starts, actor=request.user.get_username())
    except (ValueError, exchange.PlanError) as exc:
        problem = str(exc) if isinstance(exc, exchange.PlanError) else _("That is not a valid start time.")
        if e.trip is not None:  # said where the officer is: on the trip's page, nothing moved
            return trip_body(request, e.trip, 400, reschedule_error=problem)
        return HttpResponseBadRequest(problem)
    from . import mail
    editing.tell_after_commit(request, lambda url: mail.notify_changed(e, url))
    when = local(e.starts_at, e.host.country.timezone)
    undone = request.POST.get("undo") == "1"
    notice = (_("Move undone: “%(title)s” is back at %(when)s.") if undone else
              _("“%(title)s” moved to %(when)s; participants' calendars are updated.")) % {
        "title": e.title, "when": f"{formats.date_format(when, 'SHORT_DATETIME_FORMAT')} ({e.host.country.capital})"}
    undo = None if undone else {"slug": e.slug, "starts_at": before.isoformat()}
    if e.trip is not None:
        return trip_body(request, e.trip, notice=notice, undo=undo)
    messages.success(request, notice)
    return redirect("engagement", e.slug)


@require_GET
@login_required
def trip_export(request: HttpRequest, slug: str) -> HttpResponse:
    trip = access.access_trip(request.user, slug)
    response = JsonResponse(exchange.export_trip(trip), json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="{trip.slug}.json"'
    return response


def _import_refused(request: HttpRequest, error: str) -> HttpResponse:
    return render(request, "trips/list.html", _list_context(request) | {"import_error": error}, status=400)


IMPORT_SALT = "summitry.plan-import"


@require_POST
@permission_required(PLAN, raise_exception=True)
def plan_import(request: HttpRequest) -> HttpResponse:
    """Step 1: read and check the file, and say what importing it would change. Nothing is saved yet."""
    upload = request.FILES.get("plan")
    if upload is None:
        return _import_refused(request, _("Choose a plan file (JSON) to import."))
    try:
        data = json.loads(upload.read().decode("utf-8"))
        seen = exchange.preview(data)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):  # nested past any plan
        return _import_refused(request, _("That file is not JSON."))
    except exchange.PlanError as exc:
        return _import_refused(request, _("Nothing was imported: %(problem)s") % {"problem": exc})
    return render(request, "trips/import_preview.html", {
        "preview": seen, "name": upload.name, "rows": summary_rows(seen.as_json()),
        "signed": signing.dumps({"plan": data, "by": request.user.pk, "nonce": secrets.token_urlsafe(24)},
                                salt=IMPORT_SALT, compress=True)})


@require_POST
@permission_required(PLAN, raise_exception=True)
def plan_import_confirm(request: HttpRequest) -> HttpResponse:
    """Step 2: import exactly the plan that was previewed, keeping what undoing it needs."""
    try:
        signed = signing.loads(request.POST.get("plan", ""), salt=IMPORT_SALT, max_age=3600)
    except signing.BadSignature:
        return _import_refused(request, _("That preview has expired: choose the file again."))
    if signed.get("by") != request.user.pk:
        return _import_refused(request, _("That preview was made for someone else: choose the file again."))
    if PlanChange.objects.filter(nonce=signed["nonce"]).exists():
        return _import_refused(request, _("That preview was imported already: choose the file again to import it "
                                          "once more."))
    try:
        change, counts = editing.confirm_import(request, signed["plan"], nonce=signed["nonce"])
    except exchange.PlanError as exc:
        return _import_refused(request, _("Nothing was imported: %(problem)s") % {"problem": exc})
    messages.success(request, _("Imported: %(n)s engagements, %(t)s trips.") % {
        "n": counts["engagements"], "t": counts["trips"]})
    return redirect("plan_change", change.pk)


def summary_rows(summary: dict[str, Any]) -> list[tuple[str, int, int]]:
    labels = {"countries": _("Countries"), "delegations": _("Delegations"), "people": _("People"),
              "trips": _("Trips"), "engagements": _("Engagements")}
    return [(label, len(summary["created"].get(k, [])), len(summary["updated"].get(k, [])))
            for k, label in labels.items()]


@require_GET
@permission_required(PLAN, raise_exception=True)
def plan_change(request: HttpRequest, pk: int) -> HttpResponse:
    change = get_object_or_404(PlanChange, pk=pk)
    return render(request, "trips/plan_change.html", _change_context(change))


def _change_context(change: PlanChange, **extra: Any) -> dict[str, Any]:
    return {"change": change, "rows": summary_rows(change.summary),
            "engagements": change.summary.get("engagements", []), **extra}


@require_POST
@permission_required(PLAN, raise_exception=True)
def plan_change_undo(request: HttpRequest, pk: int) -> HttpResponse:
    with transaction.atomic():
        change = get_object_or_404(PlanChange.objects.select_for_update(), pk=pk)
        if change.undone_at is not None:
            return render(request, "trips/plan_change.html", _change_context(
                change, undo_error=_("It was undone already.")), status=400)
        try:
            editing.undo_import(request, change)
        except exchange.PlanError as exc:
            return render(request, "trips/plan_change.html", _change_context(
                change, undo_error=_("Nothing was undone: %(problem)s") % {"problem": exc}), status=400)
        change.undone_at, change.undone_by = timezone.now(), request.user.get_username()
        change.save(update_fields=["undone_at", "undone_by"])
        record("plan_import_undone", actor=change.undone_by, change=change.pk)
    messages.success(request, _("The import was undone: everything it touched is as it was before."))
    return redirect("plan_change", change.pk)


def engagement_context(request: HttpRequest, e: Engagement) -> dict[str, Any]:
    """What the engagement page shows its reader."""
    role = access.reading_role(request.user, e)
    may_plan = access.may_read_plans(request.user)
    participants = services.ordered_participants(e)
    mine = access.participation_in(request.user, e)
    me = next((p for p in participants if mine is not None and p.pk == mine.pk), None)
    zones = OrderedDict((p.person.delegation.country.timezone, p.person.delegation.country.capital)
                        for p in participants)
    zones.setdefault(e.host.country.timezone, e.host.country.capital)
    tz = _viewer_tz(request)
    return {
        "e": e, "participants": participants, "me": me, "viewer_tz": tz,
        "yours": (local(e.starts_at, tz), local(e.ends_at, tz)),
        "capitals": [(label, local(e.starts_at, z), local(e.ends_at, z)) for z, label in zones.items()],
        "segments": [(seg, local(seg.starts_at, tz), local(seg.ends_at, tz),
                      access.segment_title_for(role, seg)) for seg in e.segments.all()],
        "warnings": services.warnings_for([e]) if may_plan else [],
        "may_plan": may_plan,
    }


@login_required
def engagement_detail(request: HttpRequest, slug: str) -> HttpResponse:
    e = access.access_engagement(request.user, slug, Engagement.objects.select_related(
        "host__country", "trip", "stop__country"))
    context = engagement_context(request, e)
    if context["may_plan"]:
        context |= editing.plan_context(e)
    return render(request, "trips/engagement.html", context)


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


@require_GET
@permission_required(PLAN, raise_exception=True)
def week_export(request: HttpRequest) -> HttpResponse:
    """The week's engagements of every ministry, with their trips, as a plan file."""
    try:
        start = date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        return HttpResponseBadRequest(_("Give the week as ?start=YYYY-MM-DD."))
    if not services.in_calendar(start):
        return HttpResponseBadRequest(_("Choose a week between the years %(first)s and %(last)s.") % {
            "first": services.CALENDAR_YEARS.start, "last": services.CALENDAR_YEARS.stop - 1})
    start -= timedelta(days=start.weekday())
    response = JsonResponse(exchange.export_week(start), json_dumps_params={"indent": 2, "ensure_ascii": False})
    response["Content-Disposition"] = f'attachment; filename="week-{start.isoformat()}.json"'
    return response


def _week_filters(request: HttpRequest) -> dict[str, Any]:
    """The ministries and countries to filter by: the whole directory for the protocol office, otherwise
    only those of the reader's own engagements (the directory is not theirs to read)."""
    delegations = Delegation.objects.all()
    if not access.may_read_plans(request.user):
        mine = access.visible_engagements(request.user, Engagement.objects.all())
        delegations = delegations.filter(Q(hosted_engagements__in=mine)
                                         | Q(people__participations__engagement__in=mine))
    return {"ministries": sorted(set(delegations.exclude(ministry="").values_list("ministry", flat=True))),
            "countries": sorted(set(delegations.values_list("country__code", "country__name")))}


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
        **_week_filters(request),
        "feed_token": access.feed_token(request.user),
    }, status=400 if start_error else 200)
