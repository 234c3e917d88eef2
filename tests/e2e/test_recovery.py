"""Meetings that survive faults, end to end: Janus is killed under two Chromium participants and the
supervisor starts it again; both pages come back to live media by themselves (a new join, a new grant,
published and subscribed again), never through the lobby, and say what happened; so does an interpreter's
console. A live channel that drops misses nothing: what changed while it was down is shown once it is
back."""

from __future__ import annotations

import asyncio
import os
import signal
from pathlib import Path

import pytest

from .conftest import sign_in
from .test_meeting import OTTAWA_HZ, WASHINGTON_HZ, admit, feed_of, leave, open_room

pytestmark = [pytest.mark.e2e, pytest.mark.janus]
SHOTS = os.environ.get("SUMMITRY_RECOVERY_SCREENSHOTS")


async def until(page, expression: str, timeout: float = 60.0):
    """Poll a page expression until it is truthy; its last value (the pages' CSP forbids wait_for_function)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    value = None
    while loop.time() < deadline:
        value = await page.evaluate(expression)
        if value:
            return value
        await asyncio.sleep(0.25)
    state = await page.evaluate("window.summitryRoom.state()")
    raise AssertionError(f"{expression} stayed {value!r}; the visit: {state}")


async def decoding(page, feed: int, timeout: float = 60.0) -> None:
    """Until this page's subscription to ``feed`` has decoded frames and keeps decoding."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    last = None
    while loop.time() < deadline:
        stats = await page.evaluate("window.summitryRoom.stats()")
        frames = stats.get(str(feed), {}).get("framesDecoded", 0)
        if last is not None and frames > last > 5:
            return
        last = frames if frames > 5 else None
        await asyncio.sleep(1.0)
    raise AssertionError(f"feed {feed} is not decoding: {await page.evaluate('window.summitryRoom.stats()')}; "
                         f"the visit: {await page.evaluate('window.summitryRoom.state()')}")


def janus_pids(server) -> list[int]:
    """The Janus process(es) this run's supervisor started (its command line names the run folder)."""
    run_dir = str(server.data_dir / "janus")
    pids = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv and Path(argv[0].decode(errors="replace")).name == "janus" and \
                any(run_dir in a.decode(errors="replace") for a in argv):
            pids.append(int(proc.name))
    return pids


async def shot(page, name: str) -> None:
    if SHOTS:
        await page.screenshot(path=str(Path(SHOTS) / f"{name}.png"))


async def test_both_pages_come_back_by_themselves_after_janus_restarts(server, launch):
    washington = await sign_in(await launch(tone=WASHINGTON_HZ), server, "blinken")
    ottawa = await sign_in(await launch(tone=OTTAWA_HZ), server, "garneau")
    admit(server, "marc-garneau")
    await open_room(washington, server)
    await open_room(ottawa, server)
    washington_feed, ottawa_feed = feed_of(server, "blinken"), feed_of(server, "garneau")
    await decoding(washington, ottawa_feed)
    await decoding(ottawa, washington_feed)
    grants_before = server.query("SELECT token FROM meetings_mediagrant WHERE revoked_at IS NULL")

    [pid] = janus_pids(server)
    os.kill(pid, signal.SIGKILL)  # the media server dies; the supervisor starts another

    for page in (washington, ottawa):
        # the page notices by itself and says so (nobody clicks anything from here on)
        await until(page, "window.summitryRoom.state().state !== 'live'")
    await shot(ottawa, "recovery-reconnecting")
    for page, other in ((washington, ottawa_feed), (ottawa, washington_feed)):
        await until(page, "window.summitryRoom.state().state === 'live'", timeout=90)
        await decoding(page, other)
    await shot(ottawa, "recovery-back")
    new_pids = janus_pids(server)
    assert new_pids and pid not in new_pids  # a new Janus, not the old one

    for page in (washington, ottawa):
        visit = await page.evaluate("window.summitryRoom.state()")
        said = [h["text"] for h in visit["history"]]
        kill = max(i for i, h in enumerate(visit["history"]) if h["state"] == "live" and i < len(said) - 1
                   and visit["history"][i + 1]["state"] != "live")
        after = visit["history"][kill + 1:]
        # in between: reconnecting, or the media server unavailable since a time; never the lobby
        assert any(h["state"] == "reconnecting" for h in after), said
        assert any(t.startswith("Media server unavailable since ") or t == "Reconnecting…"
                   for t in said[kill + 1:]), said
        assert not any(h["state"] in ("waiting", "idle", "refused", "ended", "left") for h in after), said
        assert "Back" in said[kill + 1:], said
        assert await page.locator("#prejoin").is_hidden()
        assert await page.locator(".room").get_attribute("data-state") == "live"
    # a new grant each: the old ones died with the old Janus
    grants_after = server.query("SELECT token FROM meetings_mediagrant WHERE revoked_at IS NULL")
    assert len(grants_after) >= 2 and not set(grants_after) & set(grants_before)
    await leave(ottawa)
    await leave(washington)


