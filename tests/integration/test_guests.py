"""The guest panel of an engagement (the protocol office's): links for participants without an account,
shown once, emailed, revoked; through Django's whole stack."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone, translation
from django.utils.formats import date_format

from summitry.accounts.invitations import invite
from summitry.accounts.models import Delegation, GuestPass, Invitation, Person
from summitry.audit.models import AuditEntry
from summitry.domain.planning import local
from summitry.meetings.models import Engagement, MediaGrant, Participation

from .test_mail import inbox  # noqa: F401 (the real SMTP server fixture)

pytestmark = [pytest.mark.postgres]
SLUG = "canada-bilateral"
PANEL = f"/engagements/{SLUG}/guests/"
CREATE = f"{PANEL}links"
PASSWORD = "summitry-demo-2021"
HX = {"HTTP_HX_REQUEST": "true"}


def _client(username: str | None) -> Client:
    c = Client()
    if username:
        assert c.login(username=username, password=PASSWORD)
    return c


@pytest.fixture
def guest(scenario):
    """Rosa Icaza, of Mexico's delegation, without an account, in the Canada meeting (made today)."""
    person = Person.objects.create(slug="mx-adviser", delegation=Delegation.objects.get(slug="mx-sre"),
                                   given_name="Rosa", family_name="Icaza", title="Adviser (illustrative)",
                                   email="rosa.icaza@sre.example", language="es")
    now = timezone.now()
    Engagement.objects.filter(slug=SLUG).update(starts_at=now - timedelta(minutes=10), ends_at=now + timedelta(hours=1))
    return Participation.objects.create(engagement=Engagement.objects.get(slug=SLUG), person=person,
                                        role="delegation_member")


@pytest.fixture
def office():
    return _client("protocol")


def _url(html: str) -> str:
    found = re.findall(r"http://testserver/invite/[A-Za-z0-9_-]+", html)
    assert len(set(found)) == 1, found
    return found[0]


def test_the_panel_is_for_the_protocol_office_only(guest, office):
    page = office.get(PANEL)
    html = page.content.decode()
    assert page.status_code == 200 and "<html" in html and f'href="/engagements/{SLUG}/"' in html  # a full page
    assert "Rosa Icaza" in html and "Antony Blinken" not in html  # guests only: he has an account
    partial = office.get(PANEL, **HX)
    body = partial.content.decode()
    assert partial.status_code == 200 and "<html" not in body and body.strip().startswith('<section id="guests"')
    for who in ("garneau", "blinken", "press-ca"):  # the host, a principal, the press: none plans trips
        c = _client(who)
        refused = c.get(PANEL)
        assert refused.status_code == 403 and "refusal-title" in refused.content.decode()  # the page in words
        assert c.post(CREATE, {"participation": guest.pk}).status_code == 403
    secret = invite(guest, "protocol")
    inv = Invitation.objects.get()
    assert _client("garneau").post(f"{PANEL}links/{inv.pk}/revoke").status_code == 403
    assert Invitation.objects.get().revoked_at is None and Invitation.objects.count() == 1
    assert Client().post(f"/invite/{secret}").status_code == 302  # the link still works
    anonymous = Client().get(PANEL)
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.url


def test_a_new_link_is_shown_once_with_a_copy_button(guest, office):
    resp = office.post(CREATE, {"participation": guest.pk, "send": ""}, **HX)
    assert resp.status_code == 200
    html = resp.content.decode()
    url = _url(html)
    secret = url.rsplit("/", 1)[1]
    inv = Invitation.objects.get()
    assert inv.digest == hashlib.sha256(secret.encode()).hexdigest() and inv.created_by == "protocol"
    assert f'data-copy="guest-link-{guest.pk}"' in html and 'data-copied="Copied."' in html
    assert f'id="guest-link-{guest.pk}"' in html and "readonly" in html and "Ctrl+C" in html
    assert "summitry/js/copy-link.js" in html and 'type="module"' in html
    assert "Not used yet" in html and ">protocol<" in html
    again = office.get(PANEL).content.decode()
    assert secret not in again and "Not used yet" in again  # listed, never shown again
    entry = AuditEntry.objects.get(action="invitation_created")
    assert (entry.actor, entry.subject, entry.engagement) == ("protocol", "mx-adviser", SLUG)
    assert secret not in str(entry.detail)
    assert Client().post(f"/invite/{secret}").status_code == 302  # and it works


