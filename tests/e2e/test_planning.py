"""A protocol officer plans a trip in Chromium: two stops, a warning, a suggested slot, an invitation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from icalendar import Calendar

from .conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.janus]
SHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


async def test_protocol_officer_builds_a_trip_and_fixes_a_working_hours_warning(server, launch, tmp_path):
    browser = await launch()
    page = await sign_in(browser, server, "protocol")
    await page.get_by_role("link", name="Trips").click()
    await page.get_by_label("Title").fill("Second virtual trip: Mexico and Canada")
    await page.get_by_label("Organizing delegation").select_option(label="United States: Department of State")
    await page.get_by_label("Traveller").select_option(label="Antony Blinken")
    await page.get_by_role("button", name="Create trip").click()
    await page.get_by_role("heading", name="Second virtual trip: Mexico and Canada").wait_for()

    for country, stop in (("Mexico", "1. Mexico City"), ("Canada", "2. Ottawa")):
        await page.get_by_label("Country").select_option(label=country)
        await page.get_by_role("button", name="Add stop").click()
        await page.get_by_text(stop, exact=True).wait_for()

    # 16 March 2021: Washington is on summer time, Mexico City is not yet. 08:00 in Washington is
    # 06:00 in Mexico City: outside its working hours.
    form = page.locator("form", has=page.get_by_role("heading", name="Add an engagement"))
    # A mistyped time zone: the server's sentence appears beside the field, and what was typed stays.
    await form.get_by_label("Title").fill("Early call with Mexico City")
    await form.get_by_label("Time zone of the times above").fill("America/Mexico_Cty")
    await form.get_by_label("Date").fill("2021-03-16")
    await form.get_by_role("button", name="Add engagement").click()
    error = page.locator("#id_timezone-error")
    await error.wait_for()
    assert "Unknown time zone" in await error.inner_text()
    form = page.locator("form", has=page.get_by_role("heading", name="Add an engagement"))
    assert await form.get_by_label("Title").input_value() == "Early call with Mexico City"
    assert await form.get_by_label("Time zone of the times above").get_attribute("aria-invalid") == "true"
    await form.get_by_label("Time zone of the times above").fill("America/New_York")
    await form.get_by_label("Title").fill("Early call with Mexico City")
    await form.get_by_label("Stop").select_option(label="Mexico City")
    await form.get_by_label("Date").fill("2021-03-16")
    await form.get_by_label("Starts at").fill("08:00")
    await form.get_by_label("Principals").select_option(label=["Antony Blinken", "Marcelo Ebrard"])
    await form.get_by_role("button", name="Add engagement").click()

    warning = page.locator(".warning-outside_working_hours", has_text="in Mexico City")
    await warning.wait_for()
    assert "06:00–07:00 in Mexico City" in await warning.inner_text()
    assert await page.locator(".warning-outside_working_hours", has_text="in Washington").count() == 1
    row = page.locator("#row-early-call-with-mexico-city")
    assert "08:00–09:00" in await row.inner_text()

    slot = page.locator(".btn-slot").first
    label = await slot.inner_text()
    assert "11:00 Washington, DC" in label and "09:00 Mexico City" in label
    await slot.click()
    await page.get_by_text("No conflicts").wait_for()
    assert "11:00–12:00" in await row.inner_text()
    await page.screenshot(path=str(tmp_path / "trip.png"), full_page=True)
    if os.environ.get("SUMMITRY_UPDATE_SCREENSHOTS"):
        await page.goto(f"{server.url}/trips/first-virtual-trip/")
        clip = {"x": 0, "y": 0, "width": 1280, "height": 620}
        await page.screenshot(path=str(SHOTS / "trip-timeline.png"), clip=clip)

    # Mexico's secretary downloads the invitation: it is in Mexico City's time
    guest = await sign_in(browser, server, "ebrard")
    await guest.goto(f"{server.url}/engagements/early-call-with-mexico-city/")
    async with guest.expect_download() as info:
        await guest.get_by_role("link", name="Add to my calendar (.ics)").click()
    download = await info.value
    path = tmp_path / "invitation.ics"
    await download.save_as(path)
    cal = Calendar.from_ical(path.read_bytes())
    event = cal.walk("VEVENT")[0]
    start, end = event.decoded("dtstart"), event.decoded("dtend")
    assert str(start.tzinfo) == "America/Mexico_City"
    assert (start.hour, start.minute, end.hour) == (9, 0, 10)
    assert start.utcoffset().total_seconds() == -6 * 3600
    assert int(event["SEQUENCE"]) == 1  # moved once after it was created
