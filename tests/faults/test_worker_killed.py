"""kill -9 of a worker in the middle of drafting: the answer still ends as exactly one draft.

The killed worker never acks its message (late acks) and never finishes the row, which stays
`generating` under a lease. The sweeper returns it to the queue once the lease expires; a new
worker drafts it. The killed delivery turning up again later (Redis redelivers unacked messages
after the visibility timeout) changes nothing. And an answer whose worker dies on every attempt
is not revived forever: the attempts are counted on the row.
"""
from datetime import timedelta

import pytest
from django.conf import settings
from django.utils import timezone

from aiassist import services
from aiassist.models import AIAnswer, AnswerSource
from aiassist.services.drafting import OUT_OF_ATTEMPTS
from aiassist.tasks import generate_answer_task
from forum.models import AuditEvent, Notification

from .conftest import S, sweep_until_settled, task_finished, wait_until

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


def test_sigkill_mid_generation_ends_in_exactly_one_draft(broker, workers, asker, question):
    first = workers.start(VETTED_SLOW_ENGINE_SECONDS=2.5)
    answer = services.answer_request(acting_user=asker, thread=question)  # enqueued on commit
    wait_until(lambda: AIAnswer.objects.filter(pk=answer.pk, status=S.GENERATING).exists(), timeout=20,
               interval=0.05, message="the worker to start drafting")

    first.kill()
    assert AIAnswer.objects.get(pk=answer.pk).status == S.GENERATING  # the dead worker left it claimed
    second = workers.start(VETTED_SLOW_ENGINE_SECONDS=0.5)
    took = sweep_until_settled([answer.pk], timeout=30)

    answer.refresh_from_db()
    assert answer.status == S.DRAFT, answer.error
    assert answer.attempts >= 2
    assert took < 20

    # The lost delivery of the killed worker arriving after all: a no-op.
    late = generate_answer_task.apply_async(args=[answer.pk])
    wait_until(lambda: task_finished([second], late.id), timeout=15, message="the late delivery to run")

    answer.refresh_from_db()
    events = AuditEvent.objects.filter(target_type="aiassist.aianswer", target_id=str(answer.pk))
    assert answer.status == S.DRAFT
    assert events.filter(verb="ai_answer.draft").count() == 1
    assert events.filter(verb="ai_answer.claim").count() == answer.attempts
    assert events.filter(verb="ai_answer.lease_expired").count() == 1
    assert Notification.objects.filter(recipient=asker, verb="ai_draft_ready").count() == 1
    numbers = list(AnswerSource.objects.filter(answer=answer).values_list("number", flat=True))
    assert len(numbers) == len(set(numbers)) >= 1


def test_an_answer_whose_worker_dies_on_every_attempt_fails_instead_of_looping(broker, asker, question):
    """The sweeper revives a dead worker's answer, but not forever: the attempts are counted on the row."""
    budget = 1 + settings.ASSISTANT_MAX_RETRIES
    answer = services.answer_request(acting_user=asker, thread=question)
    for attempt in range(1, budget + 1):
        assert services.answer_claim(answer_id=answer.pk).attempts == attempt
        # ... and its worker is killed: the lease runs out.
        AIAnswer.objects.filter(pk=answer.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
        assert answer.pk in services.answers_sweep()

    assert services.answer_claim(answer_id=answer.pk) is None  # the next delivery
    answer.refresh_from_db()
    assert (answer.status, answer.error, answer.attempts) == (S.FAILED, OUT_OF_ATTEMPTS, budget)
    assert Notification.objects.filter(recipient=asker, verb="ai_draft_failed").count() == 1
    assert services.answers_sweep() == []