def test_without_htmx_the_answer_is_the_full_page(guest, office):
    resp = office.post(CREATE, {"participation": guest.pk})
    assert resp.status_code == 200 and "<html" in resp.content.decode()
    assert _url(resp.content.decode())


def test_create_and_email_the_link(guest, office, inbox):  # noqa: F811
    resp = office.post(CREATE, {"participation": guest.pk, "send": "email"}, **HX)
    html = resp.content.decode()
    assert resp.status_code == 200 and "Sent to rosa.icaza@sre.example." in html
    url = _url(html)
    [(rcpt, message)] = inbox.messages
    assert rcpt == ["rosa.icaza@sre.example"] and message["Content-Language"] == "es"
    text = message.get_body(preferencelist=("plain",)).get_content()
    with translation.override("es"):  # the month as Django itself writes it in Spanish, on Mexico City's clocks
        month = date_format(local(Engagement.objects.get(slug=SLUG).starts_at, "America/Mexico_City"), "F")
    assert url in text and f"de {month} de" in text and "Mexico City" in text
    entry = AuditEntry.objects.get(action="invitation_emailed")
    assert (entry.actor, entry.subject, entry.detail["sent"]) == ("protocol", "mx-adviser", True)
    c = Client()
    assert c.post(url.removeprefix("http://testserver")).status_code == 302  # the link in the mail works
    assert c.get(f"/engagements/{SLUG}/room").status_code == 200


def test_no_email_address_is_said_beside_the_guest(guest, office):
    Person.objects.filter(pk=guest.person_id).update(email="")
    html = office.get(PANEL).content.decode()
    assert 'value="email"' not in html and "No email address known" in html
    resp = office.post(CREATE, {"participation": guest.pk, "send": "email"}, **HX)
    assert resp.status_code == 200 and "No email address is known for this person" in resp.content.decode()
    assert _url(resp.content.decode())  # the link is made all the same, to be sent by hand


def test_a_mail_server_that_fails_is_said_in_words(guest, office, settings):
    from .test_mail import _free_port

    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _free_port(), 2
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    resp = office.post(CREATE, {"participation": guest.pk, "send": "email"}, **HX)
    assert resp.status_code == 200 and "could not be emailed" in resp.content.decode()
    assert AuditEntry.objects.get(action="invitation_emailed").detail["sent"] is False


def test_revoking_an_unused_link(guest, office):
    secret = invite(guest, "protocol")
    inv = Invitation.objects.get()
    resp = office.post(f"{PANEL}links/{inv.pk}/revoke", **HX)
    html = resp.content.decode()
    assert resp.status_code == 200 and "Revoked: the link no longer works." in html and "lost access" not in html
    inv.refresh_from_db()
    assert inv.revoked_at is not None and inv.revoked_by == "protocol"
    refused = Client().post(f"/invite/{secret}")
    assert refused.status_code == 410 and "_auth_user_id" not in refused.wsgi_request.session
    assert "withdrawn" in refused.content.decode() or "revoked" in refused.content.decode()
    assert not Person.objects.get(pk=guest.person_id).user
    again = office.post(f"{PANEL}links/{inv.pk}/revoke", **HX)
    assert again.status_code == 400 and "This link was revoked already." in again.content.decode()
    assert [e.detail.get("reason") for e in AuditEntry.objects.filter(action="invitation_refused",
                                                                      detail__stage="revoke")] == ["revoked"]
    entry = AuditEntry.objects.get(action="invitation_revoked")
    assert (entry.actor, entry.subject, entry.detail["used"], entry.detail["pass_ended"]) == (
        "protocol", "mx-adviser", False, False)


def test_revoking_a_used_link_ends_the_guests_access(guest, office):
    secret = invite(guest, "protocol")
    visitor = Client()
    assert visitor.post(f"/invite/{secret}").status_code == 302
    assert visitor.get(f"/engagements/{SLUG}/room").status_code == 200
    user = Person.objects.get(pk=guest.person_id).user
    # a live grant in the database (no Janus here: the media side is checked at Janus in test_relay_at_janus)
    assert GuestPass.objects.filter(user=user).exists()
    inv = Invitation.objects.get()
    resp = office.post(f"{PANEL}links/{inv.pk}/revoke", **HX)
    assert resp.status_code == 200 and "lost access" in resp.content.decode()
    assert not GuestPass.objects.filter(user=user).exists()
    assert visitor.get(f"/engagements/{SLUG}/room").status_code in (403, 404)
    assert visitor.post(f"/api/engagements/{SLUG}/join").status_code in (403, 404)
    assert visitor.get(f"/engagements/{SLUG}/").status_code == 404
    assert AuditEntry.objects.get(action="invitation_revoked").detail["pass_ended"] is True


