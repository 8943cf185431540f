"""A real Celery worker (in a thread) consuming the real broker, for the tests where delivery matters."""
import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from aiassist.models import AIAnswer
from aiassist.tasks import generate_answer_task
from config.celery import app


def _broker_is_redis() -> bool:
    return settings.CELERY_BROKER_URL.startswith("redis://")


@pytest.fixture
def celery_worker(transactional_db):
    """A worker on the ``ai`` and ``default`` queues, with short retry backoff."""
    if not _broker_is_redis():
        pytest.skip("the worker tests need the Redis broker (make test sets CELERY_BROKER_URL)")
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


def wait_for(answer_id, statuses, timeout=25.0) -> AIAnswer:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = AIAnswer.objects.get(pk=answer_id)
        if answer.status in statuses:
            return answer
        time.sleep(0.1)
    raise AssertionError(f"answer {answer_id} stayed {answer.status!r}, expected one of {statuses}")
