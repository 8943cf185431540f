"""Who may see and act on AI answers. Builds on ``forum.policy``; nothing here re-derives a forum rule.

* Only the asker sees an answer before it is submitted: not moderators, not admins, not superusers. They too see it
  only while they can read every post it drew on (``unreadable_sources``): a draft quoting a post hidden, deleted or
  moved out of their reach since, or a passage its author has edited out since, is withheld from them as well (they
  can ask for a new one).
* Once submitted, the category's reviewers (``review_ai_answers``) see it too, while they can read every post
  it drew on as the posts stand now (``unreadable_sources``): a source moved to a category they cannot read, hidden
  (to those who do not moderate it) or deleted since the draft, or a passage of it edited out by its author, takes
  the answer's text out of their sight, as it took the post (or the passage) out of the thread.
* A published answer can always be withdrawn by its category's moderators and administrators too.
* Everyone sees the assistant's published posts through the forum like any other post.
"""
from django.db.models import BooleanField, Case, Exists, F, OuterRef, Prefetch, Q, QuerySet, Subquery, Value, When

from forum import policy as forum_policy
from forum.models import Post

from .models import AIAnswer, AnswerSource, Approval, ClaimConfirmation

S = AIAnswer.Status
PRIVATE_STATES = (S.QUEUED, S.GENERATING, S.DRAFT, S.FAILED, S.DISCARDED)
REVIEWABLE_STATES = (S.IN_REVIEW, S.PUBLISHED, S.REJECTED, S.RETRACTED)


def visible_answers(user) -> QuerySet[AIAnswer]:
    """Answers ``user`` may open: their own (in threads they can still read), and submitted ones they review."""
    if not (user and user.is_authenticated and user.is_active):
        return AIAnswer.objects.none()
    readable = Q(thread__category__in=forum_policy.visible_categories(user))
    own = Q(asker=user) & ~withheld_from(user)
    reviewed = (Q(status__in=REVIEWABLE_STATES, thread__category__in=forum_policy.reviewed_categories(user))
                & ~unreadable_sources(user))
    return AIAnswer.objects.filter(readable & (own | reviewed))


def reviewer_answers(user) -> QuerySet[AIAnswer]:
    """Submitted answers in the categories ``user`` reviews (whoever asked them) whose sources they can all read
    (``unreadable_sources``)."""
    if not (user and user.is_authenticated and user.is_active):
        return AIAnswer.objects.none()
    return AIAnswer.objects.filter(status__in=REVIEWABLE_STATES,
                                   thread__category__in=forum_policy.reviewed_categories(user)).exclude(
        unreadable_sources(user))


def unreadable_sources(user) -> Q:
    """Whether an answer (the outer row) drew on a post ``user`` cannot read now (a source, or the thread's question):
    deleted since, hidden (unless they moderate its category) or in a category they cannot see
    (``forum_policy.visible_posts``, as the thread page reads it). Its text quotes that post, and its review page
    shows the passage: neither may reach them. So with a passage its author has edited out of the post since
    (``AnswerSource.taken_back``): an edit keeps no history, so that text is nobody's to read now; and with words its
    question's author has edited out of the question since, which the answer restates (``question_taken_back``).

    A published answer never has one for a reader of its thread: a source leaving the thread's audience
    unpublishes it in the same transaction (``services.answers_recheck_audience``), as its question being hidden
    does."""
    readable = forum_policy.visible_posts(user).values("pk")
    source = Exists(AnswerSource.objects.filter(answer=OuterRef("pk")).filter(
        Q(post__isnull=True) | Q(taken_back=True) | ~Q(post__in=readable)))
    # The thread's question is one too when the answer was drafted from its opening post (its question holds more
    # than the title: ``services.question_withheld``), which a moderator has hidden since.
    opening = Post.objects.filter(thread=OuterRef(OuterRef("thread_id"))).order_by("created_at", "id").values("pk")[:1]
    question = Exists(Post.objects.filter(pk=Subquery(opening), hidden=True).exclude(pk__in=readable))
    return source | (question & ~Q(question=F("thread__title"))) | Q(question_taken_back=True)


def withheld_from(user) -> Q:
    """Whether an answer (the outer row) is withheld from ``user`` as its asker: not published, and it drew on a post
    they cannot read now (``unreadable_sources``). A published answer's sources are its thread's audience's to read
    (a source leaving it unpublishes the answer), so its asker reads it in the thread like everyone."""
    return ~Q(status=S.PUBLISHED) & unreadable_sources(user)


