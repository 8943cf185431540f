"""The drafting task's ``on_failure`` fails the claim that broke, and nobody else's.

Celery calls ``on_failure`` after an unexpected error in the task, and after a transient one whose retries are spent.
A late delivery (its worker stalled past its lease while another claimed the answer) that then breaks used to fail
whichever claim held the answer, so the draft under way was thrown away. The failure now carries its claim's number.
"""
from datetime import timedelta

import pytest
from django.utils import timezone

from aiassist import services
from aiassist.engines import TransientEngineError
from aiassist.engines.extractive import ExtractiveEngine
from aiassist.models import AIAnswer
from aiassist.tasks import generate_answer_task

from ..factories import UserFactory, make_thread

pytestmark = pytest.mark.django_db

S = AIAnswer.Status


class OvertakenEngine(ExtractiveEngine):
    """Stalls past its lease (another delivery claims the answer meanwhile), then breaks unexpectedly."""

    name = "overtaken"
    error = RuntimeError

    def draft(self, question, sources):
        answer = AIAnswer.objects.get(status=S.GENERATING)
        AIAnswer.objects.filter(pk=answer.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
        assert services.answer_claim(answer_id=answer.pk).claims == answer.claims + 1  # the other delivery
        raise self.error("the connection dropped")


class ErrorEngine(ExtractiveEngine):
    name = "error"

    def draft(self, question, sources):
        raise RuntimeError("a bug in the engine")


@pytest.fixture
def question(employee, other_employee, engineering):
    make_thread(other_employee, engineering, title="Celery retries: how should they back off?",
                body="How do retries back off?",
                replies=[(UserFactory(username="carol"), "Set autoretry_for and retry_backoff=True.")])
    return make_thread(employee, engineering, title="How should celery retries back off?",
                       body="My tasks fail on network errors. How do retries back off?")


def _run_as_celery_does(answer_id):
    """The task's body, then its ``on_failure`` with what it raised (Celery's own order)."""
    try:
        generate_answer_task.run(answer_id)
    except BaseException as exc:  # noqa: BLE001 - what Celery catches
        generate_answer_task.on_failure(exc, "task-id", (answer_id,), {}, None)
        return exc
    return None


@pytest.mark.parametrize("error", [RuntimeError, TransientEngineError])
def test_a_late_delivery_that_breaks_fails_nobody_elses_draft(settings, employee, question, error):
    settings.ASSISTANT_ENGINE = f"{__name__}.OvertakenEngine"
    settings.ASSISTANT_MAX_RETRIES = 1  # room for the second claim (Celery's own retries are spent: run directly)
    OvertakenEngine.error = error
    answer = services.answer_request(acting_user=employee, thread=question)
    exc = _run_as_celery_does(answer.pk)
    assert isinstance(exc, error) and exc.answer_claim == 1

    answer.refresh_from_db()
    assert (answer.status, answer.claims, answer.error) == (S.GENERATING, 2, ""), \
        "the second delivery still drafts the answer"
    assert services.answer_fail(answer_id=answer.pk, message="late", claim=1) is None
    assert services.answer_fail(answer_id=answer.pk, message="the second delivery's own", claim=2).status == S.FAILED


def test_an_unexpected_error_fails_its_own_claim(settings, employee, question):
    settings.ASSISTANT_ENGINE = f"{__name__}.ErrorEngine"
    answer = services.answer_request(acting_user=employee, thread=question)
    exc = _run_as_celery_does(answer.pk)
    assert isinstance(exc, RuntimeError)
    answer.refresh_from_db()
    assert answer.status == S.FAILED and answer.error == "The assistant could not draft an answer."


def test_spent_retries_fail_the_answer_their_claim_gave_back(settings, employee, question):
    """A transient error gives the answer back to the queue (``answer_release``); once Celery's retries are spent its
    ``on_failure`` still fails it: nobody claimed it since."""
    settings.ASSISTANT_ENGINE = "tests.engines.DownEngine"
    settings.ASSISTANT_MAX_RETRIES = 3  # the row's budget not spent: the task's retries are what ran out
    answer = services.answer_request(acting_user=employee, thread=question)
    exc = _run_as_celery_does(answer.pk)
    assert isinstance(exc, TransientEngineError) and exc.answer_claim == 1
    answer.refresh_from_db()
    assert (answer.status, answer.error) == (S.FAILED, "The model endpoint kept timing out.")


def test_an_error_before_any_claim_leaves_a_draft_under_way_alone(settings, employee, question):
    answer = services.answer_request(acting_user=employee, thread=question)
    services.answer_claim(answer_id=answer.pk)  # another delivery drafts it
    generate_answer_task.on_failure(RuntimeError("the broker connection dropped"), "task-id", (answer.pk,), {}, None)
    answer.refresh_from_db()
    assert answer.status == S.GENERATING

    queued = services.answer_request(acting_user=employee, thread=make_thread(
        employee, question.category, title="Celery retry backoff, again?", body="How do retries back off?"))
    generate_answer_task.on_failure(RuntimeError("the broker connection dropped"), "task-id", (queued.pk,), {}, None)
    queued.refresh_from_db()
    assert queued.status == S.FAILED, "an answer nobody drafts is failed, with a retry button for its asker"


@pytest.mark.parametrize("killed", ["time limit", "worker lost"])
def test_the_hard_time_limit_fails_the_draft_its_killed_process_held(killed, employee, question):
    """The hard time limit kills the process; Celery calls ``on_failure`` in the parent, with no claim to tell: the
    answer that process was drafting fails at once, as before round 40 (not drafted again after its lease)."""
    from celery.exceptions import TimeLimitExceeded, WorkerLostError

    answer = services.answer_request(acting_user=employee, thread=question)
    services.answer_claim(answer_id=answer.pk)
    exc = TimeLimitExceeded(180) if killed == "time limit" else WorkerLostError("Worker exited prematurely")
    generate_answer_task.on_failure(exc, "task-id", (answer.pk,), {}, None)
    answer.refresh_from_db()
    assert answer.status == S.FAILED