@pytest.mark.parametrize("state, words", [("cancelled", "The engagement was cancelled: it takes no new guests."),
                                          ("ended", "The engagement has ended: it takes no new guests.")])
def test_no_new_link_once_the_engagement_is_over(guest, office, state, words):
    Engagement.objects.filter(slug=SLUG).update(state=state)
    page = office.get(PANEL).content.decode()
    assert words in page and f'action="/engagements/{SLUG}/guests/links"' not in page
    resp = office.post(CREATE, {"participation": guest.pk}, **HX)
    assert resp.status_code == 400 and words in resp.content.decode()
    assert not Invitation.objects.exists()
    assert AuditEntry.objects.get(action="invitation_refused").detail["reason"] == state


def test_refusals_are_said_in_words_and_change_nothing(guest, office):
    blinken = Participation.objects.get(engagement__slug=SLUG, person__slug="antony-blinken")
    resp = office.post(CREATE, {"participation": blinken.pk}, **HX)
    assert resp.status_code == 400 and "has an account of their own" in resp.content.decode()
    other = Participation.objects.create(engagement=Engagement.objects.get(slug="mexico-bilateral"),
                                         person=guest.person, role="delegation_member")
    for bad in (other.pk, "", "abc", "1" * 40, "-1", "٣"):
        resp = office.post(CREATE, {"participation": bad}, **HX)
        assert resp.status_code == 400 and "Choose one of the guests listed here." in resp.content.decode()
    assert not Invitation.objects.exists()
    foreign = Invitation.objects.create(participation=other, digest="0" * 64, created_by="protocol",
                                        expires_at=timezone.now() + timedelta(hours=1))
    resp = office.post(f"{PANEL}links/{foreign.pk}/revoke", **HX)  # a link of another engagement
    assert resp.status_code == 400 and "There is no such link for this engagement." in resp.content.decode()
    assert office.post(f"{PANEL}links/999999/revoke", **HX).status_code == 400
    assert Invitation.objects.get().revoked_at is None
    assert office.get("/engagements/no-such-thing/guests/").status_code == 404
    assert office.get(CREATE).status_code == 405


def test_a_live_grant_is_revoked_with_the_pass(guest, office):
    """The guest's grant dies when the used link is revoked (``meetings.services.remove``); Janus is not
    running here, so what Janus holds is checked in the janus-marked test below."""
    secret = invite(guest, "protocol")
    assert Client().post(f"/invite/{secret}").status_code == 302
    grant = MediaGrant.objects.create(participation=guest, token="test-token-not-at-janus")
    office.post(f"{PANEL}links/{Invitation.objects.get().pk}/revoke", **HX)
    grant.refresh_from_db()
    assert grant.revoked_at is not None and grant.revoked_reason == "invitation_revoked"
    assert AuditEntry.objects.filter(action="token_revoked", subject="mx-adviser",
                                     detail__reason="invitation_revoked").exists()


@pytest.mark.janus
async def test_revoking_a_used_link_cuts_the_guests_media_at_janus(guest, janus, gw):
    from asgiref.sync import sync_to_async
    from django.contrib.auth import get_user_model
    from django.test import AsyncClient

    from .conftest import admitted_join

    secret = await sync_to_async(invite)(guest, "protocol")
    assert (await AsyncClient().post(f"/invite/{secret}")).status_code == 302
    user = await sync_to_async(lambda: Person.objects.select_related("user").get(pk=guest.person_id).user)()
    grant = await admitted_join(user, SLUG)
    assert grant.token in {t["token"] for t in await janus.admin.list_tokens()}
    office = AsyncClient()
    await office.aforce_login(await get_user_model().objects.aget(username="protocol"))
    inv = await Invitation.objects.aget()
    resp = await office.post(f"{PANEL}links/{inv.pk}/revoke", headers={"HX-Request": "true"})
    assert resp.status_code == 200 and "lost access" in resp.content.decode()
    assert grant.token not in {t["token"] for t in await janus.admin.list_tokens()}
    stored = await MediaGrant.objects.aget(token=grant.token)
    assert stored.revoked_at is not None and stored.revoked_reason == "invitation_revoked"
