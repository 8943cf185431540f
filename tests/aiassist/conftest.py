"""Helpers for the assistant tests; the ``celery_worker`` fixture lives in tests/conftest.py."""
import time

from aiassist.models import AIAnswer


def wait_for(answer_id, statuses, timeout=25.0) -> AIAnswer:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        answer = AIAnswer.objects.get(pk=answer_id)
        if answer.status in statuses:
            return answer
        time.sleep(0.1)
    raise AssertionError(f"answer {answer_id} stayed {answer.status!r}, expected one of {statuses}")
