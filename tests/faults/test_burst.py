"""A burst of asks while workers are killed and restarted and Redis itself is killed and restarted.

Nothing asked is lost: every ask leaves a row (also those made while Redis was down), and once the
sweeper has run every row is a draft or a clean failure, never stuck and never drafted twice.
"""
import threading
import time
from collections import Counter

import pytest
from django.db import connection
from django.db.models import Count

from aiassist import services
from aiassist.models import AIAnswer, AnswerSource
from aiassist.services.drafting import OUT_OF_ATTEMPTS
from forum.audit import audit_verify
from forum.models import AuditEvent, Notification

from ..factories import UserFactory, make_thread
from .conftest import PENDING, WORKER_ENV, S, sweep_until_settled

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

ASKERS = 8
ASKS_EACH = 25  # 200 in all
PAUSE_BETWEEN_ASKS = 0.2
FAST = {"VETTED_SLOW_ENGINE_SECONDS": 0.05}
BUDGET = 1 + int(WORKER_ENV["ASSISTANT_MAX_RETRIES"])  # attempts per answer


@pytest.fixture
def askers(engineering):
    helper = UserFactory(username="bob")
    make_thread(helper, engineering, title="Celery retry backoff settings", body="How do retries back off?",
                replies=[(UserFactory(username="carol"),  # bob's own follow-ups would not be quoted
                          "Set autoretry_for and retry_backoff=True; the countdown doubles.")])
    make_thread(helper, engineering, title="Rotating the staging database password",
                body="Use the vault rotation job, then restart the workers.")
    people = [UserFactory(username=f"asker{i}") for i in range(ASKERS)]
    return [(person, make_thread(person, engineering, title=f"Question {i}: how do celery retries back off?",
                                 body="My tasks fail on network errors.")) for i, person in enumerate(people)]


class Burst:
    """Asker threads calling the real service, as many web requests would."""

    def __init__(self, askers):
        self.asked: list[tuple[float, int]] = []
        self.errors: list[BaseException] = []
        self.threads = [threading.Thread(target=self._ask, args=pair, daemon=True) for pair in askers]

    def _ask(self, user, thread):
        try:
            for _ in range(ASKS_EACH):
                answer = services.answer_request(acting_user=user, thread=thread)
                self.asked.append((time.monotonic(), answer.pk))
                time.sleep(PAUSE_BETWEEN_ASKS)
        except BaseException as exc:  # noqa: BLE001 - reported by the test
            self.errors.append(exc)
        finally:
            connection.close()

    def start(self):
        for thread in self.threads:
            thread.start()

    def join(self, timeout):
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        assert not any(thread.is_alive() for thread in self.threads), "the askers did not finish"


def test_a_burst_survives_killed_workers_and_a_redis_restart(broker, workers, settings, askers):
    settings.ASSISTANT_QUOTA_PER_HOUR = ASKS_EACH
    live = [workers.start(**FAST), workers.start(**FAST)]
    burst = Burst(askers)
    started = time.monotonic()
    burst.start()

    time.sleep(1.0)
    live[0].kill()
    live[0] = workers.start(ready=False, **FAST)
    time.sleep(1.0)
    broker.kill()  # every queued and unacked message is gone with it
    redis_down = time.monotonic()
    time.sleep(1.5)
    broker.start()
    redis_up = time.monotonic()
    time.sleep(1.5)
    live[1].kill()
    live[1] = workers.start(ready=False, **FAST)
    time.sleep(1.5)
    live[0].kill()
    live[0] = workers.start(ready=False, **FAST)

    burst.join(timeout=60)
    asked_for = time.monotonic() - started
    assert not burst.errors, burst.errors
    for worker in live:
        worker.wait_ready()
    settle = sweep_until_settled(timeout=90, interval=1.0)

    ids = [pk for _, pk in burst.asked]
    answers = AIAnswer.objects.all()
    statuses = Counter(answers.values_list("status", flat=True))
    attempts = Counter(answers.values_list("attempts", flat=True))
    print(f"\nasked {len(ids)} in {asked_for:.1f}s, settled in {settle:.1f}s more; "
          f"{len(workers.started)} workers started; statuses {dict(statuses)}; attempts {dict(attempts)}")

    # Nothing lost: one row per ask, also for the asks made while Redis was down.
    assert len(ids) == ASKERS * ASKS_EACH
    assert sorted(answers.values_list("pk", flat=True)) == sorted(ids)
    assert sum(redis_down <= at <= redis_up for at, _ in burst.asked) >= 1, "no ask fell into the Redis outage"

    # Nothing stuck: each is a draft or a failure that says why. The engine itself never fails here,
    # so the only acceptable failure is an answer whose every attempt was killed.
    assert not answers.filter(status__in=PENDING).exists()
    assert set(statuses) <= {S.DRAFT, S.FAILED}
    assert set(answers.filter(status=S.FAILED).values_list("error", "attempts")) <= {(OUT_OF_ATTEMPTS, BUDGET)}

    # Nothing twice: one draft event and one notice per draft, sources not duplicated, claims counted.
    drafts = set(answers.filter(status=S.DRAFT).values_list("pk", flat=True))
    events = AuditEvent.objects.filter(target_type="aiassist.aianswer")
    per_answer = Counter(int(t) for t in events.filter(verb="ai_answer.draft").values_list("target_id", flat=True))
    assert set(per_answer) == drafts
    assert set(per_answer.values()) <= {1}
    assert Notification.objects.filter(verb="ai_draft_ready").count() == len(drafts)
    assert Notification.objects.filter(verb="ai_draft_failed").count() == statuses[S.FAILED]
    assert not AnswerSource.objects.values("answer", "number").annotate(n=Count("id")).filter(n__gt=1).exists()
    assert AnswerSource.objects.filter(answer__in=drafts).values("answer").distinct().count() == len(drafts)
    claims = Counter(int(t) for t in events.filter(verb="ai_answer.claim").values_list("target_id", flat=True))
    assert claims == Counter(dict(answers.filter(attempts__gt=0).values_list("pk", "attempts")))
    assert max(attempts) <= BUDGET

    # And the tamper-evident audit chain survived processes dying mid-transaction.
    report = audit_verify()
    assert report.ok, report
