# ruff: noqa: RUF002  (the docstring shows the en dashes the sentences carry)
"""Planning warnings said in the reader's language.

``summitry.domain.planning`` knows no languages: each ``PlanWarning`` carries a stable ``code``, an
English ``message`` and its ``params``. Here each code has one sentence of the catalogue, filled with
the params: times on the place's clocks through ``when`` (CLDR's forms, "ven. 26 févr., 08:30–09:30"),
the day of a public holiday in full, and the holiday's own name in the reader's language where the
holiday calendar has it ("Fête de la famille" for Ontario's Family Day). A code this module does not
know is shown by its English message rather than not at all.

    {% load plan_warnings %}{{ w|warning_text }}
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time
from functools import lru_cache

import holidays as holiday_calendars
from django.utils import translation
from django.utils.translation import gettext as _

from summitry.domain.planning import PlanWarning, local

from .templatetags.when import day_long, day_short, format_span


def text(w: PlanWarning) -> str:
    """The warning's sentence in the active language."""
    say = _SENTENCES.get(w.code)
    return say(w) if say is not None and w.params else w.message


def _outside_working_hours(w: PlanWarning) -> str:
    tz = w.param("tz")
    start = local(datetime.fromisoformat(w.param("start")), tz)
    end = local(datetime.fromisoformat(w.param("end")), tz)
    when = (f"{day_short(start)}, {format_span(start, end)}" if start.date() == end.date()
            else format_span(start, end))
    day = start.date()
    hours = format_span(datetime.combine(day, time.fromisoformat(w.param("opens"))),
                        datetime.combine(day, time.fromisoformat(w.param("closes"))))
    return _("%(title)s: %(when)s in %(place)s, outside its working hours (%(hours)s)") % {
        "title": w.param("title"), "when": when, "place": w.param("place"), "hours": hours}


def _public_holiday(w: PlanWarning) -> str:
    day = date.fromisoformat(w.param("day"))
    name = _holiday_name(w.param("country"), w.param("subdivision"), day, translation.get_language() or "en")
    return _("%(title)s: %(day)s is %(holiday)s in %(place)s") % {
        "title": w.param("title"), "day": day_long(day), "holiday": name or w.param("holiday"),
        "place": w.param("place")}


def _double_booked(w: PlanWarning) -> str:
    return _("%(person)s is in both %(first)s and %(second)s") % {
        "person": w.param("person"), "first": w.param("first"), "second": w.param("second")}


def _interpreter_no_break(w: PlanWarning) -> str:
    return _("%(person)s interprets %(minutes)s min without a %(pause)s-minute break") % {
        "person": w.param("person"), "minutes": w.param("minutes"), "pause": w.param("pause")}


_SENTENCES: dict[str, Callable[[PlanWarning], str]] = {
    "outside_working_hours": _outside_working_hours,
    "public_holiday": _public_holiday,
    "double_booked": _double_booked,
    "interpreter_no_break": _interpreter_no_break,
}


@lru_cache(maxsize=256)
def _holiday_name(country: str, subdivision: str, day: date, language: str) -> str:
    """The holiday's name in ``language`` where the country's calendar is kept in it, else "" (the
    domain's name stands). English stays the domain's own, so that every page names it alike."""
    code = language.split("-")[0].lower()
    if code == "en":
        return ""
    for subdiv in dict.fromkeys((subdivision or None, None)):
        try:
            calendar = holiday_calendars.country_holidays(country, subdiv=subdiv, years=day.year)
        except NotImplementedError:
            continue
        if code not in (calendar.supported_languages or ()):
            return ""
        name = holiday_calendars.country_holidays(country, subdiv=subdiv, years=day.year, language=code).get(day)
        return str(name) if name else ""
    return ""
