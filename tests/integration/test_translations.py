"""Every word in the reader's language: every page each kind of user reaches (the protocol office, a
principal, an interpreter, the press, a guest who came by invitation, and nobody signed in), fetched in
French and in Spanish, shows no English sentence of the catalogue, and the catalogues are complete.

The check compares what a page shows with the catalogue's own English (its msgids) rather than with a
dictionary: names, titles and places from the scenario are data, not msgids, so they raise no false alarm,
and a string added to a template without its translation fails here as soon as it appears on a page."""

from __future__ import annotations

import json
import re
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation

from tests.support.pages import local_link

pytestmark = [pytest.mark.postgres]
PASSWORD = "summitry-demo-2021"
LOCALE_DIR = Path(settings.LOCALE_PATHS[0])
LANGUAGES = ("fr", "es")
SKIP = ("/accounts/logout/", "/i18n/", "/static/", "/admin/", "/api/", "/calendar/feed/")
MAX_PAGES = 60
VISIBLE_ATTRIBUTES = ("aria-label", "title", "placeholder", "alt", "value")
# Each language's name in that language, on purpose: a reader finds their own in the switcher.
ENDONYM_ELEMENTS = ("lang-select",)


def _catalogue(language: str):
    with (LOCALE_DIR / language / "LC_MESSAGES" / "django.po").open("rb") as f:
        return read_po(f, locale=language)


def _messages(language: str):
    return [m for m in _catalogue(language) if m.id]


def _ids(message) -> list[str]:
    return list(message.id) if isinstance(message.id, tuple) else [message.id]


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, tuple) else [message.string]


PLACEHOLDER = re.compile(r"%\(\w+\)[sdr]|%[sd]|\{\w*\}")


class EnglishOf:
    """The catalogue's English strings whose translation into ``language`` differs from them."""

    def __init__(self, language: str) -> None:
        self.exact: set[str] = set()
        self.patterns: list[tuple[re.Pattern[str], str]] = []
        messages = _messages(language)
        # A word of the target language that happens to be English too ("Principal", "Date") is the
        # target language wherever a translation put it there.
        targets = {" ".join(s.split()) for m in messages for s in _strings(m)}
        for message in messages:
            translated = set(_strings(message))
            for english in _ids(message):
                english = " ".join(english.split())
                if english in translated or english in targets:
                    continue  # the same word in both languages (a name, "Date" in French, …)
                if PLACEHOLDER.search(english):
                    literal = PLACEHOLDER.sub("", english)
                    if sum(ch.isalpha() for ch in literal) < 4:
                        continue  # nothing of English to recognise
                    parts = [re.escape(p) for p in PLACEHOLDER.split(english)]
                    self.patterns.append((re.compile(".+?".join(parts), re.S), english))
                else:
                    self.exact.add(english)

    def find(self, text: str) -> str | None:
        for candidate in _candidates(text):
            if candidate in self.exact:
                return candidate
        whole = " ".join(text.split())
        for pattern, english in self.patterns:
            if pattern.fullmatch(whole):
                return english
        return None


# Where templates glue a translated piece to others. Not parentheses: a title such as "Note-taker
# (illustrative)" is data, and its first word must not read as the role of that name.
SEPARATORS = re.compile(r"\s*[·|→]\s*|\s+[–—-]\s+|:\s+")


def _candidates(text: str) -> set[str]:
    """The text and the pieces a template glues together ("kind · hosted by Canada", "Segment:")."""
    whole = " ".join(text.split())
    out = {whole, *(p.strip() for p in SEPARATORS.split(whole))}
    return {c for c in out | {c.rstrip(" :…") for c in out} if c}


