"""Segments at the media layer, end to end: the press watches the open part through Summitry's
relay; when the host closes the meeting, nothing more reaches them, even a client that does not
cooperate; reopening lets them back in."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from summitry.media import JanusError
from summitry.media.bot import Bot

from .conftest import sign_in
from .test_meeting import SLUG, admit, feed_of, leave, open_room

pytestmark = [pytest.mark.e2e, pytest.mark.janus]


async def _press_session(browser, server):
    """A signed-in press participant's cookies, to act as their own (uncooperative) client."""
    page = await sign_in(browser, server, "press-ca")
    cookies = {c["name"]: c["value"] for c in await page.context.cookies()}
    return page, {"Cookie": f"sessionid={cookies['sessionid']}; csrftoken={cookies['csrftoken']}",
                  "Origin": server.url, "X-CSRFToken": cookies["csrftoken"]}


async def _join_api(page, slug=SLUG):
    return await page.evaluate("""async (url) => {
        const csrf = document.cookie.match(/csrftoken=([^;]+)/)[1];
        const r = await fetch(url, {method: 'POST', headers: {'X-CSRFToken': csrf}});
        return [r.status, await r.json()];
    }""", f"/api/engagements/{slug}/join")


async def test_closing_the_meeting_cuts_the_press_at_the_media_layer(server, launch):
    host = await sign_in(await launch(tone=660), server, "blinken")
    await open_room(host, server)
    await host.get_by_role("button", name="Open (press present)").click()
    await host.get_by_text("Open segment: press present").wait_for()

    press_page, headers = await _press_session(await launch(), server)
    admit(server, "ca-journalist")
    await press_page.goto(f"{server.url}/engagements/{SLUG}/room")
    status, grant = await _join_api(press_page)
    assert status == 200 and grant["publish"] is False
    # an uncooperative client: it will not hang up by itself when the meeting closes
    host_feed = feed_of(server, "blinken")
    press = Bot(grant["janus_url"], grant["token"], grant["room"], grant["publisher_id"], publish=False,
                headers={k: v for k, v in headers.items() if k != "X-CSRFToken"}, watch=[host_feed])
    await press.start()
    try:
        assert await press.wait_for_frames(1, frames=5, timeout=20), press.report()
        # the press may not publish, whatever its client sends (Summitry's relay says no; so would Janus)
        handle = await press.session.attach("janus.plugin.videoroom")
        with pytest.raises(JanusError) as exc:
            await handle.message({"request": "join", "ptype": "publisher", "room": grant["room"],
                                  "id": grant["publisher_id"], "token": grant["token"]})
        assert exc.value.code == 403 and "may not publish" in exc.value.reason
    except Exception:
        await press.stop()
        raise

    try:
        await host.get_by_role("button", name="Closed (delegations only)").click()
        await host.get_by_text("Closed segment: delegations only").wait_for()
        await asyncio.sleep(1.0)
        after_1s = await press.packets_received()
        await asyncio.sleep(2.0)
        assert await press.packets_received() == after_1s, "media reached the press after the meeting closed"
        assert press.session.gone.is_set() or not press.client.connected
        status, body = await _join_api(press_page)
        assert status == 403 and "closed to your role" in body["detail"]
    finally:
        await press.stop()

    # reopening lets them back in; the press page (a real browser) shows the states
    await press_page.get_by_role("button", name="Join meeting").click()
    await host.get_by_role("button", name="Open (press present)").click()
    await press_page.get_by_role("button", name="Join meeting").click()
    await press_page.wait_for_selector(".room[data-state='live']", timeout=15000)
    await press_page.wait_for_selector(f".tile[data-feed='{host_feed}']", timeout=15000)
    assert await press_page.locator(".tile-self").count() == 0  # the press does not publish
    await host.get_by_role("button", name="Closed (delegations only)").click()
    alert = press_page.locator("#room-alert")
    await alert.get_by_text("The open part has ended").wait_for(timeout=5000)
    assert await press_page.locator(".tile").count() == 0
    await host.get_by_role("button", name="Open (press present)").click()
    await press_page.wait_for_selector(f".tile[data-feed='{host_feed}']", timeout=15000)  # back in
    await leave(host)


async def _handshake(url, headers):
    """The HTTP status of the WebSocket handshake (101 when the relay accepts)."""
    async with aiohttp.ClientSession() as http:
        try:
            async with http.ws_connect(url, protocols=("janus-protocol",), headers=headers):
                return 101
        except aiohttp.WSServerHandshakeError as exc:
            return exc.status


async def test_the_relay_opens_only_for_a_current_grant(server, launch):
    url = f"ws://{server.url.split('//')[1]}/ws/engagements/{SLUG}/janus"
    browser = await launch()
    outsider = await sign_in(browser, server, "trudeau")  # signed in, but not a participant
    cookies = {c["name"]: c["value"] for c in await outsider.context.cookies()}
    assert await _handshake(url, {"Origin": server.url, "Cookie": f"sessionid={cookies['sessionid']}"}) == 403
    assert await _handshake(url, {"Origin": server.url}) == 403  # anonymous
    # the same request from the host, once Summitry has granted them a visit, is accepted
    host = await sign_in(browser, server, "blinken")
    status, _ = await _join_api(host)
    assert status == 200
    cookies = {c["name"]: c["value"] for c in await host.context.cookies()}
    host_headers = {"Origin": server.url, "Cookie": f"sessionid={cookies['sessionid']}"}
    assert await _handshake(url, host_headers) == 101
    assert await _handshake(url, {**host_headers, "Origin": "http://evil.example"}) == 403  # other sites
    await host.goto(f"{server.url}/engagements/{SLUG}/room")
    await host.evaluate("""async (url) => {
        const csrf = document.cookie.match(/csrftoken=([^;]+)/)[1];
        await fetch(url, {method: 'POST', headers: {'X-CSRFToken': csrf}});
    }""", f"/api/engagements/{SLUG}/leave")
