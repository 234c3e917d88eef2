"""CSRF: every state-changing endpoint, API and pages, refuses a request without the CSRF token."""

import pytest
from django.test import Client

from summitry.api import api

pytestmark = [pytest.mark.postgres]
PASSWORD = "summitry-demo-2021"
PAGES = ["/trips/", "/trips/import", "/trips/first-virtual-trip/stops", "/trips/first-virtual-trip/engagements",
         "/engagements/canada-bilateral/reschedule", "/accounts/security/", "/accounts/logout/", "/i18n/setlang/"]


def _api_posts():
    schema = api.get_openapi_schema()
    for path, ops in schema["paths"].items():
        for method in ops:
            if method in ("post", "put", "patch", "delete"):
                yield method, (path.replace("{slug}", "canada-bilateral").replace("{participation_id}", "1"))


def test_every_state_changing_api_endpoint_needs_the_csrf_token(scenario):
    posts = list(_api_posts())
    assert len(posts) >= 12
    for username in ("protocol", "garneau"):
        c = Client(enforce_csrf_checks=True)
        assert c.login(username=username, password=PASSWORD)
        for method, path in posts:
            resp = getattr(c, method)(path, "{}", content_type="application/json")
            assert resp.status_code == 403, (username, method, path, resp.status_code)
            assert "CSRF" in resp.content.decode(), (method, path)


@pytest.mark.parametrize("path", PAGES)
def test_every_form_page_needs_the_csrf_token(scenario, path):
    c = Client(enforce_csrf_checks=True)
    assert c.login(username="protocol", password=PASSWORD)
    assert c.post(path, {}).status_code == 403