class VisibleText(HTMLParser):
    """What a reader sees or hears: text (not scripts or styles), the attributes that speak (labels,
    titles, placeholders, alternatives, button values), the page's strings for its script (data-*) and
    the strings of its JSON data. Elements in another language (``lang``) are that language's own."""

    VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.texts: list[tuple[str, str]] = []  # (where, text)
        self.links: list[str] = []
        self.html_lang = ""
        self._stack: list[tuple[str, bool]] = []  # (tag, text here is skipped)
        self._json = False

    @property
    def _skipping(self) -> bool:
        return bool(self._stack) and self._stack[-1][1]

    def handle_starttag(self, tag, attrs):
        a = {k: v or "" for k, v in attrs}
        if tag == "html":
            self.html_lang = a.get("lang", "")
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        foreign = ("lang" in a and tag != "html") or a.get("id") in ENDONYM_ELEMENTS
        skip = self._skipping or foreign or tag in ("script", "style")
        self._json = tag == "script" and a.get("type") == "application/json"
        if not (self._skipping or foreign):
            for name, value in a.items():
                if value and (name in VISIBLE_ATTRIBUTES or name.startswith("data-")):
                    if name == "value" and a.get("type") == "hidden":
                        continue
                    self.texts.append((f"<{tag} {name}>", value))
        if tag not in self.VOID:
            self._stack.append((tag, skip))

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)
        if tag not in self.VOID and self._stack and self._stack[-1][0] == tag:
            self._stack.pop()

    def handle_endtag(self, tag):
        for i in range(len(self._stack) - 1, -1, -1):
            if self._stack[i][0] == tag:
                del self._stack[i:]
                break
        self._json = False

    def handle_data(self, data):
        if self._json:
            self.texts += [("<script type=application/json>", s) for s in _json_strings(json.loads(data))]
        elif not self._skipping and data.strip():
            self.texts.append((self._stack[-1][0] if self._stack else "", data))


def _json_strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _json_strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _json_strings(v)]
    return []


def _local(base: str, href: str) -> str | None:
    return local_link(base, href, SKIP)


def _client(language: str) -> Client:
    client = Client(raise_request_exception=False)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def _english_on(resp, path: str, language: str, english: EnglishOf) -> list[str]:
    page = VisibleText()
    page.feed(resp.content.decode())
    problems = [] if page.html_lang == language else [f"{path}: <html lang={page.html_lang!r}>"]
    for where, text in page.texts:
        found = english.find(text)
        if found is not None:
            problems.append(f"{path}: {where} {text.strip()[:100]!r} is the English {found!r}")
    return problems


def _crawl(client: Client, language: str, start: list[str], english: EnglishOf) -> tuple[list[str], set[str]]:
    from collections import Counter

    problems: list[str] = []
    seen: set[str] = set()
    queue, per_route = list(start), Counter()
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        route = path.split("?")[0]
        if path in seen or per_route[route] >= 2:
            continue
        seen.add(path)
        per_route[route] += 1
        resp = client.get(path)
        assert resp.status_code != 500, f"GET {path}"
        if "text/html" not in resp.get("Content-Type", ""):
            continue
        problems += _english_on(resp, path, language, english)
        page = VisibleText()
        page.feed(resp.content.decode())
        queue += [p for p in (_local(path, h) for h in page.links) if p and p not in seen]
    return problems, seen


def _every_meeting_page() -> list[str]:
    """Rooms and consoles of every engagement: the ones a user may not enter show why, in their language."""
    from summitry.meetings.models import Engagement

    slugs = list(Engagement.objects.order_by("slug").values_list("slug", flat=True))
    return [f"/engagements/{s}/{page}" for s in slugs for page in ("room", "booth")]


@pytest.fixture(scope="module")
def english():
    return {language: EnglishOf(language) for language in LANGUAGES}


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_catalogue_is_complete_and_nothing_in_it_is_fuzzy(language):
    untranslated = [m.id for m in _messages(language) if not all(s.strip() for s in _strings(m))]
    fuzzy = [m.id for m in _messages(language) if m.fuzzy]
    assert not untranslated, f"{language}: {len(untranslated)} without a translation: {untranslated[:20]}"
    assert not fuzzy, f"{language}: fuzzy: {fuzzy[:20]}"
    assert len(_messages(language)) > 100


