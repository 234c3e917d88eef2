"""TOTP second factor: enrolment, sign-in with a code, no replays, throttling, required accounts."""

import time

import pyotp
import pytest
from django.test import Client

from summitry.accounts.models import SecondFactor
from summitry.audit.models import AuditEntry

pytestmark = [pytest.mark.postgres]
PASSWORD = "summitry-demo-2021"


def _code(user, step=0):
    secret = SecondFactor.objects.get(user=user).totp_secret
    return pyotp.TOTP(secret).at(int(time.time()) + 30 * step)


def _enrol(client, user):
    assert client.post("/accounts/security/", {"start": "1"}).status_code == 200
    page = client.get("/accounts/security/").content.decode()
    assert "data:image/svg+xml;base64," in page  # the QR code, inline (CSP allows data: images)
    assert client.post("/accounts/security/", {"code": "000000"}).status_code == 400
    code = _code(user)
    assert client.post("/accounts/security/", {"code": code}).status_code == 302
    assert SecondFactor.objects.get(user=user).confirmed_at is not None
    return code


def test_sign_in_asks_for_a_code_once_enrolled(scenario):
    user = scenario["blinken"]
    c = Client()
    c.login(username="blinken", password=PASSWORD)
    _enrol(c, user)
    fresh = Client()
    resp = fresh.post("/accounts/login/", {"username": "blinken", "password": PASSWORD})
    assert resp.status_code == 302 and resp.url == "/accounts/login/code"
    assert "_auth_user_id" not in fresh.session  # not signed in yet
    assert fresh.get("/").status_code == 302
    bad = fresh.post("/accounts/login/code", {"code": "123456"})
    assert bad.status_code == 400
    ok = fresh.post("/accounts/login/code", {"code": _code(user, step=1)})
    assert ok.status_code == 302 and fresh.get("/").status_code == 200
    assert fresh.session["auth_method"] == "password+totp"
    assert AuditEntry.objects.filter(action="login", subject="blinken", detail__method="password+totp").exists()


def test_a_code_works_only_once(scenario):
    user = scenario["chung"]
    c = Client()
    c.login(username="chung", password=PASSWORD)
    used = _enrol(c, user)  # accepted at enrolment
    second = Client()
    second.post("/accounts/login/", {"username": "chung", "password": PASSWORD})
    assert second.post("/accounts/login/code", {"code": used}).status_code == 400


def test_wrong_codes_are_throttled(scenario):
    user = scenario["garneau"]
    c = Client()
    c.login(username="garneau", password=PASSWORD)
    _enrol(c, user)
    attacker = Client()
    attacker.post("/accounts/login/", {"username": "garneau", "password": PASSWORD})
    for _ in range(5):
        attacker.post("/accounts/login/code", {"code": "111111"})
    resp = attacker.post("/accounts/login/code", {"code": _code(user, step=1)})
    assert resp.status_code == 400 and "Too many wrong codes" in resp.content.decode()


def test_an_account_that_requires_a_second_factor_must_set_it_up_first(scenario):
    SecondFactor.objects.create(user=scenario["ebrard"], required=True)
    c = Client()
    c.login(username="ebrard", password=PASSWORD)
    assert c.get("/").url == "/accounts/security/"
    assert c.post("/api/engagements/mexico-bilateral/join").status_code == 302
    _enrol(c, scenario["ebrard"])
    assert c.get("/").status_code == 200


def test_the_code_page_needs_a_password_first(scenario):
    assert Client().get("/accounts/login/code").url == "/accounts/login/"
