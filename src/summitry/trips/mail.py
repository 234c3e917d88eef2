"""Mail to participants: invitations, updates and cancellations, each with its .ics, and guests' links.

One message per person (no shared To or CC: nobody learns from it who else was told), in that person's
language, with the time on their own clocks and on the host capital's, as plain text with an HTML
alternative. What a message says of the engagement's segments is what the person's role may read
(``access.segment_title_for``). These are called after the planning change has committed, so a mail
server that fails or refuses is logged and audited, never raised: each function returns how many
messages went out. People without an email address are skipped, and counted in the audit trail."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.utils import formataddr
from typing import Any, Literal

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.core.mail.message import SafeMIMEText
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from summitry.accounts.invitations import has_real_account
from summitry.accounts.models import Invitation, Person
from summitry.audit.log import record
from summitry.domain.planning import local
from summitry.meetings.models import ROLE_LABELS, Engagement, Participation

from . import access, ics

log = logging.getLogger(__name__)

Kind = Literal["invited", "changed", "removed", "cancelled", "guest_link"]

SUBJECTS: dict[str, Promise] = {
    "invited": _("You are invited: %(title)s"),
    "changed": _("Updated: %(title)s"),
    "removed": _("You are no longer on the list: %(title)s"),
    "cancelled": _("Cancelled: %(title)s"),
    "guest_link": _("Your personal link: %(title)s"),
}
CANCELS = frozenset({"removed", "cancelled"})


@dataclass(frozen=True)
class Letter:
    """One message: to whom, why, and the role they read the engagement with (None: no longer on its
    list, who is told nothing of its segments)."""

    person: Person
    kind: Kind
    role: str | None
    url: str = ""  # the guest's personal link (send_guest_link only)


@dataclass
class Delivery:
    sent: int = 0
    skipped: int = 0  # no email address
    failed: int = 0


def notify_invited(engagement: Engagement, participations: Iterable[Participation], base_url: str) -> int:
    """"You are invited", with a METHOD:REQUEST .ics, to each of these participants."""
    e = _fresh(engagement)
    mine = Participation.objects.filter(pk__in=[p.pk for p in participations], engagement=e).select_related(
        "person__delegation__country", "person__user")
    return deliver(e, [Letter(p.person, "invited", p.role) for p in mine], base_url).sent


def notify_changed(engagement: Engagement, base_url: str) -> int:
    """The engagement as it now stands (new time or details), a REQUEST with its raised SEQUENCE, to
    every participant. The caller has raised ``Engagement.sequence`` with the change."""
    e = _fresh(engagement)
    return deliver(e, [Letter(p.person, "changed", p.role) for p in _participations(e)], base_url).sent


def notify_removed(engagement: Engagement, people: Iterable[Person], base_url: str) -> int:
    """A METHOD:CANCEL for the engagement to each person taken off its list (it goes on without them)."""
    e = _fresh(engagement)
    removed = Person.objects.filter(pk__in=[p.pk for p in people]).select_related("delegation__country", "user")
    return deliver(e, [Letter(p, "removed", None) for p in removed], base_url).sent


def notify_cancelled(engagement: Engagement, base_url: str) -> int:
    """A METHOD:CANCEL to every participant of a cancelled engagement."""
    e = _fresh(engagement)
    return deliver(e, [Letter(p.person, "cancelled", p.role) for p in _participations(e)], base_url).sent


def send_guest_link(participation: Participation, url: str) -> bool:
    """The guest's personal, single-use link (``url``), with the engagement's .ics. Never logged or audited
    with the link itself."""
    e = _fresh(participation.engagement)
    p = Participation.objects.select_related("person__delegation__country", "person__user").get(pk=participation.pk)
    return deliver(e, [Letter(p.person, "guest_link", p.role, url=url)], base_url=_origin(url)).sent == 1


def send_welcome(person: Person, base_url: str) -> bool:
    """A first sign-in link for the person's account (one without a password yet), to their own address.
    Never logged or audited with the link itself."""
    from summitry.accounts import welcome

    user = person.user
    if not person.email or not welcome.may_set_first_password(user):
        return False
    language = _language(person)
    with translation.override(language):
        text = render_to_string("mail/welcome.txt", {
            "name": str(person), "url": welcome.link_for(user, base_url), "username": user.get_username()})
        subject = str(_("Your Summitry account"))
    message = EmailMultiAlternatives(subject=subject, body=text, to=[formataddr((str(person), person.email))],
                                     headers={"Auto-Submitted": "auto-generated", "Content-Language": language})
    try:
        message.send()
    except Exception as exc:  # the mail server refused: said to the officer, never raised
        log.warning("welcome mail to %s failed: %s: %s", person.slug, type(exc).__name__, exc)
        record("mail_failed", subject=person.slug, kind="welcome", reason=type(exc).__name__)
        return False
    record("mail_sent", subject=person.slug, kind="welcome")
    return True


def deliver(e: Engagement, letters: Sequence[Letter], base_url: str) -> Delivery:
    """Send each letter on one connection; whatever fails is logged and audited, and the rest still go."""
    result = Delivery()
    to_send = []
    for letter in letters:
        if letter.person.email:
            to_send.append(letter)
            continue
        result.skipped += 1
        record("mail_skipped", engagement=e.slug, subject=letter.person.slug, kind=letter.kind, reason="no_email")
    if not to_send:
        return result
    done: set[int] = set()
    try:
        with get_connection() as connection:
            for letter in to_send:
                try:
                    connection.send_messages([_message(e, letter, base_url, connection)])
                except Exception as exc:  # the server refused this one: the others still go
                    _failed(e, letter, exc)
                    result.failed += 1
                    _reset(connection)
                else:
                    record("mail_sent", engagement=e.slug, subject=letter.person.slug, kind=letter.kind,
                           sequence=e.sequence, method=_method(letter))
                    result.sent += 1
                done.add(letter.person.pk)
    except Exception as exc:  # no connection at all (refused, unreachable, authentication)
        for letter in to_send:
            if letter.person.pk not in done:
                _failed(e, letter, exc)
                result.failed += 1
    if result.skipped or result.failed:
        log.info("mail for %s: %d sent, %d without an email address, %d failed", e.slug, result.sent,
                 result.skipped, result.failed)
    return result


def _failed(e: Engagement, letter: Letter, exc: Exception) -> None:
    log.warning("mail (%s) to %s for %s failed: %s: %s", letter.kind, letter.person.slug, e.slug,
                type(exc).__name__, exc)
    record("mail_failed", engagement=e.slug, subject=letter.person.slug, kind=letter.kind,
           reason=type(exc).__name__)


def _reset(connection: Any) -> None:
    """After a failed message the SMTP session may be dead: close it, and the next message opens anew."""
    with contextlib.suppress(Exception):  # closing a broken session may fail too; the next send reconnects
        connection.close()


def _fresh(engagement: Engagement) -> Engagement:
    """The engagement as committed (the caller's object may predate the change)."""
    found = Engagement.objects.select_related("host__country").prefetch_related(
        "participations__person__delegation__country", "segments").filter(pk=engagement.pk).first()
    return found if found is not None else engagement  # deleted since: as it was last known


def _participations(e: Engagement) -> list[Participation]:
    return list(e.participations.select_related("person__delegation__country", "person__user"))


def _origin(url: str) -> str:
    scheme, _sep, rest = url.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}" if rest else ""


