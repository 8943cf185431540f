"""A worker's database connections: kept across tasks like a web process's across requests, closed after a task
that did not succeed, and (PostgreSQL) without parallel plans."""
import time
from types import SimpleNamespace

import pytest
from django.db import connection, connections

from config import celery as celery_config
from config.celery import app

pytestmark = pytest.mark.django_db(transaction=True)  # the handlers close connections: no test transaction

on_postgres = pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite connections are not kept "
                                 "(CONN_MAX_AGE 0) and have no parallel plans")

TASK = SimpleNamespace(request=SimpleNamespace(is_eager=False))
EAGER = SimpleNamespace(request=SimpleNamespace(is_eager=True))


def _backend_pid():
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


def _run_task(state, sender=TASK):
    celery_config._connections_before_task(sender=sender)
    pid = _backend_pid()
    celery_config._connections_after_task(sender=sender, state=state)
    return pid


def test_celery_is_told_not_to_close_connections_around_every_task(settings):
    # Celery's Django fixup reads this key; when it is 0 or missing it closes the connection before and after
    # every task, whatever CONN_MAX_AGE says.
    assert settings.CELERY_DB_REUSE_MAX >= 1000
    assert app.conf.get("CELERY_DB_REUSE_MAX") == settings.CELERY_DB_REUSE_MAX


@on_postgres
def test_a_connection_is_kept_across_successful_tasks(settings):
    settings.CELERY_DB_REUSE_MAX = 1000
    first = _run_task("SUCCESS")
    assert connection.connection is not None
    assert _run_task("SUCCESS") == first


@pytest.mark.parametrize("state", ["FAILURE", "RETRY"])
def test_a_connection_is_closed_after_a_task_that_did_not_succeed(settings, state):
    settings.CELERY_DB_REUSE_MAX = 1000
    celery_config._connections_before_task(sender=TASK)
    connection.ensure_connection()
    celery_config._connections_after_task(sender=TASK, state=state)
    assert connection.connection is None


@on_postgres
def test_a_connection_left_inside_a_transaction_by_a_successful_task_is_not_kept(settings):
    """A task that caught an exception mid-statement or left a transaction open ends "successfully"; Django's
    check would keep that connection, and the next task's first statement would fail."""
    settings.CELERY_DB_REUSE_MAX = 1000
    celery_config._connections_before_task(sender=TASK)
    connection.ensure_connection()
    connection.connection.execute("BEGIN")  # under Django's feet, as an interrupted statement would leave it
    celery_config._connections_after_task(sender=TASK, state="SUCCESS")
    assert connection.connection is None


def test_without_reuse_every_task_closes_its_connection(settings):
    settings.CELERY_DB_REUSE_MAX = 0
    connection.ensure_connection()
    celery_config._connections_after_task(sender=TASK, state="SUCCESS")
    assert connection.connection is None


@on_postgres
def test_a_connection_past_its_age_is_replaced_before_the_next_task(settings):
    settings.CELERY_DB_REUSE_MAX = 1000
    first = _run_task("SUCCESS")
    connection.close_at = time.monotonic() - 1  # CONN_MAX_AGE has run out
    assert _run_task("SUCCESS") != first


@on_postgres
def test_a_connection_the_server_ended_is_replaced_before_the_next_task(settings):
    settings.CELERY_DB_REUSE_MAX = 1000
    first = _run_task("SUCCESS")
    # The server ends the kept session between tasks, as a restart or an idle timeout would.
    other = connections.create_connection("default")
    with other.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [first])
    other.close()
    # A health check before the first statement of the next task (CONN_HEALTH_CHECKS) finds it gone.
    assert _run_task("SUCCESS") != first


def test_eager_tasks_leave_the_connection_alone(settings):
    settings.CELERY_DB_REUSE_MAX = 0
    connection.ensure_connection()
    celery_config._connections_before_task(sender=EAGER)
    celery_config._connections_after_task(sender=EAGER, state="FAILURE")
    assert connection.connection is not None


def _session():
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('max_parallel_workers_per_gather'), current_setting('random_page_cost')")
        return cursor.fetchone()


@on_postgres
@pytest.mark.parametrize("configured", [None, {}])
def test_worker_sessions_are_planned_for_throughput_unless_configured_otherwise(settings, configured):
    if configured is not None:
        settings.WORKER_DB_SESSION = configured
    connection.close()
    server = _session()
    connection.close()
    celery_config._worker_statements()  # worker_init's receiver (sending the signal would start Celery's fixup)
    try:
        worker = _session()
    finally:
        celery_config._worker_statements_done()
        connection.close()
    assert worker == (("0", "1.1") if configured is None else server)
    assert server != ("0", "1.1")
    assert _session() == server  # after the worker: connections get the server's settings again
