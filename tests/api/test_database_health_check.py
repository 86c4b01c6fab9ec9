"""crm/platform/postgresql: a persistent connection is pinged before a request's first query unless
it committed within the last second; a dead connection idle for longer is replaced."""

import time

import pytest
from django.db import InterfaceError, OperationalError, connection, connections

from crm.platform.postgresql.base import RECENTLY_COMMITTED_SECONDS


@pytest.fixture
def second_connection(db):
    wrapper = connections.create_connection("default")
    wrapper.ensure_connection()
    yield wrapper
    wrapper.close()


def _kill(wrapper) -> None:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
    time.sleep(0.1)


def _next_request(wrapper) -> int:
    wrapper.health_check_done = False  # what Django's request_started handling does
    wrapper.close_if_health_check_failed()
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone()[0]


def test_a_dead_connection_idle_for_a_while_is_replaced_before_the_request(second_connection):
    second_connection.commit()
    second_connection.committed_at = time.monotonic() - RECENTLY_COMMITTED_SECONDS - 0.1
    _kill(second_connection)
    assert _next_request(second_connection) == 1


def test_a_connection_that_just_committed_is_not_pinged(second_connection):
    second_connection.commit()
    assert time.monotonic() - second_connection.committed_at < RECENTLY_COMMITTED_SECONDS
    _kill(second_connection)
    # The accepted cost: no ping, so the dead connection fails this request once.
    with pytest.raises((OperationalError, InterfaceError)):
        _next_request(second_connection)
