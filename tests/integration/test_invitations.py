"""Invitations for guests without an account: personal, single-use, expiring, bound to one engagement."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.utils import timezone

from summitry.accounts.invitations import InvitationError, invite, is_guest
from summitry.accounts.models import Delegation, Invitation, Person, SecondFactor, SecurityKey
from summitry.audit.models import AuditEntry
from summitry.meetings.models import Admission, Engagement, Participation

pytestmark = [pytest.mark.postgres]


@pytest.fixture
def guest(scenario):
    person = Person.objects.create(slug="mx-adviser", delegation=Delegation.objects.get(slug="mx-sre"),
                                   given_name="Rosa", family_name="Icaza", title="Adviser (illustrative)")
    canada = Engagement.objects.get(slug="canada-bilateral")
    mexico = Engagement.objects.get(slug="mexico-bilateral")
    # the demo's engagements are in 2021: links work only until an engagement's end, so this one is today
    now = timezone.now()
    Engagement.objects.filter(pk=canada.pk).update(starts_at=now - timedelta(minutes=10),
                                                   ends_at=now + timedelta(hours=1))
    for e in (canada, mexico):
        Participation.objects.create(engagement=e, person=person, role="delegation_member")
    return Participation.objects.get(engagement=canada, person=person)


def test_a_link_signs_the_guest_in_for_that_engagement_once(guest):
    secret = invite(guest, "protocol")
    assert Invitation.objects.get().digest != secret  # only a hash is kept
    c = Client()
    page = c.get(f"/invite/{secret}")
    assert page.status_code == 200 and "Rosa Icaza" in page.content.decode()
    resp = c.post(f"/invite/{secret}")
    assert resp.status_code == 302 and resp.url == "/engagements/canada-bilateral/room"
    assert c.get("/engagements/canada-bilateral/room").status_code == 200
    # the guest waits in the lobby like everyone, and the host sees how they signed in
    join = c.post("/api/engagements/canada-bilateral/join")
    assert join.status_code == 202
    assert Admission.objects.get(participation=guest).auth_method == "invitation"
    # bound to this engagement: the other one they take part in stays closed to this sign-in
    assert c.get("/engagements/mexico-bilateral/room").status_code == 403
    assert c.post("/api/engagements/mexico-bilateral/join").status_code == 403
    # single use
    again = Client().post(f"/invite/{secret}")
    assert again.status_code == 410 and "used already" in again.content.decode()


def test_expired_and_unknown_links(guest):
    secret = invite(guest, "protocol", lifetime=timedelta(seconds=-1))
    assert Client().get(f"/invite/{secret}").status_code == 410
    assert "expired" in Client().post(f"/invite/{secret}").content.decode()
    assert Client().get("/invite/not-a-real-secret").status_code == 410
    assert not Participation.objects.get(pk=guest.pk).person.user


def test_the_guest_account_cannot_sign_in_with_a_password(guest):
    Client().post(f"/invite/{invite(guest, 'protocol')}")
    user = Person.objects.get(slug="mx-adviser").user
    assert not user.has_usable_password()


def test_host_side_creates_invitations_through_the_api(guest):
    host = Client()
    host.login(username="garneau", password="summitry-demo-2021")
    resp = host.post("/api/engagements/canada-bilateral/invitations", {"person": "mx-adviser"},
                     content_type="application/json")
    assert resp.status_code == 201 and resp.json()["url"].startswith("http://testserver/invite/")
    outsider = Client()
    outsider.login(username="blinken", password="summitry-demo-2021")  # a guest principal may not
    assert outsider.post("/api/engagements/canada-bilateral/invitations", {"person": "mx-adviser"},
                         content_type="application/json").status_code == 403
    assert Invitation.objects.count() == 1
    assert Invitation.objects.get().expires_at > timezone.now() + timedelta(hours=47)


PASSWORD = "summitry-demo-2021"
ATTACKER = "198.51.100.7"


def _refusals():
    return list(AuditEntry.objects.filter(action="invitation_refused").order_by("id"))


def test_no_invitation_for_a_person_who_has_an_account(guest):
    """An invitation would sign its holder in as that account, past its password and second factor."""
    host = Client(REMOTE_ADDR="192.0.2.10")
    host.cookies["django_language"] = "en"  # the minister reads French; the sentence checked is the English one
    host.login(username="garneau", password=PASSWORD)
    resp = host.post("/api/engagements/canada-bilateral/invitations", {"person": "antony-blinken"},
                     content_type="application/json")
    assert resp.status_code == 400
    assert "has an account" in resp.json()["detail"] and "only for guests" in resp.json()["detail"]
    with pytest.raises(InvitationError) as exc:
        invite(Participation.objects.get(engagement__slug="canada-bilateral", person__slug="antony-blinken"),
               "protocol")
    assert exc.value.reason == "has_account"
    assert not Invitation.objects.exists()
    first = _refusals()[0]
    assert (first.actor, first.subject, first.detail["reason"], first.detail["ip"]) == (
        "garneau", "antony-blinken", "has_account", "192.0.2.10")


def test_a_link_made_before_the_person_got_an_account_signs_nobody_in(guest):
    secret = invite(guest, "protocol")
    person = guest.person
    person.user = get_user_model().objects.create_user("icaza", password=PASSWORD)
    person.save(update_fields=["user"])
    attacker = Client(REMOTE_ADDR=ATTACKER)
    page = attacker.get(f"/invite/{secret}")
    assert page.status_code == 410 and "has an account now" in page.content.decode()
    resp = attacker.post(f"/invite/{secret}")
    assert resp.status_code == 410 and "has an account now" in resp.content.decode()
    assert "_auth_user_id" not in attacker.session
    assert attacker.get("/engagements/canada-bilateral/room").status_code == 302  # to the sign-in page
    assert Invitation.objects.get().used_at is None
    assert not AuditEntry.objects.filter(action__in=["login", "invitation_used"]).exists()
    refusals = _refusals()
    assert [(e.actor, e.detail["ip"], e.detail["reason"], e.detail["stage"]) for e in refusals] == [
        ("anonymous", ATTACKER, "has_account", "open"), ("anonymous", ATTACKER, "has_account", "redeem")]
    assert all(e.subject == "mx-adviser" and e.actor != "icaza" for e in refusals)


def test_a_real_account_called_guest_is_no_guest(guest):
    """``is_guest`` needs both the prefix and an unusable password: a look-alike name is not enough."""
    secret = invite(guest, "protocol")
    person = guest.person
    person.user = get_user_model().objects.create_user("guest-mx-adviser", password=PASSWORD)
    person.save(update_fields=["user"])
    assert not is_guest(person.user)
    c = Client()
    assert c.post(f"/invite/{secret}").status_code == 410 and "_auth_user_id" not in c.session


@pytest.mark.parametrize("change, message", [
    ({"state": "ended"}, "the engagement has ended"),
    ({"state": "cancelled"}, "the engagement was cancelled"),
    ({"ends_at": timezone.now() - timedelta(minutes=1)}, "the engagement has ended"),
])
def test_a_link_stops_working_when_the_engagement_is_over(guest, change, message):
    secret = invite(guest, "protocol")
    if "ends_at" in change:
        change["starts_at"] = change["ends_at"] - timedelta(hours=1)
    Engagement.objects.filter(pk=guest.engagement_id).update(**change)
    c = Client(REMOTE_ADDR=ATTACKER)
    assert c.get(f"/invite/{secret}").status_code == 410
    resp = c.post(f"/invite/{secret}")
    assert resp.status_code == 410 and message in resp.content.decode()
    assert "_auth_user_id" not in c.session and not Person.objects.get(slug="mx-adviser").user
    assert {(e.actor, e.detail["ip"]) for e in _refusals()} == {("anonymous", ATTACKER)}
    # nor can a new link be made for it
    with pytest.raises(InvitationError):
        invite(Participation.objects.get(pk=guest.pk), "protocol")


def test_the_refusal_speaks_french_and_spanish(guest):
    secret = invite(guest, "protocol")
    Engagement.objects.filter(pk=guest.engagement_id).update(state="cancelled")
    fr = Client(HTTP_ACCEPT_LANGUAGE="fr")
    assert "la rencontre a été annulée" in fr.get(f"/invite/{secret}").content.decode()
    es = Client(HTTP_ACCEPT_LANGUAGE="es")
    assert "el encuentro fue cancelado" in es.get(f"/invite/{secret}").content.decode()


def test_the_guest_session_ends_with_the_engagement(guest):
    c = Client()
    assert c.post(f"/invite/{invite(guest, 'protocol')}").status_code == 302
    ends_at = Engagement.objects.get(pk=guest.engagement_id).ends_at
    assert c.session.get_expiry_date() == ends_at
    assert c.session.get_expiry_age() <= 3600


def test_a_guest_cannot_enrol_a_second_factor_or_a_security_key(guest):
    c = Client(REMOTE_ADDR=ATTACKER)
    c.post(f"/invite/{invite(guest, 'protocol')}")
    user = Person.objects.get(slug="mx-adviser").user
    assert is_guest(user)
    page = c.get("/accounts/security/")
    assert page.status_code == 403 and "cannot have an authenticator app" in page.content.decode()
    assert c.post("/accounts/security/", {"start": "1"}).status_code == 403
    assert c.post("/accounts/security/", {"code": "123456"}).status_code == 403
    assert not SecondFactor.objects.filter(user=user).exists()
    options = c.get("/accounts/security/key/options")
    assert options.status_code == 403 and "security key" in options.json()["detail"]
    assert c.post("/accounts/security/key", {"credential": {}, "name": "mine"},
                  content_type="application/json").status_code == 403
    assert not SecurityKey.objects.filter(user=user).exists()
    refused = AuditEntry.objects.filter(action="second_factor_refused")
    assert refused.count() == 5 and {(e.actor, e.detail["ip"]) for e in refused} == {(user.username, ATTACKER)}
    # nor can the guest account be used with the password form, whatever is typed
    for password in ("", "!", PASSWORD):
        assert Client().post("/accounts/login/", {"username": user.username, "password": password}
                             ).status_code == 200
    # a real account is not refused
    real = Client()
    real.login(username="blinken", password=PASSWORD)
    assert real.get("/accounts/security/").status_code == 200
    assert real.get("/accounts/security/key/options").status_code == 200


def _recreated(guest):
    """The person taken off the list and deleted, then made again with the same slug and put back on the
    list (a directory edit); the guest account the first link made stays behind without a person."""
    person = guest.person
    Participation.objects.filter(person=person).delete()
    person.delete()
    again = Person.objects.create(slug="mx-adviser", delegation=Delegation.objects.get(slug="mx-sre"),
                                  given_name="Rosa", family_name="Icaza", title="Adviser (illustrative)")
    return Participation.objects.create(engagement=guest.engagement, person=again, role="delegation_member")


def test_a_person_made_again_with_the_same_slug_can_redeem_a_new_link(guest):
    first = Client()
    assert first.post(f"/invite/{invite(guest, 'protocol')}").status_code == 302
    left_behind = get_user_model().objects.get(pk=Person.objects.get(slug="mx-adviser").user_id)
    again = _recreated(guest)
    c = Client()
    resp = c.post(f"/invite/{invite(again, 'protocol')}")
    assert resp.status_code == 302 and resp.url == "/engagements/canada-bilateral/room"
    user = Person.objects.get(slug="mx-adviser").user
    assert user is not None and user.pk != left_behind.pk and is_guest(user)
    assert user.username.startswith("guest-mx-adviser-") and len(user.username) <= 150
    assert c.get("/engagements/canada-bilateral/room").status_code == 200


def test_a_sign_in_name_given_by_a_planner_does_not_block_the_guest(guest):
    """A real account called ``guest-<slug>`` (made in the directory) is neither reused nor in the way."""
    real = get_user_model().objects.create_user("guest-mx-adviser", password=PASSWORD)
    c = Client()
    assert c.post(f"/invite/{invite(guest, 'protocol')}").status_code == 302
    user = Person.objects.get(slug="mx-adviser").user
    assert user.pk != real.pk and is_guest(user) and not is_guest(real)
    assert int(c.session["_auth_user_id"]) == user.pk


def test_a_taken_guest_name_is_drawn_again(guest, monkeypatch):
    from summitry.accounts import invitations

    get_user_model().objects.create(username="guest-mx-adviser-00000000")
    drawn = iter(["00000000", "0000beef"])
    monkeypatch.setattr(invitations.secrets, "token_hex", lambda n: next(drawn))
    assert Client().post(f"/invite/{invite(guest, 'protocol')}").status_code == 302
    assert Person.objects.get(slug="mx-adviser").user.username == "guest-mx-adviser-0000beef"


def test_a_guest_name_stays_within_150_characters():
    from summitry.accounts.invitations import _guest_username

    name = _guest_username(Person(slug="a" * 200))
    assert len(name) == 150 and name.startswith("guest-aaa") and name[-9] == "-"
