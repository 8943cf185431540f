"""The assistant's reads, filtered by ``aiassist.policy``."""
from django.db.models import Count, Prefetch, Q

from common.exceptions import NotFound
from forum import policy as forum_policy

from . import policy
from .models import AIAnswer, AnswerSource


def answer_for_user(user, pk, *, or_withdrawable: bool = False) -> AIAnswer:
    """The answer, or NotFound: the same for missing, private to someone else, or unreadable.
    ``or_withdrawable`` (the retract verb): also a published answer the caller may withdraw without
    seeing it otherwise (``policy.can_withdraw_answer``: its category's moderators and administrators)."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("No such answer.") from None
    answers = AIAnswer.objects.select_related("thread", "thread__category", "asker").filter(pk=pk)
    answer = forum_policy.with_access(answers, user, "thread__category").first()
    if answer is not None:
        forum_policy.remember_access(user, answer, answer.thread.category)
    if answer is None or not (policy.can_view_answer(user, answer)
                              or (or_withdrawable and policy.can_withdraw_answer(user, answer))):
        raise NotFound("No such answer.")
    return answer


def current_answer(user, thread) -> AIAnswer | None:
    """The asker's latest answer for ``thread`` that is still theirs to see on the page (not discarded).

    ``policy.own_answers(user)`` for this one thread: whether the thread is readable is asked in its
    object form (already answered for the page that shows the thread, so no query), instead of as
    a subquery over every category. Its sources come in one more query, with what
    ``sources_outside_audience`` needs."""
    if not forum_policy.can_view_thread(user, thread):
        return None
    # Only the columns the panel reads: the thread page pays for these two queries on every view.
    sources = (AnswerSource.objects.select_related("category", "post__thread__category")
               .only("answer_id", "number", "cited", "title", "post_id", "thread_id", "category__name",
                     "category__restricted", "post__hidden", "post__thread__category__restricted"))
    return (
        AIAnswer.objects.filter(asker=user, thread=thread)
        .exclude(status=AIAnswer.Status.DISCARDED)
        .defer("question", "body", "original_body")
        .prefetch_related(Prefetch("sources", queryset=sources))
        .order_by("-created_at", "-id")
        .first()
    )


def sources_outside_audience(answer: AIAnswer, thread) -> list[AnswerSource]:
    """``services.sources_outside_audience`` for the panel, from the sources ``current_answer``
    prefetched (no query): cited posts that are gone, hidden, or in a category that not everyone
    who can read ``thread`` can read. The services ask the database again before submitting."""
    return [source for source in answer.sources.all()
            if source.post is None or source.post.hidden
            or not forum_policy.is_audience_readable(source.post.thread.category, thread.category)]


def answers_of(user, *, status=None):
    answers = policy.own_answers(user).select_related("thread", "thread__category")
    if status:
        answers = answers.filter(status=status)
    return answers.order_by("-created_at", "-id")


def review_queue(user):
    """Submitted answers, and published ones flagged for another look, in the categories ``user`` reviews."""
    return (
        policy.reviewer_answers(user)
        .filter(Q(status=AIAnswer.Status.IN_REVIEW) | (Q(status=AIAnswer.Status.PUBLISHED) & ~Q(attention_reason="")))
        .select_related("thread", "thread__category", "asker")
        .annotate(approval_count=Count("approvals"))
        .order_by("submitted_at", "id")
    )


def reviewable_answer(user, pk, *, or_withdrawable: bool = False) -> AIAnswer:
    """An answer for the review page: one the caller may see and that has been submitted
    (``or_withdrawable``: as ``answer_for_user``)."""
    answer = answer_for_user(user, pk, or_withdrawable=or_withdrawable)
    if answer.status not in policy.REVIEWABLE_STATES:
        raise NotFound("No such answer.")
    return answer


def published_meta_for_thread(thread) -> dict:
    """Post id -> its published AI answer (with approvals, reviewers and sources), for one thread page."""
    answers = (
        AIAnswer.objects.filter(published_post__thread=thread)
        .select_related("edited_by")
        .prefetch_related("approvals__reviewer", "sources__post__thread__category")
    )
    return {answer.published_post_id: answer for answer in answers}


def published_answer_for_post(user, post) -> AIAnswer:
    """The published answer behind an AI post the caller can read (the post was fetched with authorisation)."""
    answer = AIAnswer.objects.filter(published_post=post, status=AIAnswer.Status.PUBLISHED).select_related(
        "thread", "thread__category").first()
    if answer is None:
        raise NotFound("No such answer.")
    return answer


def published_answer_for_user(user, pk) -> AIAnswer:
    """A published answer whose post ``user`` may read, or NotFound: the same for a missing id, an
    answer that is not published, and one in a category or behind a hidden post ``user`` cannot read."""
    try:
        pk = int(pk)
    except (TypeError, ValueError):
        raise NotFound("No such answer.") from None
    answers = AIAnswer.objects.select_related(
        "thread", "thread__category", "published_post", "published_post__thread__category",
    ).filter(pk=pk, status=AIAnswer.Status.PUBLISHED)
    answer = forum_policy.with_access(answers, user, "published_post__thread__category").first()
    if answer is not None:
        forum_policy.remember_access(user, answer, answer.published_post.thread.category)
    if answer is None or not forum_policy.can_view_post(user, answer.published_post):
        raise NotFound("No such answer.")
    return answer
