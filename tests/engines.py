"""Fault-injecting engines, reachable only from tests (settings.ASSISTANT_ENGINE takes a dotted path)."""
import os
import threading
import time

from aiassist.engines import Draft, TransientEngineError
from aiassist.engines.extractive import ExtractiveEngine


class FlakyEngine(ExtractiveEngine):
    """Fails transiently ``failures`` times (process-wide), then drafts like the extractive engine."""

    name = "flaky"
    failures = 2
    calls = 0
    _lock = threading.Lock()

    def draft(self, question, sources):
        with FlakyEngine._lock:
            FlakyEngine.calls += 1
            if FlakyEngine.calls <= FlakyEngine.failures:
                raise TransientEngineError(f"simulated outage #{FlakyEngine.calls}")
        return super().draft(question, sources)


class DownEngine:
    """Always times out."""

    name = "down"

    def __init__(self, **_):
        pass

    def draft(self, question, sources):
        raise TransientEngineError("simulated timeout", user_message="The model endpoint kept timing out.")


class SlowEngine(ExtractiveEngine):
    """Takes ``delay`` seconds, so a test can kill or duplicate work while it drafts.

    A worker subprocess takes its delay from VETTED_SLOW_ENGINE_SECONDS (tests/faults).
    """

    name = "slow"
    delay = float(os.environ.get("VETTED_SLOW_ENGINE_SECONDS", "3.0"))

    def draft(self, question, sources):
        time.sleep(SlowEngine.delay)
        draft = super().draft(question, sources)
        return Draft(text=draft.text, model="slow-test", cited=draft.cited, framing=draft.framing)


class OverrunEngine(ExtractiveEngine):
    """Overruns the task's soft time limit once (process-wide), the way Celery interrupts it: the
    worker raises SoftTimeLimitExceeded inside whatever the task is running. Then drafts normally."""

    name = "overrun"
    overruns = 0

    def draft(self, question, sources):
        from celery.exceptions import SoftTimeLimitExceeded

        if OverrunEngine.overruns == 0:
            OverrunEngine.overruns += 1
            raise SoftTimeLimitExceeded()
        return super().draft(question, sources)


class MidStatementOverrunEngine(ExtractiveEngine):
    """Overruns the soft time limit while a statement is under way on the task's connection (PostgreSQL: one sent
    and not yet read), as when the limit interrupts a slow query."""

    name = "overrun-mid-statement"

    def draft(self, question, sources):
        from celery.exceptions import SoftTimeLimitExceeded
        from django.db import connection

        connection.connection.pgconn.send_query(b"SELECT pg_sleep(0.05)")
        raise SoftTimeLimitExceeded()
