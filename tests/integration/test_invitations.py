"""Invitations for guests without an account: personal, single-use, expiring, bound to one engagement."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from summitry.accounts.invitations import invite
from summitry.accounts.models import Delegation, Invitation, Person
from summitry.meetings.models import Admission, Engagement, Participation

pytestmark = [pytest.mark.postgres]


@pytest.fixture
def guest(scenario):
    person = Person.objects.create(slug="mx-adviser", delegation=Delegation.objects.get(slug="mx-sre"),
                                   given_name="Rosa", family_name="Icaza", title="Adviser (illustrative)")
    canada = Engagement.objects.get(slug="canada-bilateral")
    mexico = Engagement.objects.get(slug="mexico-bilateral")
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
