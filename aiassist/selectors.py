"""The assistant's reads, filtered by ``aiassist.policy``."""
import statistics
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import (
    Aggregate,
    BooleanField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    prefetch_related_objects,
)
from django.db.models.functions import SHA256, Coalesce
from django.utils import timezone

from common.exceptions import NotFound
from forum import policy as forum_policy
from forum import selectors as forum_selectors

from . import policy
from .models import AIAnswer, AnswerSource, Approval


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


def withheld_answer_thread(user, pk: int):
    """The thread of ``user``'s own answer ``pk`` withheld from them (``policy.withheld_from``: what it drew on was
    taken back), for its panel to say so; NotFound for anyone else's answer or a thread they cannot read."""
    asked = (AIAnswer.objects.filter(pk=pk, asker=user).filter(policy.withheld_from(user))
             .values_list("thread_id", flat=True).first() if user.is_authenticated else None)
    if asked is None:
        raise NotFound("No such answer.")
    return forum_selectors.thread_for_user(user, asked)


def current_answer(user, thread) -> AIAnswer | None:
    """The asker's latest answer for ``thread`` that is still theirs to see on the page (not discarded), with
    ``withheld`` (``policy.withheld_from``): true when it drew on a post they can no longer read, whose text the panel
    must not show them (it says so, and offers a new draft).

    ``policy.own_answers(user)`` for this one thread: whether the thread is readable is asked in its
    object form (already answered for the page that shows the thread, so no query), instead of as
    a subquery over every category. Its sources come in one more query, with what
    ``sources_outside_audience`` needs."""
    if not forum_policy.can_view_thread(user, thread):
        return None
    # Only the columns the panel reads: the thread page pays for these two queries on every view.
    sources = (AnswerSource.objects.select_related("category", "post__thread__category", "post__author")
               .only("answer_id", "number", "cited", "title", "post_id", "thread_id", "category__name",
                     "category__restricted", "post__hidden", "post__thread__category__restricted",
                     "post__thread__category__name", "post__created_at", "post__author__username"))
    # A draft discarded moments ago stays the current answer, so the panel can offer to restore it.
    restorable = Q(discarded_at__gt=timezone.now() - RESTORE_WINDOW)
    answer = (
        AIAnswer.objects.filter(asker=user, thread=thread)
        .exclude(Q(status=AIAnswer.Status.DISCARDED) & ~restorable)
        .annotate(withheld=ExpressionWrapper(policy.withheld_from(user), output_field=BooleanField()))
        .defer("question", "original_body")  # body: the marked claims (partials/claims.html) index into it
        .order_by("-created_at", "-id")
        .first()
    )
    if answer is not None and not answer.withheld:  # a withheld answer's sources are not the panel's to show
        prefetch_related_objects([answer], Prefetch("sources", queryset=sources))
        for source in answer.sources.all():  # the category the panel names: never one the asker cannot read now
            source.shown_category = policy.shown_category(user, source)
    return answer


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


class _BodyHash(SHA256):
    """``services.body_hash`` in SQL. PostgreSQL's own sha256() (Django's SHA256 needs pgcrypto there)."""

    def as_postgresql(self, compiler, connection, **extra_context):
        template = "encode(sha256(convert_to(%(expressions)s, 'UTF8')), 'hex')"
        return Func.as_sql(self, compiler, connection, template=template, **extra_context)


RESTORE_WINDOW = timedelta(minutes=10)  # services.drafting.RESTORE_WINDOW (selectors do not import services)
_WAITING = Q(status=AIAnswer.Status.IN_REVIEW) | (Q(status=AIAnswer.Status.PUBLISHED) & ~Q(attention_reason=""))


def review_queue(user, *, category=None, risk: str | None = None, for_page: bool = False):
    """Submitted answers, and published ones flagged for another look, in the categories ``user`` reviews,
    oldest first; ``category`` and ``risk`` narrow them (already validated by the caller). ``for_page``:
    each row also carries what the queue page shows without another query: its approvals as they stand
    now (``policy.standing_approvals``, for "approvals 1 of 2"), and the reviewer's rights on its
    category (``forum_policy.with_access``; ``remember_access`` files them per row). The API prefetches
    its own."""
    answers = policy.reviewer_answers(user).filter(_WAITING)
    if category is not None:
        answers = answers.filter(thread__category=category)
    if risk:
        answers = answers.filter(risk=risk)
    answers = (answers.select_related("thread", "thread__category", "asker")
               .annotate(approval_count=Count("approvals"))
               .order_by("submitted_at", "id"))
    if not for_page:
        return answers
    answers = answers.prefetch_related(Prefetch("approvals", queryset=policy.standing_approvals(
        Approval.objects.select_related("reviewer").order_by("created_at", "id"))))
    return forum_policy.with_access(answers, user, "thread__category")


def review_desk(user) -> tuple[bool, int]:
    """For the header, in one query: whether ``user`` reviews any category, and how many answers in the
    queue await them: not their own question, and not a text they have already approved."""
    if not (user and user.is_authenticated and user.is_active):
        return False, 0
    approved = Approval.objects.filter(answer=OuterRef("pk"), reviewer=user, body_hash=_BodyHash(OuterRef("body")))
    waiting = (policy.reviewer_answers(user).filter(_WAITING).exclude(asker=user).filter(~Exists(approved))
               .order_by().annotate(n=Func(F("pk"), function="COUNT")).values("n"))
    row = (get_user_model().objects.filter(pk=user.pk)
           .annotate(reviews=Exists(forum_policy.reviewed_categories(user)), waiting=Subquery(waiting))
           .values_list("reviews", "waiting").first())
    return (bool(row[0]), row[1] or 0) if row else (False, 0)


