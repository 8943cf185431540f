"""Shared fixtures: the demo roles of DESIGN.md, built through the services."""
import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.contrib.auth.models import Group
from django.core.cache import cache

from aiassist.tasks import generate_answer_task
from config import celery as celery_config
from config.celery import app
from forum import policy

from .factories import UserFactory, grant, make_admin, make_category


@pytest.fixture(autouse=True)
def _fast_and_quiet(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # The passage index is built in the writing transaction (no worker needed), lexically: the few tests
    # about embeddings and ranking quality turn the model on (tests/aiassist/retrieval).
    settings.RETRIEVAL_INDEX_SYNC = True
    settings.ASSISTANT_EMBEDDER = "none"
    cache.clear()  # rendered pages and API throttle counts outlive a test's database (and its ids)


@pytest.fixture
def admin_user(db):
    return make_admin()


@pytest.fixture
def general(admin_user):
    return make_category(admin_user, "General")


@pytest.fixture
def engineering(admin_user):
    return make_category(admin_user, "Engineering")


@pytest.fixture
def secops(admin_user):
    return make_category(admin_user, "Security Ops", restricted=True)


@pytest.fixture
def employee(db):
    return UserFactory(username="alice")


@pytest.fixture
def other_employee(db):
    return UserFactory(username="bob")


@pytest.fixture
def eng_moderator(engineering):
    user = UserFactory(username="maria")
    grant(policy.MODERATE, user, engineering)
    grant(policy.REVIEW, user, engineering)
    return user


@pytest.fixture
def general_moderator(general):
    user = UserFactory(username="gus")
    grant(policy.MODERATE, user, general)
    grant(policy.REVIEW, user, general)
    return user


@pytest.fixture
def secops_group(secops):
    group = Group.objects.create(name="secops")
    grant(policy.VIEW, group, secops)
    grant(policy.POST, group, secops)
    return group


@pytest.fixture
def security_reviewer(secops, engineering, secops_group):
    user = UserFactory(username="sam")
    user.groups.add(secops_group)
    for category in (secops, engineering):
        grant(policy.REVIEW, user, category)
        grant(policy.APPROVE_HIGH_RISK, user, category)
    return user


@pytest.fixture
def secops_member(secops_group):
    user = UserFactory(username="priya")
    user.groups.add(secops_group)
    return user


def _broker_is_redis() -> bool:
    return settings.CELERY_BROKER_URL.startswith("redis://")


@pytest.fixture
def celery_worker(transactional_db, settings):
    """A worker on the ``ai`` and ``default`` queues, with short retry backoff."""
    if not _broker_is_redis():
        pytest.skip("the worker tests need the Redis broker (make test sets CELERY_BROKER_URL)")
    # This worker is a thread of the test process: a connection it kept would outlive the test database.
    # (Worker processes keep theirs: tests/test_celery_connections.py, and the fault tests' workers.)
    settings.CELERY_DB_REUSE_MAX = 0
    with app.connection_for_write() as conn:
        for queue in ("ai", "default"):
            conn.default_channel.queue_purge(queue)
    saved = generate_answer_task.retry_backoff, generate_answer_task.max_retries
    generate_answer_task.retry_backoff, generate_answer_task.max_retries = 1, 2
    try:
        with start_worker(app, pool="solo", concurrency=1, queues=["ai", "default"], perform_ping_check=False,
                          loglevel="WARNING", shutdown_timeout=10.0) as worker:
            yield worker
    finally:
        generate_answer_task.retry_backoff, generate_answer_task.max_retries = saved
        # The worker's session settings (config/celery.py) end with it: stopping this worker sends no
        # worker_shutdown, and the rest of the test process is not a worker.
        celery_config._worker_statements_done()


# Which test and thread opened each PostgreSQL session of this process (its backend pid, known to the client library
# without a round trip), to name the owner of a session still open at the end of the run.
_OPENED_BY: dict[int, str] = {}


def _record_opener(sender, connection, **kwargs):
    if connection.vendor == "postgresql":
        import os
        import threading

        test = os.environ.get("PYTEST_CURRENT_TEST", "outside any test")
        _OPENED_BY[connection.connection.info.backend_pid] = f"{test} (thread {threading.current_thread().name})"


@pytest.fixture(scope="session", autouse=True)
def _no_session_left_on_the_test_database(django_db_setup, django_db_blocker):
    """At the end of the run, before the test database is dropped: any other session still on it (a thread's or a
    server's connection that was never closed) is named in a warning, with the test and thread that opened it when
    it was this process. PostgreSQL cannot drop a database in use, so such a session otherwise shows only as "being
    accessed by other users" at teardown, with no clue whose it is."""
    from django.db.backends.signals import connection_created

    connection_created.connect(_record_opener, dispatch_uid="vetted-tests-record-opener")
    yield
    connection_created.disconnect(dispatch_uid="vetted-tests-record-opener")
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute("SELECT pid, backend_start, state, left(query, 200) FROM pg_stat_activity "
                       "WHERE datname = current_database() AND pid <> pg_backend_pid()")
        others = [(*row, _OPENED_BY.get(row[0], "another process")) for row in cursor.fetchall()]
    if others:
        import warnings

        warnings.warn(f"sessions left on the test database (pid, start, state, last statement, opened by): {others!r}",
                      stacklevel=1)
