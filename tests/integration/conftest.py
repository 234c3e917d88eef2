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
