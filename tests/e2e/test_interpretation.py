"""Interpretation end to end: the floor speaker is an aiortc bot at 880 Hz; the French booth's two
interpreters use the console in Chromium (fake microphones at 440 and 600 Hz); a listener picks
channels in the meeting room. What the listener hears is measured on the page's own mix, the sound
that goes to the speakers."""

from __future__ import annotations

import asyncio
import math
import os
from pathlib import Path

import pytest

from .conftest import sign_in
from .test_accessibility import violations
from .test_meeting import admit

pytestmark = [pytest.mark.e2e, pytest.mark.janus]

SLUG = "canada-bilateral"
FLOOR_HZ, CLAIRE_HZ, LUC_HZ = 880.0, 440.0, 600.0
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


async def levels(page, *freqs, seconds=1.0):
    """Median level (dB) of each frequency in the page's mix over a second."""
    samples = await page.evaluate("""async ([freqs, seconds]) => {
        const out = freqs.map(() => []);
        const end = performance.now() + seconds * 1000;
        while (performance.now() < end) {
          freqs.forEach((f, i) => out[i].push(window.summitryRoom.levelAt(f)));
          await new Promise((r) => setTimeout(r, 50));
        }
        return out.map((xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]);
    }""", [list(freqs), seconds])
    return dict(zip(freqs, samples, strict=True))