def _method(letter: Letter) -> str:
    return "CANCEL" if letter.kind in CANCELS else "REQUEST"


def _language(person: Person) -> str:
    try:
        return translation.get_supported_language_variant(person.language or settings.LANGUAGE_CODE)
    except LookupError:
        return str(settings.LANGUAGE_CODE)


def _times(e: Engagement, person: Person) -> list[tuple[str, datetime, datetime]]:
    """(label, start, end) on the person's clocks, then on the host capital's where they differ."""
    country = person.delegation.country
    own = person.tz if person.timezone else country.capital
    times = [(own, local(e.starts_at, person.tz), local(e.ends_at, person.tz))]
    host_tz = e.host.country.timezone
    if host_tz != person.tz:
        times.append((e.host.country.capital, local(e.starts_at, host_tz), local(e.ends_at, host_tz)))
    return times


def _segments(e: Engagement, letter: Letter) -> list[tuple[datetime, datetime, str, str]]:
    """(start, end, kind, title) on the person's clocks; a title only where their role may read it.
    Nothing for someone no longer on the list, nor in a cancellation."""
    if letter.role is None or letter.kind in CANCELS:
        return []
    tz = letter.person.tz
    return [(local(s.starts_at, tz), local(s.ends_at, tz), str(s.get_kind_display()),
             access.segment_title_for(letter.role, s)) for s in e.segments.all()]


def _context(e: Engagement, letter: Letter, base_url: str) -> dict[str, Any]:
    person = letter.person
    expires_at = None
    if letter.kind == "guest_link":
        newest = Invitation.objects.filter(participation__engagement=e, participation__person=person,
                                           used_at=None, revoked_at=None).order_by("-created_at").first()
        expires_at = local(min(newest.expires_at, e.ends_at), person.tz) if newest else None
    role_labels = {role.value: label for role, label in ROLE_LABELS.items()}
    return {
        "kind": letter.kind, "e": e, "person": person, "name": person.styling.name,
        "role": role_labels.get(letter.role, "") if letter.role else "",
        "times": _times(e, person), "segments": _segments(e, letter),
        "page_url": f"{base_url}/engagements/{e.slug}/", "has_account": has_real_account(person),
        "guest_url": letter.url, "expires_at": expires_at,
    }


def _calendar_part(e: Engagement, letter: Letter, base_url: str) -> SafeMIMEText:
    method = _method(letter)
    if letter.kind == "removed":
        body = ics.cancellation(e, letter.person, base_url)
    else:
        body = ics.invitation(e, letter.person, base_url, cancelled=method == "CANCEL")
    part = SafeMIMEText(body.decode(), "calendar", "utf-8")
    part.set_param("method", method)
    part.add_header("Content-Disposition", "attachment", filename=f"{e.slug}.ics")
    return part


def _message(e: Engagement, letter: Letter, base_url: str, connection: Any) -> EmailMultiAlternatives:
    language = _language(letter.person)
    with translation.override(language):
        context = _context(e, letter, base_url)
        template = "guest_link" if letter.kind == "guest_link" else "engagement"
        text = render_to_string(f"mail/{template}.txt", context)
        html = render_to_string(f"mail/{template}.html", {**context, "language": language})
        subject = str(SUBJECTS[letter.kind]) % {"title": e.title}
        calendar = _calendar_part(e, letter, base_url)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()), body=text, to=[formataddr((str(letter.person), letter.person.email))],
        connection=connection, headers={"Auto-Submitted": "auto-generated", "Content-Language": language})
    message.attach_alternative(html, "text/html")
    message.attach(calendar)
    return message
