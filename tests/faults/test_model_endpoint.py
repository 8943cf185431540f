"""An OpenAI-compatible endpoint that hangs, answers 500 or answers garbage, behind a real worker.

Each fault ends `failed` with a message the asker can read, after exactly 1 + ASSISTANT_MAX_RETRIES
requests and within a bounded time, even with the sweeper running meanwhile as it does in
production. Once the endpoint is healthy again, the asker's retry produces a draft.
"""
import threading
import time

import pytest

from aiassist import services
from aiassist.engines import TransientEngineError
from aiassist.models import AIAnswer
from forum.models import AuditEvent, Notification

from ..aiassist.test_engines_openai import ChatServer, completion
from .conftest import S, wait_until

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

MAX_RETRIES = 2

TIMEOUT = 1.0
BACKOFF = 1  # retry_backoff=2 capped by ASSISTANT_RETRY_BACKOFF_MAX, no jitter: every retry waits 1 s

FAULTS = {
    "hangs": {"body": completion("Too late [1]."), "delay": 30.0},
    "500": {"body": {"error": {"message": "upstream exploded", "type": "server_error"}}, "status": 500},
    "garbage": {"body": "<html>502 Bad Gateway, but served as JSON</html>"},
}


class TimedRequests(list):
    """The server's record of requests, with the moment each arrived."""

    def __init__(self):
        super().__init__()
        self.times = []

    def append(self, request):
        self.times.append(time.monotonic())
        super().append(request)


@pytest.fixture
def chat_server():
    server = ChatServer()
    server.requests = TimedRequests()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stopping.set()
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def settle_while_sweeping(answer_id, statuses, *, timeout):
    """Wait for ``statuses``, running the sweeper meanwhile as celery beat would."""

    def done():
        if AIAnswer.objects.filter(pk=answer_id, status__in=statuses).exists():
            return True
        services.answers_sweep()
        return False

    wait_until(done, timeout=timeout, interval=0.5, message=f"answer {answer_id} to become one of {statuses}")
    return AIAnswer.objects.get(pk=answer_id)


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_faulty_endpoint_fails_cleanly_then_the_retry_drafts(fault, broker, workers, chat_server, asker, question):
    workers.start(ASSISTANT_ENGINE="openai", OPENAI_BASE_URL=chat_server.url, OPENAI_API_KEY="k", OPENAI_MODEL="m",
                  OPENAI_TIMEOUT=TIMEOUT, ASSISTANT_MAX_RETRIES=MAX_RETRIES,
                  ASSISTANT_RETRY_BACKOFF_MAX=BACKOFF)
    chat_server.reply(FAULTS[fault]["body"], status=FAULTS[fault].get("status", 200),
                      delay=FAULTS[fault].get("delay", 0.0))

    started = time.monotonic()
    answer = services.answer_request(acting_user=asker, thread=question)
    answer = settle_while_sweeping(answer.pk, {S.FAILED, S.DRAFT}, timeout=30)
    took = time.monotonic() - started

    assert answer.status == S.FAILED
    assert answer.error == TransientEngineError.user_message  # readable: no exception text, no status code
    assert len(chat_server.requests) == 1 + MAX_RETRIES
    assert answer.attempts == 1 + MAX_RETRIES
    # Each retry waited out its back-off: the sweeper did not send the answer again in between.
    waited = TIMEOUT if "delay" in FAULTS[fault] else 0.0
    times = chat_server.requests.times
    assert min(b - a for a, b in zip(times, times[1:], strict=False)) > waited + BACKOFF - 0.2
    assert took < 20, f"failing took {took:.1f}s"
    events = AuditEvent.objects.filter(target_type="aiassist.aianswer", target_id=str(answer.pk))
    assert events.filter(verb="ai_answer.fail").count() == 1
    assert Notification.objects.filter(recipient=asker, verb="ai_draft_failed").count() == 1

    chat_server.reply(completion("Set retry_backoff=True so the countdown doubles [1]."))
    services.answer_retry(acting_user=asker, answer=answer)
    answer = settle_while_sweeping(answer.pk, {S.FAILED, S.DRAFT}, timeout=20)
    assert answer.status == S.DRAFT, answer.error
    assert answer.engine == "openai"
    assert answer.attempts == 1
    assert answer.sources.count() == 1
    assert len(chat_server.requests) == 2 + MAX_RETRIES
    assert Notification.objects.filter(recipient=asker, verb="ai_draft_ready").count() == 1
