import pytest
from django.contrib.auth import get_user_model

from summitry.demo.loader import load_file


@pytest.fixture
def scenario(transactional_db):
    load_file()
    return {u.username: u for u in get_user_model().objects.all()}


@pytest.fixture
async def gw(janus):
    from summitry.meetings.janus import gateway

    g = gateway()
    yield g
    await g.close()


@pytest.fixture(autouse=True)
async def _close_worker_thread_connections():
    """Services reach the database from asgiref's worker thread; close its connection after each test."""
    yield
    from asgiref.sync import sync_to_async
    from django.db import connections

    await sync_to_async(connections.close_all)()


def _audit_triggers(create: bool) -> None:
    import importlib

    from django.db import connection

    migration = importlib.import_module("summitry.audit.migrations.0002_append_only")
    with connection.schema_editor() as editor:
        (migration.forwards if create else migration.backwards)(None, editor)


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Test databases are emptied between tests, which the audit trail's append-only triggers would
    refuse: they are dropped here and put back by ``audit_triggers`` for the tests about them."""
    with django_db_blocker.unblock():
        _audit_triggers(create=False)


@pytest.fixture
def audit_triggers(transactional_db):
    _audit_triggers(create=True)
    yield
    _audit_triggers(create=False)


async def admitted_join(user, slug, supports_e2ee=True):
    """Join as a participant whom the host has admitted from the lobby (by default as a browser that
    encrypts end to end, so that encrypted segments keep them)."""
    from asgiref.sync import sync_to_async

    from summitry.meetings import lobby, services
    from summitry.meetings.models import Engagement, Participation

    @sync_to_async
    def _admit():
        engagement = Engagement.objects.get(slug=slug)
        p = Participation.objects.filter(engagement=engagement, person__user=user).first()
        if p is not None and p.role != "host":
            lobby.check_in(p, "test")
            lobby.decide(engagement, p.pk, "admitted", "test")

    await _admit()
    return await services.join(user, slug, supports_e2ee=supports_e2ee)
