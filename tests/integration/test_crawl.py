"""A crawler over every page a user can reach from the home page, and every form on them submitted with
hostile values (empty, 10,000 characters, HTML, right-to-left text, emoji, NUL, impossible and reversed
dates). Whatever is sent, no page answers 500."""

from collections import Counter
from html.parser import HTMLParser

import pytest
from django.test import Client

from tests.support.pages import local_link

pytestmark = [pytest.mark.postgres]
PASSWORD = "summitry-demo-2021"
HOSTILE = ["", "x" * 10_000, "<script>alert(1)</script>", "\u202eمرحبا بالعالم", "👩‍⚖️🇨🇦", "a\x00b",
           "0001-01-01T00:00", "9999-12-31T23:30", "2021-02-26T18:00", "-1", "1e309", "../../etc/passwd"]
SKIP = ("/accounts/logout/", "/i18n/", "/static/", "/admin/", "/api/", "/invite/", "/calendar/feed/")
MAX_PAGES = 120


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.forms: list[dict] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a" and a.get("href"):
            self.links.append(a["href"])
        elif tag == "form":
            self.forms.append({"action": a.get("action") or "", "method": (a.get("method") or "get").lower(),
                               "fields": []})
        elif (tag in ("input", "select", "textarea") and self.forms and a.get("name")
              and a.get("type") not in ("submit", "hidden", "button", "file")):
            self.forms[-1]["fields"].append(a["name"])


def _local(base: str, href: str) -> str | None:
    return local_link(base, href, SKIP)


@pytest.mark.parametrize("username", ["protocol", "garneau", "press-ca", "interpreter-fr"])
def test_no_page_or_form_answers_500(scenario, username):
    client = Client(raise_request_exception=False)
    assert client.login(username=username, password=PASSWORD)
    seen, queue, forms, per_route = set(), ["/"], {}, Counter()
    while queue and len(seen) < MAX_PAGES:
        path = queue.pop(0)
        route = path.split("?")[0]
        if path in seen or per_route[route] >= 3:  # e.g. the calendar's weeks: three are enough
            continue
        seen.add(path)
        per_route[route] += 1
        resp = client.get(path)
        assert resp.status_code != 500, f"GET {path} as {username}"
        if "text/html" not in resp.get("Content-Type", ""):
            continue
        page = Page()
        page.feed(resp.content.decode())
        queue += [p for p in (_local(path, h) for h in page.links) if p and p not in seen]
        for form in page.forms:
            action = _local(path, form["action"] or path)
            if action is not None:
                forms.setdefault((form["method"], action.split("?")[0]), set()).update(form["fields"])
    assert len(seen) > 3, seen
    for (method, action), fields in sorted(forms.items()):
        for value in HOSTILE:
            data = {name: value for name in fields}
            resp = client.post(action, data) if method == "post" else client.get(action, data)
            assert resp.status_code != 500, f"{method.upper()} {action} {fields} = {value[:40]!r} as {username}"
        assert client.login(username=username, password=PASSWORD)  # a form may have signed us out