async def wait_for_level(page, freq, above, timeout=15.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    level = -math.inf
    while loop.time() < deadline:
        level = (await levels(page, freq, seconds=0.3))[freq]
        if level > above:
            return level
        await asyncio.sleep(0.2)
    raise AssertionError(f"{freq} Hz stayed at {level:.1f} dB")


async def until(page, expression, timeout=10.0):
    """Poll a page expression (the pages' CSP forbids Playwright's wait_for_function, which evals)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        if await page.evaluate(expression):
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"never true: {expression}")


async def open_booth(page, server, person):
    admit(server, person, SLUG)  # the operator admits ahead (the host's page does it live: see test_meeting)
    await page.goto(f"{server.url}/engagements/{SLUG}/booth")
    await page.get_by_role("button", name="Open the booth").click()
    await page.wait_for_selector("#console:not([hidden])", timeout=15000)
    await until(page, "window.summitryBooth.states().length > 0")


async def test_listener_chooses_a_channel_and_the_booth_hands_over(server, launch, tmp_path):
    claire = await sign_in(await launch(tone=CLAIRE_HZ), server, "interpreter-fr")
    luc = await sign_in(await launch(tone=LUC_HZ), server, "interpreter-fr-2", bypass_csp=True)
    listener = await sign_in(await launch(), server, "chung", bypass_csp=True)
    floor = server.bot(SLUG, "--as", "antony-blinken", "--tone", str(FLOOR_HZ), "--no-video", "--seconds", "120")
    try:
        await open_booth(claire, server, "ca-interpreter-fr")
        await open_booth(luc, server, "ca-interpreter-fr-2")
        admit(server, "julie-chung", SLUG)
        await listener.goto(f"{server.url}/engagements/{SLUG}/room")
        await listener.get_by_role("button", name="Join meeting").click()
        await listener.wait_for_selector(".room[data-state='live']", timeout=15000)
        selector = listener.get_by_label("Listen to")
        await selector.wait_for()

        # On the floor: the speaker, and no interpretation.
        await wait_for_level(listener, FLOOR_HZ, above=-60)
        await asyncio.sleep(1.0)
        heard = await levels(listener, FLOOR_HZ, CLAIRE_HZ)
        floor_level = heard[FLOOR_HZ]
        assert heard[CLAIRE_HZ] < heard[FLOOR_HZ] - 30, heard

        # Claire takes the booth's microphone: her console says so, and so do her partner's and the room.
        await claire.get_by_role("button", name="Take the microphone").click()
        await claire.wait_for_selector("#air-state[data-air='on']", timeout=5000)
        assert await claire.locator("#air-state").inner_text() == "ON AIR"
        await until(luc, "document.getElementById('air-detail').textContent.includes('Claire Tremblay')")
        await listener.locator(".channel-item[data-live='true']", has_text="Français").wait_for(timeout=5000)
        assert "Claire Tremblay" in await listener.locator("#channel-list").inner_text()

        # The listener picks French, the floor underneath at 25 %.
        await selector.select_option("fr")
        await listener.get_by_label("Floor underneath").fill("25")
        await wait_for_level(listener, CLAIRE_HZ, above=-60)
        await asyncio.sleep(1.0)
        french = await levels(listener, FLOOR_HZ, CLAIRE_HZ, LUC_HZ)
        assert french[CLAIRE_HZ] > french[FLOOR_HZ] + 3, french  # the interpretation dominates
        attenuation = floor_level - french[FLOOR_HZ]
        assert abs(attenuation - 20 * math.log10(1 / 0.25)) < 3.5, (floor_level, french)  # 25 % ≈ 12 dB
        assert french[LUC_HZ] < french[CLAIRE_HZ] - 30, french  # the partner is not on air
        if os.environ.get("SUMMITRY_UPDATE_SCREENSHOTS"):
            await listener.screenshot(path=str(SCREENSHOTS / "interpretation-listener.png"))

        # Switching channel (French → English, where nobody is on air) takes effect within 300 ms.
        elapsed = await listener.evaluate("""async ([hz]) => {
            const before = window.summitryRoom.levelAt(hz);
            const select = document.getElementById('channel-select');
            const t0 = performance.now();
            select.value = 'en';
            select.dispatchEvent(new Event('change'));
            while (performance.now() - t0 < 3000) {
              if (window.summitryRoom.levelAt(hz) < before - 20) return performance.now() - t0;
              await new Promise((r) => setTimeout(r, 5));
            }
            return null;
        }""", [CLAIRE_HZ])
        await asyncio.sleep(1.0)
        # ... and back (English → French): the French interpretation is heard within 300 ms.
        back = await listener.evaluate("""async ([hz]) => {
            const select = document.getElementById('channel-select');
            const t0 = performance.now();
            select.value = 'fr';
            select.dispatchEvent(new Event('change'));
            while (performance.now() - t0 < 3000) {
              if (window.summitryRoom.levelAt(hz) > -40) return performance.now() - t0;
              await new Promise((r) => setTimeout(r, 5));
            }
            return null;
        }""", [CLAIRE_HZ])
        print(f"floor {floor_level:.1f} dB; on French {french}; switch away {elapsed} ms, back {back} ms")
        assert elapsed is not None and elapsed <= 300, elapsed
        assert back is not None and back <= 300, back
        await wait_for_level(listener, CLAIRE_HZ, above=-30)

        # Claire hands over to Luc: one voice at a time, and both consoles show who is on air.
        await claire.get_by_role("button", name="Hand over to Luc Gagnon").click()
        await luc.wait_for_selector("#air-state[data-air='on']", timeout=5000)
        await claire.wait_for_selector("#air-state[data-air='off']", timeout=5000)
        await wait_for_level(listener, LUC_HZ, above=-60)
        await asyncio.sleep(0.5)
        after = await levels(listener, CLAIRE_HZ, LUC_HZ)
        assert after[CLAIRE_HZ] < after[LUC_HZ] - 30, after
        if os.environ.get("SUMMITRY_UPDATE_SCREENSHOTS"):
            await luc.screenshot(path=str(SCREENSHOTS / "interpreter-console.png"))

        # The console marks who speaks on the floor: the Secretary (the bot's continuous tone).
        blinken = server.query("SELECT p.publisher_id FROM meetings_participation p JOIN accounts_person pe "
                               "ON p.person_id = pe.id JOIN meetings_engagement e ON p.engagement_id = e.id "
                               "WHERE pe.slug = 'antony-blinken' AND e.slug = ?", SLUG)[0][0]
        await until(luc, f"window.summitryBooth.speaker() === {blinken}")
        assert await luc.locator(f".tile[data-feed='{blinken}'] .badge-speaking").is_visible()

        # Cough: while Luc holds the button, listeners hear nothing of him.
        cough = luc.get_by_role("button", name="Cough (hold)")
        await cough.focus()
        await luc.keyboard.down(" ")
        assert not await luc.evaluate("window.summitryBooth.micEnabled()")
        await asyncio.sleep(0.8)
        coughing = await levels(listener, LUC_HZ, seconds=0.5)
        await luc.keyboard.up(" ")
        assert coughing[LUC_HZ] < after[LUC_HZ] - 20, (coughing, after)
        assert await luc.evaluate("window.summitryBooth.micEnabled()")

        # The booth's private chat reaches the partner.
        await luc.get_by_label("Message to your booth partner").fill("Next: Minister Garneau on vaccines")
        await luc.get_by_role("button", name="Send").click()
        await claire.locator("#chat-log li", has_text="Next: Minister Garneau on vaccines").wait_for(timeout=5000)

        # Relay: the booth takes the English channel as its input instead of the floor.
        from_floor = await luc.evaluate(f"window.summitryBooth.levelAt({FLOOR_HZ})")
        assert from_floor > -60, from_floor
        await luc.get_by_label("Input", exact=True).select_option("en")
        await until(luc, "window.summitryBooth.source().source === 'en'")
        await until(claire, "window.summitryBooth.states().find((c) => c.language === 'fr').source === 'en'")
        await asyncio.sleep(1.0)
        relayed = await luc.evaluate(f"window.summitryBooth.levelAt({FLOOR_HZ})")
        assert relayed < from_floor - 20, (from_floor, relayed)  # nobody speaks English: no floor either
        quality = await luc.locator("#quality").inner_text()
        assert quality.startswith("Incoming audio")

        # The live console and the room's channel choice meet WCAG 2.1 AA (axe-core).
        assert await violations(luc) == [] and await violations(listener) == []

        # The host closes the meeting to the press: the floor becomes end-to-end encrypted, the room
        # says interpretation is not, and the French channel carries on.
        assert await listener.locator("#channel-e2ee-note").is_hidden()
        host = await sign_in(await launch(), server, "garneau")
        await host.goto(f"{server.url}/engagements/{SLUG}/room")
        status = await host.evaluate("""async (url) => {
            const csrf = document.cookie.match(/csrftoken=([^;]+)/)[1];
            const r = await fetch(url, {method: 'POST', body: JSON.stringify({kind: 'closed'}),
                                        headers: {'X-CSRFToken': csrf, 'Content-Type': 'application/json'}});
            return r.status;
        }""", f"/api/engagements/{SLUG}/segment")
        assert status == 200
        await listener.locator("#channel-e2ee-note").wait_for(state="visible", timeout=5000)
        await wait_for_level(listener, LUC_HZ, above=-40)
    finally:
        if floor.poll() is None:
            floor.kill()


async def test_the_relay_keeps_listeners_quiet_and_in_their_own_channels(server, launch):
    """An uncooperative client with a valid grant, speaking Janus's API itself through Summitry."""
    from summitry.media import JanusClient, JanusError

    page = await sign_in(await launch(), server, "chung")
    admit(server, "julie-chung", SLUG)
    await page.goto(f"{server.url}/engagements/{SLUG}/room")
    status, grant = await page.evaluate("""async (url) => {
        const csrf = document.cookie.match(/csrftoken=([^;]+)/)[1];
        const r = await fetch(url, {method: 'POST', body: JSON.stringify({e2ee: true}),
                                    headers: {'X-CSRFToken': csrf, 'Content-Type': 'application/json'}});
        return [r.status, await r.json()];
    }""", f"/api/engagements/{SLUG}/join")  # a client that could encrypt (the segment may be closed)
    assert status == 200
    fr = next(c for c in grant["channels"] if c["language"] == "fr")
    cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
    headers = {"Cookie": f"sessionid={cookies['sessionid']}", "Origin": server.url}
    async with JanusClient(grant["janus_url"], token=grant["token"], headers=headers, reconnect=False) as client:
        session = await client.create_session()
        with pytest.raises(JanusError) as exc:  # only a booth's interpreters speak into a channel
            await session.attach("janus.plugin.audiobridge")
        assert exc.value.code == 403 and "not yours" in exc.value.reason
        with pytest.raises(JanusError) as exc:
            await session.attach("JANUS.PLUGIN.AUDIOBRIDGE")
        assert exc.value.code == 403

        stream = await session.attach("janus.plugin.streaming")
        for body in ({"request": "watch", "pin": fr["pin"]}, {"request": "WATCH", "pin": fr["pin"]},
                     {"request": "Switch"}):
            with pytest.raises(JanusError) as exc:
                await stream.message({**body, "id": fr["stream"] + 1})
            assert exc.value.code == 403 and "not a channel of this engagement" in exc.value.reason
        with pytest.raises(JanusError) as exc:
            await stream.message({"request": "list"})
        assert exc.value.code == 403
        offer = await stream.message({"request": "watch", "id": fr["stream"], "pin": fr["pin"]})
        assert offer.jsep is not None and "opus" in offer.jsep["sdp"].lower()


async def test_an_interpreter_bot_goes_on_air_from_the_command_line(server):
    slug = "mexico-bilateral"  # the Canada bilateral is closed (encrypted) by now, and a bot cannot encrypt
    bot = server.bot(slug, "--as", "mx-interpreter", "--interpret", "--tone", "520", "--seconds", "4")
    out, err = await asyncio.to_thread(bot.communicate, timeout=60)
    assert bot.returncode == 0, err
    assert "is on air in the es channel" in out
    refused = server.run("bot", slug, "--as", "julie-chung", "--interpret", "--seconds", "1")
    assert refused.returncode == 3 and "no interpreter's booth" in refused.stderr
    # having left, the interpreter is off air again
    assert server.query("SELECT on_air_id FROM meetings_interpretationchannel c JOIN meetings_engagement e "
                        "ON c.engagement_id = e.id WHERE e.slug = ? AND c.language = 'es'", slug) == [(None,)]
