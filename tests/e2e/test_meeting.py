"""A meeting end to end: two Chromium browsers (Washington, Ottawa) and one aiortc bot (Mexico City)
join one engagement through Summitry and Janus; what arrives is checked where it arrives."""

from __future__ import annotations

import asyncio
import json
import os
import shutil
from pathlib import Path

import pytest

from .conftest import sign_in

pytestmark = [pytest.mark.e2e, pytest.mark.janus]

SLUG = "north-american-trilateral"
WASHINGTON_HZ, OTTAWA_HZ, MEXICO_HZ = 660.0, 550.0, 440.0
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


async def feeds_decoding(page, n: int, timeout: float = 25.0) -> dict:
    """Wait until ``n`` remote feeds have decoded frames and keep decoding; return their stats."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    stats: dict = {}
    while loop.time() < deadline:
        stats = await page.evaluate("window.summitryRoom ? window.summitryRoom.stats() : {}")
        if sum(1 for s in stats.values() if s["framesDecoded"] > 5) >= n:
            await asyncio.sleep(1.0)
            later = await page.evaluate("window.summitryRoom.stats()")
            if all(later[f]["framesDecoded"] > stats[f]["framesDecoded"] for f in stats):
                return later
        await asyncio.sleep(0.25)
    e2ee = await page.evaluate("window.summitryRoom ? window.summitryRoom.e2ee() : null")
    raise AssertionError(f"expected {n} decoding feeds, got {stats}; e2ee {e2ee}")


def feed_of(server, username: str) -> int:
    return server.query(
        "SELECT p.publisher_id FROM meetings_participation p JOIN accounts_person pe ON p.person_id = pe.id "
        "JOIN auth_user u ON pe.user_id = u.id JOIN meetings_engagement e ON p.engagement_id = e.id "
        "WHERE u.username = ? AND e.slug = ?", username, SLUG)[0][0]


async def open_room(page, server, slug=SLUG, until="live"):
    await page.goto(f"{server.url}/engagements/{slug}/room")
    await page.get_by_role("button", name="Join meeting").click()
    await page.wait_for_selector(f".room[data-state='{until}']", timeout=15000)


async def leave(page):
    """Leave, and wait until Summitry has revoked the visit (so the next test starts clean)."""
    await page.get_by_role("button", name="Leave").click()
    await page.wait_for_selector(".room[data-state='left']", timeout=10000)


def admit(server, person, slug=SLUG):
    """The operator admits someone from the command line (the host does it in the page below)."""
    done = server.run("lobby", slug, "--admit", person)
    assert done.returncode == 0, done.stderr


def forget_admission(server, person, slug=SLUG):
    """As if the person never asked: an admission lasts for the engagement, and other tests admit."""
    server.query("DELETE FROM meetings_admission WHERE participation_id IN (SELECT p.id FROM meetings_participation p "
                 "JOIN accounts_person pe ON p.person_id = pe.id JOIN meetings_engagement e ON p.engagement_id = e.id "
                 "WHERE pe.slug = ? AND e.slug = ?)", person, slug)


async def test_two_browsers_and_a_bot_see_and_hear_each_other(server, launch, tmp_path):
    forget_admission(server, "marc-garneau")  # he waits in the lobby, whoever admitted him before
    washington = await sign_in(await launch(tone=WASHINGTON_HZ), server, "blinken")
    ottawa = await sign_in(await launch(tone=OTTAWA_HZ), server, "garneau")
    await open_room(washington, server)  # the host: no lobby
    await open_room(ottawa, server, until="waiting")  # a guest waits until the host admits
    assert await ottawa.locator(".tile").count() == 0
    admit_button = washington.get_by_role("button", name="Admit Marc Garneau")
    await admit_button.wait_for()
    if os.environ.get("SUMMITRY_UPDATE_SCREENSHOTS"):
        await washington.screenshot(path=str(SCREENSHOTS / "lobby-host.png"))
        await ottawa.screenshot(path=str(SCREENSHOTS / "lobby-guest.png"))
    await admit_button.click()
    await ottawa.wait_for_selector(".room[data-state='live']", timeout=15000)
    assert await washington.locator("#lobby").is_hidden()

    report = tmp_path / "mexico.json"
    bot = server.bot(SLUG, "--as", "marcelo-ebrard", "--tone", str(MEXICO_HZ), "--seconds", "14",
                     "--report", str(report))
    try:
        # each browser decodes video from both others
        for page in (washington, ottawa):
            stats = await feeds_decoding(page, 2)
            assert len(stats) == 2
        # the gallery names, titles and countries each participant (roster order: host first)
        names = await ottawa.locator(".tile .name").all_inner_texts()
        assert names == ["Antony Blinken", "Marc Garneau (You)", "Marcelo Ebrard"]
        titles = await ottawa.locator(".tile .title").all_inner_texts()
        assert titles[0] == "Secretary of State of the United States"
        countries = [await c.text_content() for c in await ottawa.locator(".tile .country").all()]
        assert countries == ["United States", "Canada", "Mexico"]
        if os.environ.get("SUMMITRY_UPDATE_SCREENSHOTS"):
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            await ottawa.screenshot(path=str(SCREENSHOTS / "meeting-room.png"))
        await ottawa.screenshot(path=str(tmp_path / "meeting-room.png"))

        # mute and camera toggles say what they do
        washington_feed = feed_of(server, "blinken")
        await washington.get_by_role("button", name="Mute").click()
        assert await washington.locator("#mic-btn").get_attribute("aria-pressed") == "true"
        muted_badge = ottawa.locator(f".tile[data-feed='{washington_feed}'] .badge-muted")
        await muted_badge.wait_for(state="visible", timeout=5000)  # Ottawa sees that Washington muted
        await washington.get_by_role("button", name="Unmute").click()
        await muted_badge.wait_for(state="hidden", timeout=5000)
        await washington.get_by_role("button", name="Stop camera").click()
        await ottawa.locator(f".tile[data-feed='{washington_feed}'] .badge-nocam").wait_for(state="visible")
        await washington.get_by_role("button", name="Start camera").click()

        # Washington leaves: Ottawa loses that feed, and Janus no longer knows Washington's token
        await asyncio.sleep(4)  # let the bot hear everyone for a few seconds first
        await leave(washington)
        await ottawa.wait_for_selector(f".tile[data-feed='{washington_feed}']", state="detached", timeout=10000)
        assert await ottawa.locator(".tile").count() == 2
        await washington.wait_for_selector(".room[data-state='left']")  # Summitry has revoked the grant
        active = server.query("SELECT count(*) FROM meetings_mediagrant g JOIN meetings_participation p "
                              "ON g.participation_id = p.id WHERE p.publisher_id = ? AND g.revoked_at IS NULL",
                              washington_feed)
        assert active == [(0,)]
        _, err = await asyncio.to_thread(bot.communicate, timeout=60)
    finally:
        if bot.poll() is None:
            bot.kill()
    assert bot.returncode == 0, err
    heard = {f["feed"]: f for f in json.loads(report.read_text())["feeds"]}
    w, o = heard[washington_feed], heard[feed_of(server, "garneau")]
    # the bot decoded both browsers' video and heard each browser's own tone
    assert w["frames_decoded"] > 10 and o["frames_decoded"] > 10
    assert w["heard_hz"] == pytest.approx(WASHINGTON_HZ, abs=10)
    assert o["heard_hz"] == pytest.approx(OTTAWA_HZ, abs=10)
    assert w["left"] and not o["left"]
    # Janus's own events put who actually had media, and when, in the audit trail
    had_media = {row[0] for row in server.query(
        "SELECT subject FROM audit_auditentry WHERE action = 'media_up' AND engagement = ?", SLUG)}
    assert {"antony-blinken", "marc-garneau"} <= had_media
    assert server.query("SELECT count(*) FROM audit_auditentry WHERE action = 'media_down' AND subject = ?",
                        "antony-blinken")[0][0] >= 1


async def test_a_signed_in_outsider_is_refused_and_gets_no_token(server, launch):
    page = await sign_in(await launch(), server, "trudeau")
    resp = await page.goto(f"{server.url}/engagements/{SLUG}/room")
    assert resp.status == 404  # not on the list: the same page as for an engagement that does not exist
    await page.get_by_role("heading", name="Not found").wait_for()
    # calling the API directly is refused as well
    status = await page.evaluate("""async (url) => {
        const csrf = document.cookie.match(/csrftoken=([^;]+)/)[1];
        const r = await fetch(url, {method: 'POST', headers: {'X-CSRFToken': csrf}});
        return [r.status, await r.text()];
    }""", f"/api/engagements/{SLUG}/join")
    assert status[0] == 404 and "token" not in status[1]
    grants = server.query("SELECT count(*) FROM meetings_mediagrant g JOIN meetings_participation p ON "
                          "g.participation_id = p.id JOIN accounts_person pe ON p.person_id = pe.id "
                          "WHERE pe.slug = 'justin-trudeau'")
    assert grants == [(0,)]


async def test_no_camera_or_microphone_joins_to_watch_and_listen(server, launch):
    bot = server.bot(SLUG, "--as", "marcelo-ebrard", "--seconds", "20")
    admit(server, "julie-chung")
    try:
        page = await sign_in(await launch(fake_devices=False), server, "chung")
        await open_room(page, server)
        alert = page.locator("#room-alert")
        await alert.wait_for()
        assert "No camera or microphone was found" in await alert.inner_text()
        await feeds_decoding(page, 1)  # still sees the others
        await leave(page)
    finally:
        bot.terminate()
        await asyncio.to_thread(bot.wait, 20)


async def test_refused_camera_and_microphone_are_explained(server, launch):
    page = await sign_in(await launch(grant_devices=False), server, "chung")
    admit(server, "julie-chung")
    await open_room(page, server)
    alert = page.locator("#room-alert")
    await alert.wait_for()
    assert "Camera and microphone access was refused" in await alert.inner_text()
    assert await page.locator(".tile-self").count() == 0  # nothing is published
    await leave(page)
    await page.wait_for_selector(".room[data-state='left']")


async def test_unreachable_media_server_is_said_plainly(server, launch):
    page = await sign_in(await launch(), server, "garneau")
    admit(server, "marc-garneau")

    async def point_at_nothing(route):
        response = await route.fetch()
        body = await response.json()
        body["janus_url"] = body["janus_url"].rsplit(":", 1)[0] + ":9/"
        await route.fulfill(response=response, json=body)

    await page.route(f"**/api/engagements/{SLUG}/join", point_at_nothing)
    await page.goto(f"{server.url}/engagements/{SLUG}/room")
    await page.get_by_role("button", name="Join meeting").click()
    alert = page.locator("#room-alert")
    await alert.wait_for(timeout=15000)
    assert "media server is unreachable" in await alert.inner_text()
    assert await page.locator(".room").get_attribute("data-state") == "error"
    await page.unroute(f"**/api/engagements/{SLUG}/join")
    # leave to revoke the grant the route intercepted
    await page.evaluate("""async (url) => {
        const csrf = document.cookie.match(/csrftoken=([^;]+)/)[1];
        await fetch(url, {method: 'POST', headers: {'X-CSRFToken': csrf}});
    }""", f"/api/engagements/{SLUG}/leave")


async def test_the_host_ends_the_meeting_for_everyone(server, launch):
    host = await sign_in(await launch(tone=WASHINGTON_HZ), server, "blinken")
    guest = await sign_in(await launch(tone=OTTAWA_HZ), server, "garneau")
    admit(server, "marc-garneau", "trilateral-to-end")
    await open_room(host, server, "trilateral-to-end")
    await open_room(guest, server, "trilateral-to-end")
    assert await guest.locator("#end-btn").is_hidden()  # only the host may
    await feeds_decoding(guest, 1)
    end = host.get_by_role("button", name="End for everyone")
    await end.click()
    await host.get_by_role("button", name="Press again to end the meeting for everyone").click()
    await guest.locator("#room-alert").get_by_text("The host ended the meeting.").wait_for(timeout=10000)
    assert await guest.locator(".tile").count() == 0
    again = await guest.goto(f"{server.url}/engagements/trilateral-to-end/room")
    assert again.status == 403


def test_bot_command_refuses_unknown_people_and_outsiders(server):
    unknown = server.run("bot", SLUG, "--as", "nobody", "--seconds", "1")
    assert unknown.returncode == 2 and "no person 'nobody'" in unknown.stderr
    outsider = server.run("bot", SLUG, "--as", "justin-trudeau", "--seconds", "1")
    assert outsider.returncode == 3 and "not_invited" in outsider.stderr


def test_janus_config_command_hides_secrets(server):
    out = server.run("janus-config")
    assert out.returncode == 0
    assert "token_auth = true" in out.stdout and "<redacted>" in out.stdout
    secrets = json.loads((server.data_dir / "janus" / "secrets.json").read_text())
    assert all(v not in out.stdout for v in secrets.values())


def test_chromium_is_installed():
    assert shutil.which("chromium")
