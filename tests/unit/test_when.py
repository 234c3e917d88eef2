# ruff: noqa: RUF002  (the docstrings show the en dashes and apostrophes the filters write)
"""The ``when`` template library: dates, times, zones and language names in English, French and Spanish,
rendered through real templates (so that the library's registration and Django's localtime rules are
what is tested)."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.template import Context, Template
from django.utils import translation

TORONTO, TOKYO, NEW_YORK = ZoneInfo("America/Toronto"), ZoneInfo("Asia/Tokyo"), ZoneInfo("America/New_York")
FRIDAY = datetime(2021, 2, 26, 13, 0, tzinfo=TORONTO)
THIN = "\u2009–\u2009"  # CLDR's interval fallback: thin space, en dash, thin space


def render(language: str, source: str, **context: object) -> str:
    with translation.override(language):
        return Template("{% load when tz %}{% localtime off %}" + source + "{% endlocaltime %}").render(
            Context(context))


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "Friday, 26 February 2021"),
    ("fr", "vendredi 26 février 2021"),
    ("es", "viernes, 26 de febrero de 2021"),
])
def test_day_long(language, expected):
    assert render(language, "{{ d|day_long }}", d=FRIDAY) == expected
    assert render(language, "{{ d|day_long }}", d=date(2021, 2, 26)) == expected


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "Fri 26 Feb"),
    ("fr", "ven. 26 févr."),
    ("es", "vie, 26 feb"),
])
def test_day_short(language, expected):
    assert render(language, "{{ d|day_short }}", d=FRIDAY) == expected


@pytest.mark.parametrize("language", ["en", "fr", "es"])
def test_hm_is_the_locales_24_hour_short_time(language):
    assert render(language, "{{ d|hm }}", d=FRIDAY) == "13:00"


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "13:00–14:00"),
    ("fr", f"13:00{THIN}14:00"),  # French sets the dash between spaces
    ("es", "13:00–14:00"),
])
def test_span_on_one_day(language, expected):
    assert render(language, "{% span s e %}", s=FRIDAY, e=FRIDAY + timedelta(hours=1)) == expected
    assert render(language, "{% span s e zone=True %}", s=FRIDAY,
                  e=FRIDAY + timedelta(hours=1)) == f"{expected} EST"


@pytest.mark.parametrize(("language", "expected"), [
    ("en", f"Fri 23:00{THIN}Sat 01:00 JST"),
    ("fr", f"ven. 23:00{THIN}sam. 01:00 JST"),
    ("es", f"vie, 23:00{THIN}sáb, 1:00 JST"),
])
def test_span_across_midnight_in_tokyo_names_both_days(language, expected):
    start = datetime(2021, 2, 26, 23, 0, tzinfo=TOKYO)
    assert render(language, "{% span s e zone=True %}", s=start, e=start + timedelta(hours=2)) == expected
    assert render(language, "{% span s e %}", s=start, e=start + timedelta(hours=2)) == expected.removesuffix(" JST")


def test_span_over_the_spring_gap_shows_each_ends_zone():
    """14 March 2021 in New York: 02:00–03:00 does not exist; one hour after 01:30 EST is 03:30 EDT."""
    start = datetime(2021, 3, 14, 1, 30, tzinfo=NEW_YORK)
    end = (start.astimezone(UTC) + timedelta(hours=1)).astimezone(NEW_YORK)
    assert render("en", "{% span s e %}", s=start, e=end) == f"01:30 EST{THIN}03:30 EDT"
    assert render("fr", "{% span s e zone=True %}", s=start, e=end) == f"01:30 EST{THIN}03:30 EDT"


def test_span_over_the_autumn_fold_tells_the_two_0130s_apart():
    """7 November 2021 in New York: 01:30 comes twice, first in EDT, then in EST."""
    first = datetime(2021, 11, 7, 1, 30, tzinfo=NEW_YORK)
    second = datetime(2021, 11, 7, 1, 30, fold=1, tzinfo=NEW_YORK)
    assert second.astimezone(UTC) - first.astimezone(UTC) == timedelta(hours=1)
    assert render("en", "{% span s e %}", s=first, e=second) == f"01:30 EDT{THIN}01:30 EST"
    assert render("es", "{% span s e zone=True %}", s=first, e=second) == f"1:30 EDT{THIN}1:30 EST"


def test_outside_localtime_off_values_are_shown_in_the_current_zone_like_djangos_date():
    with translation.override("en"):
        text = Template("{% load when tz %}{% timezone 'Asia/Tokyo' %}{{ d|hm }} {% span d e zone=True %}"
                        "{% endtimezone %}").render(Context({"d": FRIDAY, "e": FRIDAY + timedelta(hours=1)}))
    assert text == "03:00 03:00–04:00 JST"  # 13:00 in Toronto is 03:00 the next day in Tokyo


@pytest.mark.parametrize(("language", "toronto", "utc"), [
    ("en", "Eastern Time (Toronto)", "Coordinated Universal Time"),
    ("fr", "heure de l’Est nord-américain (Toronto)", "temps universel coordonné"),
    ("es", "hora oriental (Toronto)", "tiempo universal coordinado"),
])
def test_zone_name(language, toronto, utc):
    assert render(language, '{{ "America/Toronto"|zone_name }}') == toronto
    assert render(language, '{{ "UTC"|zone_name }}') == utc
    assert render(language, '{{ "Nowhere/Atlantis"|zone_name }}') == "Nowhere/Atlantis"


def test_zone_name_of_tokyo_in_spanish_spells_the_city_in_spanish():
    assert render("es", '{{ "Asia/Tokyo"|zone_name }}') == "hora de Japón (Tokio)"


@pytest.mark.parametrize(("language", "expected"), [
    ("en", "English, French"),
    ("fr", "anglais, français"),
    ("es", "inglés, francés"),
])
def test_language_names(language, expected):
    assert render(language, '{{ "en,fr"|language_names }}') == expected
    assert render(language, '{{ " EN, fr ,en"|language_names }}') == expected


def test_unknown_language_codes_and_non_dates_fall_back_quietly():
    assert render("fr", '{{ "en,qq"|language_names }}') == "anglais, QQ"
    assert render("fr", "{{ x|day_long }}|{{ x|hm }}|{% span x x %}", x="not a date") == "||"
