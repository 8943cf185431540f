"""Thin Celery tasks over the assistant's services. Nothing here can publish an answer."""
from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded, WorkerLostError
from django.conf import settings

from . import services
from .engines import TransientEngineError


class GenerateAnswerTask(Task):
    def on_failure(self, exc, task_id, args, kwargs, einfo):
        """Retries are spent (or something unexpected broke): record a clean, readable failure, for the claim this
        delivery held (``answer_generate`` marks its errors with it) so that a late delivery's error fails nobody
        else's draft. An error before any claim was made leaves a draft under way alone (its worker finishes it), but
        for the hard time limit, whose killed process held the claim."""
        answer_id = args[0] if args else kwargs.get("answer_id")
        message = getattr(exc, "user_message", None) or "The assistant could not draft an answer."
        claim = getattr(exc, "answer_claim", None)
        # The hard time limit killed the process drafting it (its claim went with it): failed at once, as before,
        # rather than drafted again by the sweeper after its lease, up to its attempts (round 40's review).
        killed = isinstance(exc, (TimeLimitExceeded, WorkerLostError))
        if claim is None and not killed and services.answer_drafting(answer_id=answer_id):
            return
        services.answer_fail(answer_id=answer_id, message=message, claim=claim)


@shared_task(
    bind=True,
    base=GenerateAnswerTask,
    name="aiassist.generate_answer",
    autoretry_for=(TransientEngineError, SoftTimeLimitExceeded),
    max_retries=settings.ASSISTANT_MAX_RETRIES,
    retry_backoff=2,
    retry_backoff_max=settings.ASSISTANT_RETRY_BACKOFF_MAX,
    retry_jitter=False,
)
def generate_answer_task(self, answer_id: int) -> None:
    services.answer_generate(answer_id=answer_id)


@shared_task(name="aiassist.sweep_stuck_answers")
def sweep_stuck_answers_task() -> int:
    return len(services.answers_sweep())
