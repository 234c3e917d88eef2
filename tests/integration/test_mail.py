"""Mail to participants through a real SMTP server (aiosmtpd, in this process, on a loopback port):
one message per person, in their language and time zone, with the .ics calendar programs apply."""

from __future__ import annotations

import socket
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from icalendar import Calendar

from summitry.accounts.models import Person
from summitry.audit.models import AuditEntry
from summitry.meetings.models import Engagement, Participation
from summitry.trips import mail

pytestmark = [pytest.mark.postgres]
BASE = "https://summitry.example"
ADDRESSES = {"marc-garneau": "garneau@gac.example", "antony-blinken": "blinken@state.example",
             "ca-journalist": "journalist@press.example", "julie-chung": "chung@state.example"}


class Inbox:
    """What the server received: each message with its envelope."""

    def __init__(self, refuse: str = "") -> None:
        self.refuse = refuse
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse == "rcpt":
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.refuse == "data":
            return "554 5.7.1 Message refused"
        self.messages.append((list(envelope.rcpt_tos),
                              message_from_bytes(envelope.original_content or envelope.content, policy=policy.default)))
        return "250 OK"

    def to(self, address: str) -> EmailMessage:
        found = [m for rcpt, m in self.messages if rcpt == [address]]
        assert len(found) == 1, f"{len(found)} messages to {address}"
        return found[0]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _serve(settings, handler: Inbox):
    controller = Controller(handler, hostname="127.0.0.1", port=_free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    return controller


@pytest.fixture
def inbox(settings):
    handler = Inbox()
    controller = _serve(settings, handler)
    yield handler
    controller.stop()


@pytest.fixture
def people(scenario):
    for slug, address in ADDRESSES.items():
        Person.objects.filter(slug=slug).update(email=address)
    return ADDRESSES


def _calendar(message: EmailMessage) -> tuple[Calendar, object]:
    parts = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1
    assert parts[0].get_filename().endswith(".ics")
    cal = Calendar.from_ical(parts[0].get_content())
    assert parts[0].get_param("method") == str(cal["METHOD"])
    return cal, cal.walk("VEVENT")[0]


def _attendees(event) -> list[str]:
    found = event.get("attendee")
    return [str(a) for a in (found if isinstance(found, list) else [found])]


def _text(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


def _html(message: EmailMessage) -> str:
    return message.get_body(preferencelist=("html",)).get_content()


def test_invitations_go_to_each_person_alone_in_their_language_and_time_zone(people, inbox):
    e = Engagement.objects.get(slug="canada-bilateral")
    sent = mail.notify_invited(e, e.participations.all(), BASE)
    assert sent == 4  # the six others on the list have no address: skipped, and said so in the audit trail
    assert AuditEntry.objects.filter(action="mail_skipped", engagement=e.slug).count() == e.participations.count() - 4
    assert AuditEntry.objects.filter(action="mail_sent", engagement=e.slug).count() == 4
    # one envelope per person, and no header naming anyone else
    assert sorted(rcpt for rcpt, _ in inbox.messages) == sorted([a] for a in people.values())
    for rcpt, message in inbox.messages:
        assert message["To"].addresses[0].addr_spec == rcpt[0] and len(message["To"].addresses) == 1
        assert message["Cc"] is None and message["Bcc"] is None
        others = set(people.values()) - set(rcpt)
        assert not any(o in message.as_string() for o in others)

    garneau = inbox.to(people["marc-garneau"])  # French, in Ottawa
    assert garneau["Content-Language"] == "fr"
    text = _text(garneau)
    assert "vendredi" in text and "février" in text  # Django's own French for Friday 26 February
    assert "Friday" not in text and "February" not in text
    assert "13:00" in text  # 13:00 in Ottawa, the host capital: one clock only
    html = _html(garneau)
    assert '<html lang="fr">' in html and "vendredi" in html
    cal, event = _calendar(garneau)
    assert cal["METHOD"] == "REQUEST" and event["UID"] == "canada-bilateral@summitry"
    assert int(event["SEQUENCE"]) == e.sequence
    start = event.decoded("dtstart")
    assert str(start.tzinfo) == "America/Toronto" and (start.hour, start.minute) == (13, 0)
    attendees = _attendees(event)
    assert "mailto:garneau@gac.example" in attendees  # the recipient's own line has their address
    assert not [a for a in attendees if a.startswith("mailto:") and a != "mailto:garneau@gac.example"]
    assert len(attendees) == e.participations.count()

    blinken = inbox.to(people["antony-blinken"])  # English, in Washington: his clock and Ottawa's
    text = _text(blinken)
    assert blinken["Content-Language"] == "en" and "Friday Feb. 26, 2021" in text and "1 p.m." in text
    assert "Ottawa" in text and "Washington" in text
    assert "You are invited" in blinken["Subject"] and e.title in blinken["Subject"]
    assert str(_calendar(blinken)[1].decoded("dtstart").tzinfo) == "America/New_York"
    assert "/engagements/canada-bilateral/" in text


def test_the_press_reads_no_closed_segment_title(people, inbox):
    e = Engagement.objects.get(slug="canada-bilateral")
    closed = e.segments.get(kind="closed").title
    mail.notify_invited(e, e.participations.all(), BASE)
    press = inbox.to(people["ca-journalist"])
    for body in (_text(press), _html(press), press.as_string()):
        assert closed not in body
    assert e.segments.get(kind="open").title in _text(press)
    assert closed in _text(inbox.to(people["antony-blinken"]))  # a principal reads it


def test_a_change_raises_the_sequence_and_a_cancellation_cancels_the_same_uid(people, inbox):
    e = Engagement.objects.get(slug="canada-bilateral")
    Engagement.objects.filter(pk=e.pk).update(sequence=3)
    assert mail.notify_changed(e, BASE) == 4
    cal, event = _calendar(inbox.to(people["antony-blinken"]))
    assert cal["METHOD"] == "REQUEST" and int(event["SEQUENCE"]) == 3 and event["UID"] == "canada-bilateral@summitry"
    inbox.messages.clear()
    Engagement.objects.filter(pk=e.pk).update(state="cancelled", sequence=4)
    assert mail.notify_cancelled(e, BASE) == 4
    message = inbox.to(people["marc-garneau"])
    cal, event = _calendar(message)
    assert cal["METHOD"] == "CANCEL" and event["STATUS"] == "CANCELLED" and int(event["SEQUENCE"]) == 4
    assert event["UID"] == "canada-bilateral@summitry"
    assert e.title in message["Subject"]


def test_people_taken_off_the_list_get_a_cancel_for_themselves_alone(people, inbox):
    e = Engagement.objects.get(slug="canada-bilateral")
    chung = Person.objects.get(slug="julie-chung")
    Participation.objects.filter(engagement=e, person=chung).delete()
    assert mail.notify_removed(e, [chung, Person.objects.get(slug="ned-price")], BASE) == 1  # Price: no address
    message = inbox.to(people["julie-chung"])
    cal, event = _calendar(message)
    assert cal["METHOD"] == "CANCEL" and event["UID"] == "canada-bilateral@summitry"
    assert _attendees(event) == ["mailto:chung@state.example"]
    assert "no longer on the list" in _text(message)
    assert "Opening remarks" not in _text(message)  # nothing of the segments for someone off the list
    assert AuditEntry.objects.filter(action="mail_skipped", subject="ned-price").exists()
    assert Engagement.objects.get(pk=e.pk).state == "scheduled"  # the engagement itself goes on


def test_the_guest_link_is_mailed_to_the_guest(people, inbox):
    participation = Participation.objects.get(engagement__slug="canada-bilateral", person__slug="ca-journalist")
    url = f"{BASE}/invite/not-a-real-secret-just-a-url"
    assert mail.send_guest_link(participation, url) is True
    message = inbox.to(people["ca-journalist"])
    assert url in _text(message) and f'href="{url}"' in _html(message)
    assert _calendar(message)[0]["METHOD"] == "REQUEST"
    entry = AuditEntry.objects.get(action="mail_sent", subject="ca-journalist")
    assert "not-a-real-secret" not in str(entry.detail)  # the link itself is never audited
    no_address = Participation.objects.get(engagement__slug="canada-bilateral", person__slug="ca-note-taker")
    assert mail.send_guest_link(no_address, url) is False


@pytest.mark.parametrize("refuse", ["rcpt", "data"])
def test_a_server_that_refuses_is_logged_and_audited_never_raised(people, settings, refuse, caplog):
    controller = _serve(settings, Inbox(refuse=refuse))
    try:
        e = Engagement.objects.get(slug="canada-bilateral")
        assert mail.notify_invited(e, e.participations.all(), BASE) == 0
        assert mail.notify_cancelled(e, BASE) == 0
    finally:
        controller.stop()
    failed = AuditEntry.objects.filter(action="mail_failed", engagement="canada-bilateral")
    assert failed.count() == 8 and {f.subject for f in failed} == set(people)
    assert "failed" in caplog.text


def test_no_server_at_all_is_logged_and_audited_never_raised(people, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", _free_port(), 2
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    e = Engagement.objects.get(slug="canada-bilateral")
    assert mail.notify_changed(e, BASE) == 0
    participation = Participation.objects.get(engagement=e, person__slug="ca-journalist")
    assert mail.send_guest_link(participation, f"{BASE}/invite/x") is False
    assert AuditEntry.objects.filter(action="mail_failed").count() == 5
