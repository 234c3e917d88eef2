"""JanusClient against a scripted WebSocket server that answers with recorded Janus replies."""

import asyncio
import json
from pathlib import Path

import pytest
from aiohttp import WSMsgType, web

from summitry.media import JanusClient, JanusPluginError, JanusTimeout, JanusUnauthorized, JanusUnavailable
from summitry.media.errors import VIDEOROOM_UNAUTHORIZED

REPLIES = json.loads((Path(__file__).parent / "fixtures" / "janus_replies.json").read_text())
SID = REPLIES["create_success"]["data"]["id"]
HID = REPLIES["attach_success"]["data"]["id"]


class FakeJanus:
    """Answers like Janus 1.1.2 did, using the recorded replies with the request's transaction."""

    def __init__(self):
        self.requests = []
        self.sockets = []
        self.silent = set()

    def reply(self, msg):
        kind = msg["janus"]
        if kind in self.silent:
            return []
        if msg.get("token") != "good":
            return [REPLIES["create_unauthorized"]]
        if kind == "create":
            return [REPLIES["create_success"]]
        if kind == "attach":
            return [REPLIES["attach_success"]]
        if kind in ("keepalive", "claim"):
            return [REPLIES["keepalive_ack"] if kind == "keepalive" else {"janus": "success", "session_id": SID}]
        if kind == "message" and msg["body"]["request"] == "join":
            name = "videoroom_joined" if msg["body"].get("token") == "ok" else "videoroom_join_not_allowed"
            return REPLIES[name]
        if kind == "message":
            return [REPLIES["videoroom_created"]]
        return [{"janus": "error", "error": {"code": 490, "reason": "unknown"}}]

    async def handler(self, request):
        ws = web.WebSocketResponse(protocols=("janus-protocol",))
        await ws.prepare(request)
        self.sockets.append(ws)
        async for frame in ws:
            if frame.type != WSMsgType.TEXT:
                continue
            msg = json.loads(frame.data)
            self.requests.append(msg)
            for out in self.reply(msg):
                await ws.send_str(json.dumps({**out, "transaction": msg["transaction"]}))
        return ws


@pytest.fixture
async def fake_janus():
    fake = FakeJanus()
    app = web.Application()
    app.router.add_get("/", fake.handler)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    fake.url = f"ws://127.0.0.1:{port}/"
    yield fake
    await runner.cleanup()


async def test_session_handle_and_async_plugin_request(fake_janus):
    async with JanusClient(fake_janus.url, token="good") as client:
        session = await client.create_session()
        assert session.id == SID
        handle = await session.attach("janus.plugin.videoroom")
        assert handle.id == HID
        reply = await handle.message({"request": "join", "room": 77, "ptype": "publisher", "token": "ok"})
        # the client waited past the ack for the event of the same transaction
        assert reply.data["videoroom"] == "joined"
    assert fake_janus.requests[0]["janus"] == "create"
    assert all(r["token"] == "good" for r in fake_janus.requests)


async def test_plugin_refusal_is_typed(fake_janus):
    async with JanusClient(fake_janus.url, token="good") as client:
        handle = await (await client.create_session()).attach("janus.plugin.videoroom")
        with pytest.raises(JanusPluginError) as exc:
            await handle.message({"request": "join", "room": 77, "ptype": "publisher", "token": "bad"})
        assert exc.value.code == VIDEOROOM_UNAUTHORIZED


async def test_wrong_token_is_unauthorized(fake_janus):
    async with JanusClient(fake_janus.url, token="bad") as client:
        with pytest.raises(JanusUnauthorized):
            await client.create_session()


async def test_unanswered_request_times_out(fake_janus):
    fake_janus.silent.add("create")
    async with JanusClient(fake_janus.url, token="good", request_timeout=0.2) as client:
        with pytest.raises(JanusTimeout):
            await client.create_session()


async def test_keepalive_is_sent(fake_janus):
    async with JanusClient(fake_janus.url, token="good", keepalive_interval=0.05) as client:
        await client.create_session()
        await asyncio.sleep(0.3)
    assert sum(r["janus"] == "keepalive" for r in fake_janus.requests) >= 2


async def test_reconnects_and_claims_session_after_drop(fake_janus):
    async with JanusClient(fake_janus.url, token="good") as client:
        session = await client.create_session()
        await fake_janus.sockets[0].close()
        for _ in range(100):
            if any(r["janus"] == "claim" for r in fake_janus.requests):
                break
            await asyncio.sleep(0.02)
        claims = [r for r in fake_janus.requests if r["janus"] == "claim"]
        assert claims and claims[0]["session_id"] == session.id
        assert not session.gone.is_set()
        handle = await session.attach("janus.plugin.videoroom")  # usable again on the new socket
        assert handle.id == HID


async def test_unreachable_janus():
    client = JanusClient("ws://127.0.0.1:9/", request_timeout=1)
    with pytest.raises(JanusUnavailable):
        await client.connect()
    await client.close()
