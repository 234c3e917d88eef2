"""A protocol officer reading in French sees the demo trip's planning warnings in French, wherever they
are shown: the trip's timeline, the engagement's page and the landing page's (``/trips/``) "needs attention"; an
English reader still reads them in English."""

import html
import re
from datetime import UTC, datetime, time, timedelta

import pytest
from django.conf import settings
from django.test import Client
from django.utils import timezone

from summitry.meetings.models import Engagement

pytestmark = [pytest.mark.postgres]
PASSWORD = "summitry-demo-2021"
THIN = "\u2009–\u2009"
TITLE = "Mexico: Secretary Blinken with Secretaries Ebrard and Clouthier"
# 09:30 in Washington is 08:30 in Mexico City, half an hour before its working day
FRENCH = (f"{TITLE} : ven. 26 févr., 08:30{THIN}09:30 à Mexico City (Mexico: Secretaría de Relaciones "
          f"Exteriores), en dehors de ses heures de travail (09:00{THIN}18:00)")


def _reader(language: str) -> Client:
    client = Client()
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    assert client.login(username="protocol", password=PASSWORD)
    return client


def _warnings(page: bytes, code: str = "") -> list[str]:
    """The text of each warning on the page (of one code, where the page marks them by code)."""
    marked = rf'class="warning warning-{code}"' if code else r'class="warning[^"]*"'
    return [re.sub(r"[ \t\n]+", " ", html.unescape(re.sub(r"<[^>]+>", "", li))).strip().removeprefix("⚠ ")
            for li in re.findall(rf"<li {marked}>(.*?)</li>", page.decode(), re.S)]


def test_the_trip_timeline_says_its_warnings_in_french(scenario):
    page = _reader("fr").get("/trips/first-virtual-trip/")
    assert page.status_code == 200
    said = _warnings(page.content, "outside_working_hours")
    assert FRENCH in said
    assert len(said) == 2 and all("en dehors de ses heures de travail" in w for w in said)
    assert not any("outside its working hours" in w or "Fri" in w for w in _warnings(page.content))


def test_the_engagement_page_says_them_in_french(scenario):
    page = _reader("fr").get("/engagements/mexico-bilateral/")
    assert page.status_code == 200
    assert FRENCH in _warnings(page.content)


def test_the_landing_page_says_what_needs_attention_in_french(scenario):
    # the demo is in 2021: its Mexico bilateral moved to a Wednesday to come, still 08:30 in Mexico City
    # (UTC-6 all year since 2022) and 09:30 or 10:30 in Washington
    day = (timezone.now() + timedelta(days=7)).date()
    day += timedelta(days=(2 - day.weekday()) % 7)
    starts = datetime.combine(day, time(14, 30), tzinfo=UTC)
    Engagement.objects.filter(slug="mexico-bilateral").update(starts_at=starts, ends_at=starts + timedelta(hours=1))
    page = _reader("fr").get("/trips/")
    assert page.status_code == 200
    said = [w for w in _warnings(page.content) if "Mexico City" in w]
    assert said and all(f"08:30{THIN}09:30 à Mexico City" in w for w in said), said
    assert all("en dehors de ses heures de travail" in w for w in said)
    english = [w for w in _warnings(_reader("en").get("/trips/").content) if "Mexico City" in w]
    assert english and all("08:30–09:30 in Mexico City" in w and "outside its working hours" in w for w in english)


def test_an_english_reader_reads_them_in_english(scenario):
    said = _warnings(_reader("en").get("/trips/first-virtual-trip/").content, "outside_working_hours")
    assert f"{TITLE}: Fri 26 Feb, 08:30–09:30 in Mexico City (Mexico: Secretaría de Relaciones Exteriores), " \
           "outside its working hours (09:00–18:00)" in said