def _reads_sources(user, answer: AIAnswer) -> bool:
    """``unreadable_sources`` for one answer, asked once per answer and user in a request (every check of a page
    asks it; a published answer is not asked: see there)."""
    if answer.status == S.PUBLISHED:
        return True
    asked = answer.__dict__.setdefault("_reads_sources", {})
    if user.pk not in asked:
        asked[user.pk] = not AIAnswer.objects.filter(pk=answer.pk).filter(unreadable_sources(user)).exists()
    return asked[user.pk]


def can_review_answer(user, answer: AIAnswer) -> bool:
    """Reviewer of the category and not the asker: may approve, reject, edit, retract."""
    return (answer.status in REVIEWABLE_STATES and not is_asker(user, answer)
            and forum_policy.access_for(user, answer.thread.category).can_review and _reads_sources(user, answer))


def can_withdraw_answer(user, answer: AIAnswer) -> bool:
    """Retract a published answer: its category's reviewers (as ``can_review_answer``), and always
    the category's moderators and administrators, who see its post hidden or not: taking
    machine-written text down must never wait for a reviewer the category may no longer have."""
    if can_review_answer(user, answer):
        return True
    return answer.status in (S.PUBLISHED, S.RETRACTED) and forum_policy.can_moderate(user, answer.thread.category)


def own_answers(user) -> QuerySet[AIAnswer]:
    if not (user and user.is_authenticated and user.is_active):
        return AIAnswer.objects.none()
    return AIAnswer.objects.filter(asker=user, thread__category__in=forum_policy.visible_categories(user)).exclude(
        withheld_from(user))


def can_view_answer(user, answer: AIAnswer) -> bool:
    if not forum_policy.can_view_thread(user, answer.thread):
        return False
    if answer.asker_id == user.pk:
        return _reads_sources(user, answer)
    return (answer.status in REVIEWABLE_STATES and forum_policy.access_for(user, answer.thread.category).can_review
            and _reads_sources(user, answer))


def _flag(condition: Q) -> Case:
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


def standing_approvals(approvals: QuerySet[Approval]) -> QuerySet[Approval]:
    """``approvals``, each with what it is worth now, not when it was given: ``standing`` while its
    reviewer still reviews the answer's category, ``standing_high_risk`` while it was given with
    ``approve_high_risk`` and the reviewer still holds that too. Grants withdrawn, a group left or an
    account deactivated since take the approval's weight with them."""
    category = "answer__thread__category"
    reviews = forum_policy.holds_now(forum_policy.REVIEW, user="reviewer", category=category)
    high_risk = forum_policy.holds_now(forum_policy.APPROVE_HIGH_RISK, user="reviewer", category=category)
    return approvals.annotate(standing=_flag(reviews),
                              standing_high_risk=_flag(reviews & Q(high_risk_authority=True) & high_risk))


def standing_approvals_of(answer: AIAnswer) -> list[Approval]:
    """``standing_approvals`` of one answer: from its prefetched approvals when they were fetched
    through ``standing_approvals`` (no query), otherwise in one query."""
    prefetched = getattr(answer, "_prefetched_objects_cache", {}).get("approvals")
    if prefetched is not None and all(hasattr(approval, "standing") for approval in prefetched):
        return list(prefetched)
    return list(standing_approvals(Approval.objects.filter(answer=answer)))


def standing_confirmations(confirmations: QuerySet[ClaimConfirmation]) -> QuerySet[ClaimConfirmation]:
    """``confirmations`` that count now. A confirmation lets a claim the sources do not support stand on one
    reviewer's word, so it weighs what an approval weighs: only while its reviewer still reviews the answer's
    category (grants withdrawn, a group left, an account deactivated or the thread moved since take it away), and
    never its asker's (round 39's review: another reviewer then approved and published an invented claim on the word
    of someone who no longer reviewed there)."""
    reviews = forum_policy.holds_now(forum_policy.REVIEW, user="reviewer", category="answer__thread__category")
    return confirmations.filter(reviews).exclude(reviewer=F("answer__asker"))


STANDING_CONFIRMATIONS = "standing_confirmations"  # the attribute a prefetch of them sets (``confirmed_keys``)


def prefetch_standing_confirmations() -> Prefetch:
    """For a queryset of answers: each one's standing confirmations, in one query for all of them."""
    return Prefetch("claim_confirmations", queryset=standing_confirmations(ClaimConfirmation.objects.all()),
                    to_attr=STANDING_CONFIRMATIONS)


def load_standing_confirmations(answer: AIAnswer) -> None:
    """``prefetch_standing_confirmations`` for one answer already loaded (one query)."""
    setattr(answer, STANDING_CONFIRMATIONS,
            list(standing_confirmations(ClaimConfirmation.objects.filter(answer=answer))))