async def test_a_segment_switched_while_the_live_channel_was_down_is_shown_once_it_is_back(server, launch):
    host = await sign_in(await launch(tone=WASHINGTON_HZ), server, "blinken")
    guest = await sign_in(await launch(tone=OTTAWA_HZ), server, "garneau")
    admit(server, "marc-garneau")
    await open_room(host, server)
    await host.get_by_role("button", name="Open (press present)").click()
    await host.get_by_text("Open segment: press present").wait_for()
    await open_room(guest, server)
    host_feed = feed_of(server, "blinken")
    await decoding(guest, host_feed)
    await until(guest, "window.summitryRoom.state().channel.open")
    badge = guest.locator("#segment-badge")
    assert await badge.inner_text() == "Open segment: press present"

    # the guest's live channel drops, and stays down while the host closes the meeting (a new key)
    await guest.evaluate("window.summitryRoom.dropLiveChannel(true)")
    await until(guest, "!window.summitryRoom.state().channel.open")
    await host.get_by_role("button", name="Closed (delegations only)").click()
    await host.locator("#e2ee-badge").wait_for(state="visible", timeout=10000)
    await shot(guest, "live-channel-down")
    assert await badge.inner_text() == "Open segment: press present"  # nothing reached the dropped channel
    assert await guest.locator("#e2ee-badge").is_hidden()

    # back: the page asks for what it missed, and shows the segment and uses the key
    await guest.evaluate("window.summitryRoom.releaseLiveChannel()")
    await badge.get_by_text("Closed segment: delegations only").wait_for(timeout=30000)
    await guest.locator("#e2ee-badge").wait_for(state="visible", timeout=10000)
    await until(guest, "window.summitryRoom.e2ee().current !== null")
    before = await guest.evaluate("window.summitryRoom.e2ee()")
    await decoding(guest, host_feed)
    after = await guest.evaluate("window.summitryRoom.e2ee()")
    assert after["decrypted"] > before["decrypted"]  # the host's frames, encrypted, decrypted with the key
    assert await guest.locator(".room").get_attribute("data-state") == "live"
    assert (await guest.evaluate("window.summitryRoom.state()"))["status"] == "Live"

    await host.get_by_role("button", name="Open (press present)").click()
    await guest.locator("#e2ee-badge").wait_for(state="hidden", timeout=10000)
    await leave(guest)
    await leave(host)


async def test_the_interpreter_console_comes_back_and_takes_the_microphone_again(server, launch):
    from .test_interpretation import open_booth

    claire = await sign_in(await launch(tone=440.0), server, "interpreter-fr")
    await open_booth(claire, server, "ca-interpreter-fr")
    await claire.get_by_role("button", name="Take the microphone").click()
    await claire.wait_for_selector("#air-state[data-air='on']", timeout=10000)

    [pid] = janus_pids(server)
    os.kill(pid, signal.SIGKILL)
    await until(claire, "window.summitryBooth.state().state !== 'live'", timeout=30)
    await until(claire, "window.summitryBooth.state().state === 'live'", timeout=90)
    said = [h["text"] for h in (await claire.evaluate("window.summitryBooth.state()"))["history"]]
    assert "Back" in said and any(t.startswith("Media server unavailable since ") or t == "Reconnecting…"
                                  for t in said), said
    assert not any(h["state"] == "waiting" for h in (await claire.evaluate("window.summitryBooth.state()"))["history"])
    await claire.wait_for_selector("#console:not([hidden])")
    # Janus forgot who was on air; the booth's channel is there again, and the microphone can be taken
    await claire.wait_for_selector("#air-state[data-air='off']", timeout=15000)
    await claire.get_by_role("button", name="Take the microphone").click()
    await claire.wait_for_selector("#air-state[data-air='on']", timeout=15000)
    await claire.get_by_role("button", name="Go off air").click()
    await claire.get_by_role("button", name="Leave the booth").click()
    await claire.wait_for_selector(".booth[data-state='left']", timeout=10000)


async def test_a_relay_that_drops_is_reconnected_with_a_new_grant(server, launch):
    host = await sign_in(await launch(tone=WASHINGTON_HZ), server, "blinken")
    guest = await sign_in(await launch(tone=OTTAWA_HZ), server, "garneau")
    admit(server, "marc-garneau")
    await open_room(host, server)
    await open_room(guest, server)
    host_feed, guest_feed = feed_of(server, "blinken"), feed_of(server, "garneau")
    await decoding(guest, host_feed)
    [(old_grant,)] = server.query("SELECT g.token FROM meetings_mediagrant g JOIN meetings_participation p ON "
                                  "g.participation_id = p.id WHERE p.publisher_id = ? AND g.revoked_at IS NULL",
                                  guest_feed)
    await guest.evaluate("window.summitryRoom.dropRelay()")  # as a network would drop it
    await until(guest, "window.summitryRoom.state().history.some((h) => h.text === 'Reconnecting…')")
    await until(guest, "window.summitryRoom.state().state === 'live'")
    await decoding(guest, host_feed)
    await decoding(host, guest_feed)  # published again: the host sees the guest again
    said = [h["text"] for h in (await guest.evaluate("window.summitryRoom.state()"))["history"]]
    assert said[-1] in ("Back", "Live") and "Back" in said, said
    [(new_grant,)] = server.query("SELECT g.token FROM meetings_mediagrant g JOIN meetings_participation p ON "
                                  "g.participation_id = p.id WHERE p.publisher_id = ? AND g.revoked_at IS NULL",
                                  guest_feed)
    assert new_grant != old_grant
    await leave(guest)
    await leave(host)
