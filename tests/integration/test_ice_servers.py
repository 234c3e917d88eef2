"""The join grant carries the page's ICE servers: none unless configured (janus.js would otherwise use
Google's STUN server), and TURN credentials of each grant's own."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from summitry.media import ice

pytestmark = [pytest.mark.postgres]

SLUG = "canada-bilateral"  # Marc Garneau hosts: no lobby


def _join(scenario):
    client = Client()
    client.force_login(scenario["garneau"])
    resp = client.post(f"/api/engagements/{SLUG}/join", {"e2ee": False}, content_type="application/json")
    assert resp.status_code == 200, resp.content
    return resp.json()


def test_no_ice_server_by_default(scenario, fake_gateway):
    grant = _join(scenario)
    assert grant["ice_servers"] == [] and grant["ice_transport_policy"] == "all"


@override_settings(SUMMITRY_ICE_SERVERS=ice.parse_servers('[{"urls": "stun:stun.ministry.example:3478"}]'),
                   SUMMITRY_TURN_URLS=("turn:turn.ministry.example:3478",), SUMMITRY_TURN_SECRET="s3cret",
                   SUMMITRY_ICE_TRANSPORT_POLICY="relay")
def test_configured_servers_and_turn_credentials_per_grant(scenario, fake_gateway):
    first, second = _join(scenario), _join(scenario)
    stun, turn = first["ice_servers"]
    assert stun == {"urls": ["stun:stun.ministry.example:3478"], "username": "", "credential": ""}
    assert turn["urls"] == ["turn:turn.ministry.example:3478"]
    expiry, name = turn["username"].split(":")
    assert name and first["token"] not in turn["username"]  # the token is never shown
    # the demo's engagements are in 2021: the credential lasts the grace after the end, from now
    import time
    assert time.time() + 14 * 60 < int(expiry) <= time.time() + 15 * 60 + 5
    assert second["ice_servers"][1]["username"] != turn["username"]  # each grant its own
    assert first["ice_transport_policy"] == "relay"