def reviewable_answer(user, pk, *, or_withdrawable: bool = False) -> AIAnswer:
    """An answer for the review page: one the caller may see and that has been submitted
    (``or_withdrawable``: as ``answer_for_user``)."""
    answer = answer_for_user(user, pk, or_withdrawable=or_withdrawable)
    if answer.status not in policy.REVIEWABLE_STATES:
        raise NotFound("No such answer.")
    return answer


EARLIER_SHOWN = 5  # rejected or retracted answers of the same thread a review desk lists
EARLIER_READ = 50  # of which the newest this many are read, the same text first


def earlier_verdicts(user, answer: AIAnswer) -> list[dict]:
    """What reviewers decided about the other answers of ``answer``'s thread: those they rejected or retracted that
    ``user`` may open (``policy.visible_answers``), with the reason, and whether ``answer`` says the same (the
    extractive engine drafts the same text from the same passages), those first, then the newest. A reviewer of a
    draft asked again reads why the last one was turned down before approving the same advice again (round 43's
    review). Every answer of the thread, not only those ``answer`` was regenerated from: asking afresh, or regenerating
    past any limit, leaves no gap. A draft nobody submitted is never among them. Two queries at most."""
    text = " ".join(answer.body.split())
    earlier = list(policy.visible_answers(user).filter(
        thread_id=answer.thread_id, status__in=(AIAnswer.Status.REJECTED, AIAnswer.Status.RETRACTED)).exclude(
        pk=answer.pk).only("pk", "status", "body", "reject_reason", "rejected_at", "retract_reason", "retracted_at",
                           "created_at").order_by("-created_at", "-pk")[:EARLIER_READ])
    verdicts = []
    for other in earlier:
        rejected = other.status == AIAnswer.Status.REJECTED
        verdicts.append({
            "answer": other, "verdict": "rejected" if rejected else "retracted",
            "at": other.rejected_at if rejected else other.retracted_at,
            "reason": other.reject_reason if rejected else other.retract_reason,
            "same_text": " ".join(other.body.split()) == text})
    verdicts.sort(key=lambda verdict: not verdict["same_text"])  # stable: the newest first within each
    return verdicts[:EARLIER_SHOWN]


def named_reviewers(answer) -> list[str]:
    """Whom a published answer names as its reviewers: those whose approvals counted when it was published
    (``Approval.counted``), from its prefetched approvals (``published_meta_for_thread``, the API's post list)."""
    return [approval.reviewer.username for approval in answer.approvals.all() if approval.counted]


def published_meta_for_thread(thread) -> dict:
    """Post id -> its published AI answer (with approvals, reviewers and sources), for one thread page."""
    answers = (
        AIAnswer.objects.filter(published_post__thread=thread)
        .select_related("edited_by")
        .prefetch_related("approvals__reviewer", Prefetch(
            # ``category``: where the source was when the answer was drafted, as its review desk shows it (the thread
            # page showed where it is now: after a move, not what the reviewers read: round 39's review).
            "sources", queryset=AnswerSource.objects.select_related("category", "post__thread__category",
                                                                    "post__author")))
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


class _Median(Aggregate):
    """The median of a duration (PostgreSQL's percentile_cont)."""

    template = "percentile_cont(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = DurationField()


def review_metrics(user) -> list[dict]:
    """Per category ``user`` reviews: answers drafted, submitted, published, rejected (per reason code),
    retracted, and the median time from submission to decision; counts only, never a title or a text.
    Two queries whatever the number of categories and answers (three on SQLite, which has no median)."""
    categories = list(forum_policy.reviewed_categories(user).order_by("position", "name").only("pk", "name", "slug"))
    if not categories:
        return []
    S = AIAnswer.Status
    decided = Q(status__in=[S.PUBLISHED, S.RETRACTED, S.REJECTED], submitted_at__isnull=False)
    time_to_decision = Coalesce("rejected_at", "published_at") - F("submitted_at")
    counts = {
        "submitted": Count("pk", filter=Q(submitted_at__isnull=False)),
        "published": Count("pk", filter=Q(published_at__isnull=False)),
        "rejected": Count("pk", filter=Q(status=S.REJECTED)),
        "retracted": Count("pk", filter=Q(status=S.RETRACTED)),
        **{f"rejected_{code}": Count("pk", filter=Q(status=S.REJECTED, reject_code=code))
           for code in AIAnswer.Reason.values},
    }
    postgres = connection.vendor == "postgresql"
    if postgres:
        counts["median"] = _Median(time_to_decision, filter=decided)
    answers = AIAnswer.objects.filter(thread__category__in=[c.pk for c in categories]).order_by()
    rows = {row["thread__category"]: row for row in answers.values("thread__category").annotate(**counts)}
    if not postgres:
        durations: dict[int, list] = {}
        for category_id, duration in (answers.filter(decided).annotate(d=time_to_decision)
                                      .values_list("thread__category", "d")):
            durations.setdefault(category_id, []).append(duration)
        for category_id, values in durations.items():
            rows[category_id]["median"] = statistics.median(values)
    empty = dict.fromkeys(counts, 0) | {"median": None}
    metrics = []
    for category in categories:
        row = rows.get(category.pk, empty)
        metrics.append({
            "category": category,
            **{key: row.get(key, 0) for key in ("drafted", "submitted", "published", "rejected", "retracted")},
            "rejected_by": [(label, row.get(f"rejected_{code}", 0)) for code, label in AIAnswer.Reason.choices],
            "median": row.get("median"),
        })
    return metrics
