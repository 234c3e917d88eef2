"""The whole OpenAPI schema under schemathesis: generated requests (valid and not) to every operation,
signed in as the protocol office and as a host, through Django's whole stack (middleware, CSRF,
sessions). Whatever is sent, nothing answers 500."""

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.middleware.csrf import _get_new_csrf_string
from django.test import Client
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from summitry.api import api

pytestmark = [pytest.mark.postgres]
PASSWORD = "summitry-demo-2021"

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())


def _session(username):
    c = Client()
    assert c.login(username=username, password=PASSWORD)
    return {"sessionid": c.cookies["sessionid"].value, "csrftoken": _get_new_csrf_string()}  # as a page sets it


@pytest.fixture
def signed_in(scenario):
    return {username: _session(username) for username in ("protocol", "garneau")}


# Generated slugs and ids almost never exist: half the time, a real one of the demo.
REAL = {"slug": ["canada-bilateral", "mexico-bilateral", "garneau-press-availability", "us-ca-climate",
                 "first-virtual-trip"],
        "language": ["fr", "en", "es"], "participation_id": list(range(1, 60))}


@schemathesis.check
def no_500(ctx, response, case):
    """503 (the media server is unreachable: no Janus runs here) is a sentence, like every 4xx; a 500 is a bug."""
    assert response.status_code != 500, f"{case.method} {case.formatted_path}: 500"


@schema.hook
def flatmap_path_parameters(ctx, path_parameters):
    if not path_parameters:
        return st.just(path_parameters)
    return st.fixed_dictionaries({name: st.sampled_from([value, *REAL[name]]) if name in REAL else st.just(value)
                                  for name, value in path_parameters.items()})


@pytest.mark.filterwarnings("ignore")
@schema.parametrize()
@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
def test_no_request_answers_500(case, signed_in):
    app = get_wsgi_application()
    for cookies in signed_in.values():
        case.call_and_validate(app=app, cookies=cookies, headers={"X-CSRFToken": cookies["csrftoken"]},
                               checks=[no_500])
