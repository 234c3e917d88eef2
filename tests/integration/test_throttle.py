"""Password guessing without lockout on demand: failures count per (user name, address) pair, plus a
cap per address across user names; the owner signs in from their own address whatever others do."""

import pytest
from django.test import Client

from summitry.accounts import throttle
from summitry.audit.models import AuditEntry

pytestmark = [pytest.mark.postgres]
PASSWORD = "summitry-demo-2021"
ATTACKER, OWNER = "203.0.113.66", "192.0.2.20"


def _sign_in(address, username, password, **extra):
    c = Client(REMOTE_ADDR=address, **extra)
    resp = c.post("/accounts/login/", {"username": username, "password": password})
    return resp, c


def _signed_in(client):
    return "_auth_user_id" in client.session


def test_five_failures_lock_the_account_from_that_address_only(scenario):
    for _ in range(throttle.PER_ACCOUNT_AND_ADDRESS):
        resp, _c = _sign_in(ATTACKER, "blinken", "guess")
        assert resp.status_code == 200 and "Too many failed sign-ins" not in resp.content.decode()
    # from the attacker's address, even the right password no longer works for that account
    resp, c = _sign_in(ATTACKER, "blinken", PASSWORD)
    assert "Too many failed sign-ins" in resp.content.decode() and not _signed_in(c)
    # the same name in other letter case shares the count
    resp, c = _sign_in(ATTACKER, "Blinken", PASSWORD)
    assert "Too many failed sign-ins" in resp.content.decode()
    # the Secretary, from their own address, signs in
    resp, c = _sign_in(OWNER, "blinken", PASSWORD)
    assert resp.status_code == 302 and _signed_in(c)
    # and the attacker's address may still sign in to other accounts (it is not at its cap)
    resp, c = _sign_in(ATTACKER, "price", PASSWORD)
    assert resp.status_code == 302 and _signed_in(c)


def test_twenty_failures_across_names_lock_the_address(scenario):
    for n in range(throttle.PER_ADDRESS):
        _sign_in(ATTACKER, f"spray{n}", "Password1")
    resp, c = _sign_in(ATTACKER, "garneau", PASSWORD)
    assert "Too many failed sign-ins" in resp.content.decode() and not _signed_in(c)
    resp, c = _sign_in(OWNER, "garneau", PASSWORD)
    assert resp.status_code == 302 and _signed_in(c)


def test_the_audit_names_the_attackers_address_never_the_victim(scenario):
    for _ in range(throttle.PER_ACCOUNT_AND_ADDRESS + 1):
        _sign_in(ATTACKER, "garneau", "guess")
    failed = list(AuditEntry.objects.filter(action="login_failed"))
    throttled = list(AuditEntry.objects.filter(action="login_throttled"))
    assert len(failed) == throttle.PER_ACCOUNT_AND_ADDRESS and len(throttled) == 1
    for e in failed + throttled:
        assert (e.actor, e.subject, e.detail["ip"]) == ("anonymous", "garneau", ATTACKER)
    assert throttled[0].detail["reason"] == "account_and_address"
    # a locked request is no failure: the lock ends 15 minutes after the failures, not after the last try
    assert AuditEntry.objects.filter(action="login_failed").count() == throttle.PER_ACCOUNT_AND_ADDRESS


def test_x_forwarded_for_is_not_trusted(scenario):
    """The address is the connection's (REMOTE_ADDR): a header cannot move the attacker's failures
    onto the owner's address, nor give the attacker a fresh address for each try."""
    for n in range(throttle.PER_ACCOUNT_AND_ADDRESS):
        _sign_in(ATTACKER, "blinken", "guess", HTTP_X_FORWARDED_FOR=f"198.51.100.{n}")
    assert set(AuditEntry.objects.filter(action="login_failed").values_list("detail__ip", flat=True)) == {ATTACKER}
    resp, c = _sign_in(ATTACKER, "blinken", PASSWORD, HTTP_X_FORWARDED_FOR="198.51.100.200")
    assert "Too many failed sign-ins" in resp.content.decode()
    resp, c = _sign_in(OWNER, "blinken", PASSWORD, HTTP_X_FORWARDED_FOR=ATTACKER)
    assert _signed_in(c)


PROXY = "127.0.0.1"


def test_behind_a_trusted_proxy_each_client_is_counted_by_the_address_the_proxy_saw(scenario, settings):
    """Behind the HTTPS proxy every request comes from the proxy: unless it is listed, everyone would
    share its address and anyone could lock anyone out from there."""
    settings.SUMMITRY_TRUSTED_PROXIES = frozenset({PROXY})
    for _ in range(throttle.PER_ACCOUNT_AND_ADDRESS):
        _sign_in(PROXY, "garneau", "guess", HTTP_X_FORWARDED_FOR=f"{OWNER}, {ATTACKER}")  # forged first hop
    resp, c = _sign_in(PROXY, "garneau", PASSWORD, HTTP_X_FORWARDED_FOR=OWNER)
    assert resp.status_code == 302 and _signed_in(c)  # the owner, seen by the proxy at their own address
    resp, c = _sign_in(PROXY, "garneau", PASSWORD, HTTP_X_FORWARDED_FOR=ATTACKER)
    assert "Too many failed sign-ins" in resp.content.decode() and not _signed_in(c)
    # a client that is not the proxy cannot choose its address with the header
    resp, c = _sign_in(ATTACKER, "garneau", PASSWORD, HTTP_X_FORWARDED_FOR=OWNER)
    assert not _signed_in(c)


def test_requests_without_an_address_share_one_bucket(scenario):
    for i in range(throttle.PER_ADDRESS):
        _sign_in("", f"nobody-{i}", "guess")
    resp, c = _sign_in("", "price", PASSWORD)
    assert "Too many failed sign-ins" in resp.content.decode() and not _signed_in(c)


def test_the_admin_signs_in_through_summitrys_sign_in_only(scenario):
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from summitry.accounts import two_factor

    root = get_user_model().objects.create_superuser("root", password=PASSWORD)
    device = two_factor.start_enrolment(root)
    device.confirmed_at = timezone.now()
    device.save()
    resp = Client().get("/admin/login/")
    assert resp.status_code == 302 and resp["Location"] == "/accounts/login/?next=/admin/"
    c = Client(REMOTE_ADDR=OWNER)
    resp = c.post("/admin/login/", {"username": "root", "password": PASSWORD})
    assert resp.status_code == 302 and not _signed_in(c)  # the admin's own form is gone
    resp = c.post("/accounts/login/?next=/admin/", {"username": "root", "password": PASSWORD})
    assert resp["Location"].startswith("/accounts/login/code") and not _signed_in(c)  # the second factor next