def test_the_catalogue_check_recognises_english():
    """The check itself: English of the catalogue is found on its own, inside glued pieces and with
    its placeholders filled; names and data are not."""
    fr = EnglishOf("fr")
    assert fr.find("Join meeting") == "Join meeting"
    assert fr.find("Bilateral meeting · hosted by Canada") is not None
    assert fr.find("  Segment:\n") == "Segment"
    assert fr.find("Rejoindre la réunion") is None
    assert fr.find("The Honourable Marc Garneau") is None


@pytest.mark.parametrize("username", ["protocol", "blinken", "interpreter-fr", "press-ca"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_page_speaks_the_readers_language(scenario, english, username, language):
    client = _client(language)
    assert client.login(username=username, password=PASSWORD)
    problems, seen = _crawl(client, language, ["/", *_every_meeting_page()], english[language])
    assert len(seen) > 5, seen
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_pages_before_sign_in_and_their_errors_speak_the_readers_language(scenario, english, language):
    client = _client(language)
    problems = _english_on(client.get("/accounts/login/"), "/accounts/login/", language, english[language])
    wrong = client.post("/accounts/login/", {"username": "protocol", "password": "not the password"})
    assert wrong.status_code == 200
    problems += _english_on(wrong, "/accounts/login/ (wrong password)", language, english[language])
    gone = client.get("/invite/not-a-real-secret")
    assert gone.status_code == 410
    problems += _english_on(gone, "/invite/<unknown>", language, english[language])
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_a_guests_pages_speak_the_readers_language(scenario, english, language):
    from summitry.accounts.invitations import invite
    from summitry.accounts.models import Delegation, Person
    from summitry.meetings.models import Engagement, Participation

    person = Person.objects.create(slug="mx-adviser", delegation=Delegation.objects.get(slug="mx-sre"),
                                   given_name="Rosa", family_name="Icaza", title="Adviser (illustrative)")
    canada = Engagement.objects.get(slug="canada-bilateral")
    now = timezone.now()  # links work until the engagement ends: this one is today
    Engagement.objects.filter(pk=canada.pk).update(starts_at=now - timedelta(minutes=10),
                                                   ends_at=now + timedelta(hours=1))
    guest = Participation.objects.create(engagement=canada, person=person, role="delegation_member")
    secret = invite(Participation.objects.get(pk=guest.pk), "protocol")
    client = _client(language)
    problems = _english_on(client.get(f"/invite/{secret}"), "/invite/<secret>", language, english[language])
    assert client.post(f"/invite/{secret}").status_code == 302
    more, seen = _crawl(client, language, ["/engagements/canada-bilateral/room", "/", "/accounts/security/",
                                           "/engagements/mexico-bilateral/room"], english[language])
    assert "/engagements/canada-bilateral/room" in seen
    assert not problems + more, "\n".join(problems + more)


def test_second_factor_setup_and_its_error_speak_the_readers_language(scenario, english):
    client = _client("es")
    assert client.login(username="protocol", password=PASSWORD)
    enrolling = client.post("/accounts/security/", {"start": "1"})
    problems = _english_on(enrolling, "/accounts/security/ (enrolling)", "es", english["es"])
    wrong = client.post("/accounts/security/", {"code": "000000"})
    problems += _english_on(wrong, "/accounts/security/ (wrong code)", "es", english["es"])
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_api_refuses_in_the_readers_language(scenario, language):
    """What the pages' scripts show when the API refuses (the lobby, the press, the booth)."""
    from summitry.meetings.api import MESSAGES

    client = _client(language)
    client.force_login(scenario["clouthier"])  # a principal of the Mexican bilateral, not its host
    resp = client.get("/api/engagements/mexico-bilateral/lobby")
    with translation.override("en"):
        english = {code: str(m) for code, m in MESSAGES.items()}
    with translation.override(language):
        assert resp.status_code == 403 and resp.json()["detail"] == str(MESSAGES["not_host"])
        untranslated = [code for code, m in MESSAGES.items() if str(m) == english[code]]
    assert not untranslated
    assert client.get("/api/engagements/no-such-thing/roster").json()["detail"] != "No such engagement."
