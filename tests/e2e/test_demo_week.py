"""A protocol officer builds the demo week (26 February 2021 and the days around it) from an empty
database, using only Summitry's pages in Chromium: the directory, the trip, its stops, eight
engagements with their participants, booths and segments. The week it exports is the scenario's."""

from __future__ import annotations

import json
import os
import subprocess
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from .conftest import HERE, PASSWORD, SUMMITRY, wait_until_serving

pytestmark = [pytest.mark.e2e, pytest.mark.janus]
SCENARIO = json.loads((HERE.parents[1] / "src" / "summitry" / "demo" / "scenario.json").read_text())
EMPTY_PORT = 8766
EXPORT = "import json, datetime; from summitry.trips.exchange import export_week; " \
         "print(json.dumps(export_week(datetime.date(2021, 2, 22))))"


def _env(data_dir, testnet):
    env = {**os.environ, "SUMMITRY_DATA_DIR": str(data_dir), "SUMMITRY_OFFICER_PASSWORD": PASSWORD,
           "SUMMITRY_ALLOWED_HOSTS": f"{testnet.server_ip},127.0.0.1,localhost"}
    env.pop("SUMMITRY_DATABASE_URL", None)
    return env


def _run(env, *args):
    done = subprocess.run([*SUMMITRY, *args], env=env, capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.fixture
def empty_server(testnet, tmp_path):
    """Summitry on an empty database, with nothing but its first protocol officer (from the command line)."""
    env = _env(tmp_path / "empty", testnet)
    (tmp_path / "empty").mkdir()
    _run(env, "migrate", "-v0")
    _run(env, "protocol_officer", "protocol")
    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115
    proc = subprocess.Popen([*SUMMITRY, "serve", "--no-janus", "--host", "0.0.0.0", "--port", str(EMPTY_PORT)],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://{testnet.server_ip}:{EMPTY_PORT}"
    wait_until_serving(url, proc, tmp_path / "serve.log")
    yield url, env
    proc.terminate()
    proc.wait(15)
    log.close()


def _normalized(plan):
    """The plan with every slug replaced by what a person reads (names, titles): the pages make their own
    addresses, so two plans are the same when they say the same things."""
    delegations = {d["slug"]: d["name"] for d in plan["delegations"]}
    people = {p["slug"]: f'{p["given_name"]} {p["family_name"]}' for p in plan["people"]}
    trips = {t["slug"]: t["title"] for t in plan["trips"]}
    out = {
        "countries": sorted(plan["countries"], key=lambda c: c["code"]),
        "delegations": sorted(({**d, "slug": d["name"]} for d in plan["delegations"]), key=lambda d: d["name"]),
        "people": sorted(({**p, "slug": people[p["slug"]], "delegation": delegations[p["delegation"]]}
                          for p in plan["people"]), key=lambda p: p["slug"]),
        "trips": sorted(({**t, "slug": t["title"], "organizer": delegations[t["organizer"]],
                          "traveller": people.get(t["traveller"])} for t in plan["trips"]), key=lambda t: t["slug"]),
        "engagements": sorted(({
            **e, "slug": e["title"], "host": delegations[e["host"]], "trip": trips.get(e["trip"]),
            "participants": sorted(({**p, "person": people[p["person"]]} for p in e["participants"]),
                                   key=lambda p: p["person"]),
        } for e in plan["engagements"]), key=lambda e: e["slug"]),
    }
    return out


def _wall(value, tz, to):
    return datetime.fromisoformat(value).replace(tzinfo=ZoneInfo(tz)).astimezone(ZoneInfo(to))


async def _submit(page, form, button, done):
    await form.get_by_role("button", name=button).click()
    await page.get_by_text(done).first.wait_for()


async def test_a_protocol_officer_builds_the_demo_week_from_an_empty_database(empty_server, launch, tmp_path):
    url = empty_server[0]
    browser = await launch(fake_devices=False, grant_devices=False)
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    await context.add_cookies([{"name": "django_language", "value": "en", "url": url}])
    page = await context.new_page()
    page.on("pageerror", lambda e: print(f"[page error] {e}"))
    await page.goto(f"{url}/accounts/login/")
    await page.get_by_label("User name").fill("protocol")
    await page.get_by_label("Password").fill(PASSWORD)
    await page.get_by_role("button", name="Sign in").click()
    await page.wait_for_url(f"{url}/")

    # The directory: countries, delegations, people
    await page.get_by_role("link", name="Directory").first.click()
    names = {}
    for c in SCENARIO["countries"]:
        await page.goto(f"{url}/directory/countries/new")
        await page.get_by_label("ISO code").fill(c["code"])
        await page.get_by_label("Name", exact=True).fill(c["name"])
        await page.get_by_label("Capital", exact=True).fill(c["capital"])
        await page.get_by_label("Time zone of the capital").fill(c["timezone"])
        await page.get_by_label("Capital's region for public holidays").fill(c["holiday_subdivision"])
        await page.get_by_role("button", name="Add to the directory").click()
        await page.wait_for_url(f"{url}/directory/**")
        names[c["code"]] = c["name"]
    delegation_names = {}
    for d in SCENARIO["delegations"]:
        await page.goto(f"{url}/directory/delegations/new")
        await page.get_by_label("Name", exact=True).fill(d["name"])
        await page.get_by_label("Country").select_option(label=names[d["country"]])
        await page.get_by_label("Ministry").fill(d["ministry"])
        hours = d.get("working_hours", {})
        await page.get_by_label("Working day starts").fill(hours.get("start", "09:00"))
        await page.get_by_label("Working day ends").fill(hours.get("end", "18:00"))
        days = hours.get("days", [1, 2, 3, 4, 5])
        for n, day in enumerate(("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
                                start=1):
            await page.get_by_label(day, exact=True).set_checked(n in days)
        await page.get_by_role("button", name="Add to the directory").click()
        await page.wait_for_url(f"{url}/directory/**")
        delegation_names[d["slug"]] = d["name"]
    person_names = {}
    for p in SCENARIO["people"]:
        await page.goto(f"{url}/directory/people/new")
        await page.get_by_label("Delegation").select_option(label=delegation_names[p["delegation"]])
        await page.get_by_label("Given name").fill(p["given_name"])
        await page.get_by_label("Family name").fill(p["family_name"])
        await page.get_by_label("Honorific (optional)").fill(p.get("honorific", ""))
        await page.get_by_label("Title (optional)", exact=True).fill(p.get("title", ""))
        await page.get_by_label("Rank").fill(str(p.get("rank", 100)))
        await page.get_by_label("Language of Summitry's pages").select_option(p.get("language", "en"))
        await page.get_by_label("Time zone (optional)", exact=True).fill(p.get("timezone", ""))
        await page.get_by_label("Sign-in name (optional)").fill(p.get("username") or "")
        await page.get_by_role("button", name="Add to the directory").click()
        await page.wait_for_url(f"{url}/directory/**")
        person_names[p["slug"]] = f'{p["given_name"]} {p["family_name"]}'
    await page.screenshot(path=str(tmp_path / "directory.png"), full_page=True)

    # The trip and its stops
    t = SCENARIO["trips"][0]
    await page.get_by_role("link", name="Trips").click()
    new_trip = page.locator("form", has=page.get_by_role("heading", name="New trip"))
    await new_trip.get_by_label("Title").fill(t["title"])
    await new_trip.get_by_label("Organizing delegation").select_option(label=delegation_names[t["organizer"]])
    await new_trip.get_by_label("Traveller").select_option(label=person_names[t["traveller"]])
    await new_trip.get_by_label("Description").fill(t["description"])
    await new_trip.get_by_role("button", name="Create trip").click()
    await page.get_by_role("heading", name=t["title"]).wait_for()
    trip_url = page.url
    for n, s in enumerate(t["stops"], start=1):
        form = page.locator("form", has=page.get_by_role("heading", name="Add a stop"))
        await form.get_by_label("Country").select_option(label=names[s["country"]])
        await form.get_by_label("Title (optional)").fill(s.get("title", ""))
        await _submit(page, form, "Add stop", f"{n}. {s['title']}")

    # The engagements: on the trip's page, or of no trip from the landing page; then each one's page
    stop_titles = {n: s["title"] for n, s in enumerate(t["stops"], start=1)}
    for e in SCENARIO["engagements"]:
        host = next(d for d in SCENARIO["delegations"] if d["slug"] == e["host"])
        host_tz = next(c["timezone"] for c in SCENARIO["countries"] if c["code"] == host["country"])
        starts, ends = datetime.fromisoformat(e["starts"]), datetime.fromisoformat(e["ends"])
        principals = [p for p in e["participants"] if p["role"] in ("host", "principal")]
        if e.get("trip"):
            await page.goto(trip_url)
            form = page.locator("form", has=page.get_by_role("heading", name="Add an engagement"))
        else:
            await page.goto(f"{url}/engagements/new")
            form = page.locator("form", has=page.get_by_role("button", name="Add engagement"))
        await form.get_by_label("Title").fill(e["title"])
        await form.get_by_label("Kind").select_option(e["kind"])
        if e.get("stop"):
            await form.get_by_label("Stop").select_option(label=stop_titles[e["stop"]])
        await form.get_by_label("Host delegation").select_option(label=delegation_names[e["host"]])
        await form.get_by_label("Date").fill(starts.date().isoformat())
        await form.get_by_label("Starts at").fill(starts.strftime("%H:%M"))
        await form.get_by_label("Duration (minutes)").fill(str(int((ends - starts).total_seconds() // 60)))
        await form.get_by_label("Time zone of the times above").fill(e["timezone"])
        for code, label in (("en", "English"), ("fr", "French"), ("es", "Spanish")):
            await form.get_by_label(label, exact=True).set_checked(code in e.get("languages", ["en"]))
        await form.get_by_label("Principals").select_option(label=[person_names[p["person"]] for p in principals])
        await form.get_by_role("button", name="Add engagement").click()
        if e.get("trip"):
            await page.get_by_text(f"“{e['title']}” added").wait_for()
            await page.get_by_role("link", name=e["title"]).first.click()
        await page.get_by_role("heading", name=e["title"], exact=True).wait_for()
        for p in e["participants"]:
            if p in principals:
                continue
            form = page.locator("form", has=page.get_by_role("heading", name="Add a participant"))
            await form.get_by_label("Person").select_option(label=person_names[p["person"]])
            await form.get_by_label("Role").select_option(p["role"])
            await form.get_by_label("Booth (interpreters)").select_option(p.get("booth") or "")
            if p.get("precedence"):
                await form.get_by_label("Place in the order (optional)").fill(str(p["precedence"]))
            await _submit(page, form, "Add participant", f"{person_names[p['person']]} added.")
        for seg in e.get("segments", []):
            form = page.locator("form", has=page.get_by_role("heading", name="Add a segment"))
            await form.get_by_label("Kind").select_option(seg["kind"])
            await form.get_by_label("Title").fill(seg["title"])
            on_host_clock = [_wall(seg[k], e["timezone"], host_tz).strftime("%Y-%m-%dT%H:%M")
                             for k in ("starts", "ends")]
            await form.get_by_label("Starts").fill(on_host_clock[0])
            await form.get_by_label("Ends").fill(on_host_clock[1])
            await _submit(page, form, "Add segment", "Segment added.")
    await page.goto(trip_url)
    await page.screenshot(path=str(tmp_path / "trip.png"), full_page=True)

    # What the officer built says exactly what the scenario says
    response = await page.request.get(f"{url}/calendar/export.json?start=2021-02-22")
    assert response.ok
    built = await response.json()
    scenario_env = _env(tmp_path / "scenario", type("N", (), {"server_ip": "127.0.0.1"}))
    (tmp_path / "scenario").mkdir()
    _run(scenario_env, "migrate", "-v0")
    _run(scenario_env, "load_scenario")
    expected = json.loads(_run(scenario_env, "shell", "-v", "0", "-c", EXPORT))
    assert len(built["engagements"]) == len(SCENARIO["engagements"])
    assert _normalized(built) == _normalized(expected)
