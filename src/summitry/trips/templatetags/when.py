# ruff: noqa: RUF002  (the docstrings show the en dashes and apostrophes the filters write)
"""Dates, times, time zones and language names in the reader's language, with Babel's (CLDR's) forms.

Django's ``date`` filter takes one format for every language ("j F Y" gives "26 febrero 2021" in
Spanish, which has "26 de febrero de 2021"); CLDR knows each locale's own. Every filter here speaks
the active Django language. Like ``date``, the filters show an aware datetime in the template's
current time zone, so ``{% localtime off %}`` (values already converted to a capital's clock) and
``{% timezone %}`` work as they do with Django's.

    {% load when %}
    {{ dt|day_long }}    Friday, 26 February 2021 · vendredi 26 février 2021 · viernes, 26 de febrero de 2021
    {{ dt|day_short }}   Fri 26 Feb · ven. 26 févr. · vie, 26 feb
    {{ dt|hm }}          13:00
    {% span start end %}             13:00–14:00; across midnight: Fri 23:00 – Sat 01:00
    {% span start end zone=True %}   … JST (each end's own abbreviation when they differ: a DST change)
    {{ "America/Toronto"|zone_name }}  Eastern Time (Toronto) · heure de l’Est nord-américain (Toronto)
    {{ "en,fr"|language_names }}       English, French · anglais, français · inglés, francés
"""

from __future__ import annotations

from datetime import date, datetime, time
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from babel import Locale, UnknownLocaleError
from babel import dates as babel_dates
from django import template
from django.template.context import Context
from django.utils import translation
from django.utils.timezone import template_localtime

from summitry.domain.interpretation import parse_languages

register = template.Library()

# Summitry writes British English ("Honourable", "26 February 2021"); the other languages as CLDR has them.
_LOCALES = {"en": "en_GB"}
_UTC_ZONES = frozenset({"UTC", "Etc/UTC", "Etc/UCT", "Etc/Zulu", "Zulu", "UCT", "Universal", "Etc/Universal",
                        "GMT", "Etc/GMT", "Etc/Greenwich"})


@lru_cache(maxsize=32)
def _locale_for(language: str) -> Locale:
    code = language.lower()
    try:
        return Locale.parse(_LOCALES.get(code, translation.to_locale(code)))
    except (UnknownLocaleError, ValueError):
        base = code.split("-")[0]
        try:
            return Locale.parse(_LOCALES.get(base, base))
        except (UnknownLocaleError, ValueError):
            return Locale.parse("en_GB")


def current_locale() -> Locale:
    """The Babel locale of the active Django language."""
    return _locale_for(translation.get_language() or "en")


def _when(value: Any) -> datetime | date | None:
    return value if isinstance(value, date) else None


@register.filter(expects_localtime=True)
def day_long(value: Any) -> str:
    """The full date: "Friday, 26 February 2021"."""
    when = _when(value)
    return babel_dates.format_date(when, "full", locale=current_locale()) if when is not None else ""


@register.filter(expects_localtime=True)
def day_short(value: Any) -> str:
    """Weekday, day and month, abbreviated as the locale does: "Fri 26 Feb", "ven. 26 févr."."""
    when = _when(value)
    return babel_dates.format_skeleton("MMMEd", when, locale=current_locale()) if when is not None else ""


def _hm(value: datetime | time) -> str:
    return babel_dates.format_time(value, "short", locale=current_locale())


@register.filter(expects_localtime=True)
def hm(value: Any) -> str:
    """The locale's short time: "13:00"."""
    return _hm(value) if isinstance(value, datetime | time) else ""


def _abbreviation(value: datetime) -> str:
    return value.tzname() or ""


def format_span(start: datetime, end: datetime, zone: bool = False) -> str:
    """From start to end, each on its own clock (no conversion here).

    Same date: Babel's interval ("13:00–14:00"). Across midnight: each end with its weekday
    ("Fri 23:00 – Sat 01:00"). On a DST change the two ends have different offsets (in the autumn
    even the same wall time twice), so each end then carries its own abbreviation
    ("01:30 EDT – 01:30 EST"), asked for or not: without it the span would read wrong.
    """
    locale = current_locale()
    joined = locale.interval_formats.get(None, "{0} – {1}")
    offsets_differ = start.utcoffset() != end.utcoffset()
    if offsets_differ:
        if start.date() == end.date():
            first, last = _hm(start), _hm(end)
        else:
            first = babel_dates.format_skeleton("EHm", start, locale=locale)
            last = babel_dates.format_skeleton("EHm", end, locale=locale)
        return joined.format(f"{first} {_abbreviation(start)}".strip(), f"{last} {_abbreviation(end)}".strip())
    if start.date() == end.date():
        text = babel_dates.format_interval(start.time(), end.time(), "Hm", locale=locale)
    else:
        text = joined.format(babel_dates.format_skeleton("EHm", start, locale=locale),
                             babel_dates.format_skeleton("EHm", end, locale=locale))
    abbreviation = _abbreviation(start) if zone else ""
    return f"{text} {abbreviation}" if abbreviation else text


@register.simple_tag(takes_context=True)
def span(context: Context, start: Any, end: Any, zone: bool = False) -> str:
    """``{% span start end %}`` or ``{% span start end zone=True %}``: see ``format_span``."""
    if not isinstance(start, datetime) or not isinstance(end, datetime):
        return ""
    return format_span(template_localtime(start, context.use_tz), template_localtime(end, context.use_tz), zone)


def localized_zone_name(zone: str) -> str:
    """An IANA zone as readers know it: "Eastern Time (Toronto)", "heure du Japon (Tokyo)".

    CLDR's generic name of the zone's metazone with its exemplar city, joined by the locale's own
    fallback pattern; UTC by its name alone. An unknown zone is shown as given."""
    locale = current_locale()
    if zone in _UTC_ZONES:
        utc = locale.time_zones.get("Etc/UTC", {}).get("long", {}).get("standard")
        return str(utc) if utc else zone
    try:
        tz = ZoneInfo(zone)
    except (ZoneInfoNotFoundError, ValueError):
        return zone
    name = babel_dates.get_timezone_name(tz, "long", "generic", locale=locale)
    city = babel_dates.get_timezone_location(tz, locale=locale, return_city=True)
    if not city or city in name:
        return name
    return str(locale.zone_formats["fallback"] % {"0": city, "1": name})


@register.filter
def zone_name(value: Any) -> str:
    return localized_zone_name(str(value)) if value else ""


def localized_language_names(codes: str) -> str:
    """``"en,fr"`` → "English, French" (or "anglais, français"): each code's name in the reader's
    language, in the order given; a code CLDR does not know is shown in capitals."""
    names = current_locale().languages
    return ", ".join(str(names.get(code, code.upper())) for code in parse_languages(codes))


@register.filter
def language_names(value: Any) -> str:
    return localized_language_names(str(value)) if value else ""
