"""/api/docs: Swagger UI from our own static files, so that it works under our CSP ('self' only)."""

from html.parser import HTMLParser

import pytest
from django.test import Client

pytestmark = [pytest.mark.postgres]


class _Assets(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline_scripts = 0

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "script":
            if a.get("src"):
                self.urls.append(a["src"])
            elif a.get("type") != "application/json":  # a data block is not run (and CSP allows it)
                self.inline_scripts += 1
        elif tag == "link" and a.get("href"):
            self.urls.append(a["href"])


def test_api_docs_load_nothing_from_elsewhere_and_every_asset_is_served(db):
    c = Client()
    page = c.get("/api/docs")
    assert page.status_code == 200
    csp = page.headers["Content-Security-Policy"]
    assert "script-src 'self';" in csp and "style-src 'self';" in csp
    html = page.content.decode()
    assets = _Assets()
    assets.feed(html)
    assert assets.urls, "the page should reference Swagger UI's script and stylesheet"
    assert any(u.endswith("swagger-ui-bundle.js") for u in assets.urls)
    assert any(u.endswith(".css") for u in assets.urls)
    assert assets.inline_scripts == 0  # CSP script-src 'self' would refuse them
    assert "validator.swagger.io" not in html
    for url in assets.urls:
        assert url.startswith("/") and not url.startswith("//"), f"{url} is not on our own origin"
        assert not url.lower().startswith(("http:", "https:")), url
        served = c.get(url)
        assert served.status_code == 200, url
        assert b"".join(served.streaming_content if served.streaming else [served.content])
    assert c.get("/api/openapi.json").status_code == 200
