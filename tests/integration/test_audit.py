"""The audit trail: what is recorded, that it is append-only, and that tampering is found."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, transaction
from django.test import Client

from summitry.audit import log
from summitry.audit.models import AuditEntry

pytestmark = [pytest.mark.postgres]
PASSWORD = "summitry-demo-2021"


def test_sign_ins_and_failures_are_recorded(scenario):
    c = Client()
    c.post("/accounts/login/", {"username": "blinken", "password": "wrong"})
    c.post("/accounts/login/", {"username": "blinken", "password": PASSWORD})
    actions = list(AuditEntry.objects.values_list("action", "subject"))
    assert actions[-2:] == [("login_failed", "blinken"), ("login", "blinken")]
    assert log.verify().ok


def test_brute_force_is_throttled_even_with_the_right_password(scenario):
    c = Client()
    for _ in range(5):
        assert c.post("/accounts/login/", {"username": "garneau", "password": "guess"}).status_code == 200
    locked = c.post("/accounts/login/", {"username": "garneau", "password": PASSWORD})
    assert locked.status_code == 200 and "Too many failed sign-ins" in locked.content.decode()
    assert "_auth_user_id" not in c.session
    # another account is unaffected
    assert Client().post("/accounts/login/", {"username": "blinken", "password": PASSWORD}).status_code == 302


def test_throttling_by_address(scenario):
    c = Client(REMOTE_ADDR="203.0.113.9")
    for n in range(20):
        c.post("/accounts/login/", {"username": f"nobody{n}", "password": "x"})
    resp = c.post("/accounts/login/", {"username": "blinken", "password": PASSWORD})
    assert "Too many failed sign-ins" in resp.content.decode()


def test_the_database_refuses_to_change_or_delete_entries(audit_triggers):
    entry = log.record("test", actor="a")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).update(actor="b")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEntry.objects.filter(pk=entry.pk).delete()


def _without_triggers(sql):
    """What someone with direct database access could do (tests run without the triggers)."""
    with connection.cursor() as cur:
        cur.execute(sql)


@pytest.mark.parametrize("tamper", [
    ("UPDATE audit_auditentry SET actor = 'mallory' WHERE id = %s", "content was changed"),
    ("DELETE FROM audit_auditentry WHERE id = %s", "removed or changed"),
])
def test_verify_finds_an_edited_or_removed_entry(transactional_db, tamper):
    entries = [log.record("test", actor="a", n=i) for i in range(5)]
    call_command("audit", "verify")
    sql, message = tamper
    _without_triggers(sql.replace("%s", str(entries[2].pk)))
    with pytest.raises(CommandError, match=message):
        call_command("audit", "verify")


def test_verify_finds_removed_newest_entries(transactional_db):
    entries = [log.record("test", actor="a", n=i) for i in range(3)]
    _without_triggers(f"DELETE FROM audit_auditentry WHERE id = {int(entries[-1].pk)}")  # noqa: S608
    with pytest.raises(CommandError, match="entries were removed"):
        call_command("audit", "verify")


def test_export_lines(transactional_db, tmp_path):
    log.record("test", actor="a", engagement="x", subject="y", k=1)
    out = tmp_path / "audit.jsonl"
    call_command("audit", "export", "--out", str(out))
    assert '"action": "test"' in out.read_text()
