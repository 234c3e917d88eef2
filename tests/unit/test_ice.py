"""ICE servers from the settings: what is accepted, and the TURN credentials each grant gets."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from summitry.media import ice


def test_no_servers_by_default_and_never_a_third_partys():
    assert ice.parse_servers("") == ()
    assert ice.parse_servers("[]") == ()
    assert ice.servers_for((), (), "", "x", 0) == []


def test_servers_as_the_browser_reads_them():
    servers = ice.parse_servers('[{"urls": "stun:stun.ministry.example:3478"},'
                                ' {"urls": ["turn:turn.ministry.example:3478?transport=udp",'
                                ' "turns:turn.ministry.example:5349"],'
                                ' "username": "u", "credential": "p"}]')
    assert [s.as_json() for s in servers] == [
        {"urls": ["stun:stun.ministry.example:3478"]},
        {"urls": ["turn:turn.ministry.example:3478?transport=udp", "turns:turn.ministry.example:5349"],
         "username": "u", "credential": "p"}]


@pytest.mark.parametrize("text", [
    "{", "{}", '"stun:x"', '[{"url": "stun:x"}]', '[{"urls": "http://x"}]', '[{"urls": []}]',
    '[{"urls": "turn:x", "username": "u"}]', '[{"urls": "turn:x", "username": 1, "credential": "p"}]',
    '[{"urls": "stun:x", "extra": 1}]', '["stun:x"]'])
def test_what_is_refused(text):
    with pytest.raises(ice.IceConfigError):
        ice.parse_servers(text)


def test_turn_urls_and_policy():
    assert ice.parse_turn_urls(" turn:10.0.0.1:3478 , turns:t.example:5349 ") == ("turn:10.0.0.1:3478",
                                                                                   "turns:t.example:5349")
    assert ice.parse_turn_urls("") == ()
    for bad in ("stun:10.0.0.1", "http://x"):
        with pytest.raises(ice.IceConfigError):
            ice.parse_turn_urls(bad)
    assert ice.parse_policy("") == "all" and ice.parse_policy("RELAY") == "relay"
    with pytest.raises(ice.IceConfigError):
        ice.parse_policy("none")


def test_each_grant_gets_turn_credentials_of_its_own_in_coturns_form():
    a = ice.servers_for((), ("turn:10.0.0.1:3478",), "s3cret", "grant-a", 1_900_000_000)
    b = ice.servers_for((), ("turn:10.0.0.1:3478",), "s3cret", "grant-b", 1_900_000_000)
    assert a[0]["username"] == "1900000000:grant-a" and a[0]["credential"] != b[0]["credential"]
    # RFC 7635-style (coturn's use-auth-secret): base64(HMAC-SHA1(secret, username))
    expected = base64.b64encode(hmac.new(b"s3cret", b"1900000000:grant-a", hashlib.sha1).digest()).decode()
    assert a[0]["credential"] == expected
    assert ice.servers_for((), ("turn:10.0.0.1:3478",), "", "grant-a", 1) == []  # no secret, no TURN
