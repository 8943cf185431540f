"""The assistant's reads, filtered by ``aiassist.policy``."""
from forum.exceptions import NotFound

from . import policy
from .models import AIAnswer


def answer_for_user(user, pk) -> AIAnswer:
    """The answer, or NotFound: the same for missing, private to someone else, or unreadable."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("No such answer.") from None
    answer = AIAnswer.objects.select_related("thread", "thread__category", "asker").filter(pk=pk).first()
    if answer is None or not policy.can_view_answer(user, answer):
        raise NotFound("No such answer.")
    return answer


def current_answer(user, thread) -> AIAnswer | None:
    """The asker's latest answer for ``thread`` that is still theirs to see on the page (not discarded)."""
    return (
        policy.own_answers(user)
        .filter(thread=thread)
        .exclude(status=AIAnswer.Status.DISCARDED)
        .prefetch_related("sources", "sources__category")
        .order_by("-created_at", "-id")
        .first()
    )


def answers_of(user, *, status=None):
    answers = policy.own_answers(user).select_related("thread", "thread__category")
    if status:
        answers = answers.filter(status=status)
    return answers.order_by("-created_at", "-id")
