"""Janus's event handler endpoint: loopback and its secret only; media events land in the audit trail."""

import base64
import json

import pytest
from django.test import Client

from summitry.audit.models import AuditEntry
from summitry.meetings.janus import janus_secrets
from summitry.meetings.models import MediaGrant, Participation

pytestmark = [pytest.mark.postgres]
URL = "/internal/janus-events"


def _auth(secret):
    return "Basic " + base64.b64encode(f"janus:{secret}".encode()).decode()


def test_only_janus_on_loopback_with_its_secret(scenario, settings, tmp_path):
    settings.JANUS = {**settings.JANUS, "RUN_DIR": tmp_path}
    body = json.dumps([{"type": 16, "session_id": 5, "handle_id": 6, "event": {"connection": "webrtcup"}}])
    remote = Client(REMOTE_ADDR="10.0.0.9").post(URL, body, content_type="application/json",
                                                 HTTP_AUTHORIZATION=_auth(janus_secrets().events_secret))
    assert remote.status_code == 403
    wrong = Client().post(URL, body, content_type="application/json", HTTP_AUTHORIZATION=_auth("guess"))
    assert wrong.status_code == 401


def test_media_up_and_down_are_audited(scenario, settings, tmp_path):
    settings.JANUS = {**settings.JANUS, "RUN_DIR": tmp_path}
    p = Participation.objects.get(engagement__slug="canada-bilateral", person__slug="marc-garneau")
    MediaGrant.objects.create(participation=p, token="t" * 40, janus_session=777)
    events = [{"type": 16, "session_id": 777, "handle_id": 1, "event": {"connection": "webrtcup"}},
              {"type": 16, "session_id": 777, "handle_id": 1, "event": {"connection": "hangup"}},
              {"type": 16, "session_id": 999, "handle_id": 1, "event": {"connection": "webrtcup"}}]
    resp = Client().post(URL, json.dumps(events), content_type="application/json",
                         HTTP_AUTHORIZATION=_auth(janus_secrets().events_secret))
    assert resp.status_code == 204
    assert list(AuditEntry.objects.filter(actor="janus").values_list("action", "subject")) == [
        ("media_up", "marc-garneau"), ("media_down", "marc-garneau")]