def confirmed_keys(answer: AIAnswer) -> set[str]:
    """Keys of the claims ``answer``'s standing confirmations let stand: from ``prefetch_standing_confirmations``
    (no query), otherwise in one query."""
    prefetched = getattr(answer, STANDING_CONFIRMATIONS, None)
    if prefetched is not None:
        return {confirmation.key for confirmation in prefetched}
    return set(standing_confirmations(ClaimConfirmation.objects.filter(answer=answer)).values_list("key", flat=True))


def shown_confirmed_keys(answer: AIAnswer) -> set[str]:
    """What a page or the API shows as confirmed: the standing confirmations where they were prefetched (the review
    desk, the API), otherwise the keys stored with the grounding (refreshed by the gate at every approval)."""
    if hasattr(answer, STANDING_CONFIRMATIONS):
        return confirmed_keys(answer)
    return set((answer.grounding or {}).get("confirmed", []))


def cited_sources_for(user, answer: AIAnswer) -> list[AnswerSource]:
    """The sources a published answer cites that ``user`` can open now (one may have moved since; the passages given
    but not cited were the reviewers' to see), from its prefetched ``sources``. Each carries ``shown_category``
    (``shown_category``): the category it was drafted from, as its review desk shows it, when ``user`` may read that
    category; otherwise the one it is in now (a category restricted since keeps its name from those it was closed to:
    round 39's review)."""
    cited = [source for source in answer.sources.all()
             if source.cited and source.post and forum_policy.can_view_post(user, source.post)]
    for source in cited:
        source.shown_category = shown_category(user, source)
    return cited


def shown_category(user, source: AnswerSource):
    """The category a page or the API names for ``source`` to ``user``: the one it was drafted from
    (``AnswerSource.category``, what its reviewers read it in) when ``user`` may read that category; otherwise the one
    its post is in now, when they may read that; otherwise none (its post is gone, or out of their reach).

    The drafted-from category may be one the reader cannot read: the source's thread moved out of a restricted
    category since, or the reader lost it (an asker who left the project, a reviewer of the answer's category who never
    read the source's old one). Its name, slug and that it is restricted are not theirs to learn, on any surface (the
    thread page, the review desk, the asker's panel, the API). Asked with the post's thread's category loaded when the
    drafted one may be unreadable (``select_related("post__thread__category")``), it costs no query but the one
    ``forum_policy.can_view_category`` asks once per restricted category and request."""
    for category in (source.category, source.post.thread.category if source.post is not None else None):
        if category is not None and forum_policy.can_view_category(user, category):
            return category
    return None


def shown_category_to_readers(answer: AIAnswer, source: AnswerSource):
    """``shown_category`` when the reader is not known but is one of ``answer``'s (its asker while it is theirs, a
    reviewer of its category: ``can_view_answer``), who all read its thread's category and every post it drew on
    as the posts stand now: the drafted-from category when every one of them may read it (open, or the thread's own),
    otherwise where the post is now. The API's serializer's rule: it builds an answer's representation without
    knowing who reads it."""
    if forum_policy.is_audience_readable(source.category, answer.thread.category):
        return source.category
    return source.post.thread.category if source.post is not None else None  # where it is now: maybe still there


def load_current_categories(sources) -> None:
    """For ``shown_category`` and ``shown_category_to_readers``, of sources fetched with their ``answer`` (as a
    prefetch of ``answer.sources`` sets it) and its thread: the post, its thread and category of each source whose
    post is not loaded yet and that may need them, in one query for all of them (none when none does). Only a source
    drafted from a restricted category other than its answer's thread's may: an open category is every member's, and
    every reader of an answer reads its thread's."""
    wanted = [source for source in sources if source.post_id is not None
              and not forum_policy.is_audience_readable(source.category, source.answer.thread.category)
              and not AnswerSource.post.is_cached(source)]
    if not wanted:
        return
    posts = Post.objects.select_related("thread__category").in_bulk({source.post_id for source in wanted})
    for source in wanted:
        source.post = posts.get(source.post_id)


def is_asker(user, answer: AIAnswer) -> bool:
    return bool(user and user.is_authenticated and answer.asker_id == user.pk)


def is_private_phase(answer: AIAnswer) -> bool:
    """Until its asker first submits it, an answer is theirs alone, and so is every trace of it: its
    audit events and notices are written private (no reader of the audit log or the notifications
    admin is shown them). From the submission on, its events are the reviewers' business like any other."""
    return answer.submitted_at is None


def can_request_answer(user, thread) -> bool:
    """Anyone who can read a thread may ask for a private draft about it."""
    return forum_policy.can_view_thread(user, thread)


def can_configure_assistant(user) -> bool:
    return forum_policy.can_manage_categories(user)
