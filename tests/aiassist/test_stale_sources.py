"""A published AI answer goes back to the reviewers when what it cites changes under it.

Each change to a cited source (edited beside what it quoted, its thread moved) flags the published answer: the
reason is recorded and audited, the answer is back in the review queue, and its post carries a
banner. The answer's own thread moving to another audience flags it too. A change that takes a source
outside the thread's audience (a move, a category restricted, a post hidden) unpublishes it back to review instead
(tests/security/test_withdrawal.py), as does an edit of the passage it quoted (below) or of its question
(tests/security/test_draft_outdated.py). A change to anything the answer does not cite flags nothing.
"""
import pytest
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from aiassist import selectors, services
from aiassist.models import AIAnswer, AnswerSource
from common.exceptions import InvalidTransition, NotFound
from forum import policy
from forum import services as forum_services
from forum.audit import audit_verify
from forum.models import AuditEvent, Post

from ..factories import fresh, grant, make_category, make_thread
from .test_review_services import approve, cited_post, drafted, events_of, reload, submitted

pytestmark = pytest.mark.django_db

S = AIAnswer.Status
BANNER = "This answer is being checked again"


@pytest.fixture
def published(employee, eng_moderator, engineering, general):
    """Alice's answer in Engineering, citing a post in (open) General."""
    answer = approve(eng_moderator, submitted(employee, engineering, sources_in=general))
    assert answer.status == S.PUBLISHED and cited_post(answer).thread.category == general
    return answer


def _edit(answer, **_):
    """An edit beside what the answer quoted: the quoted passage stands as it was."""
    post = cited_post(answer)
    forum_services.post_edit(acting_user=post.author, post=post,
                             body=f"{post.body}\n\nEdit: the same holds for the email-dispatcher workers.")
    return f"A cited post was edited (post {post.pk})."


def _hide(answer, general_moderator, **_):
    post = cited_post(answer)
    forum_services.post_hide(acting_user=general_moderator, post=post, reason="Outdated.")
    return f"A cited post was hidden (post {post.pk})."


def _move_to_engineering(answer, admin_user, engineering, **_):
    forum_services.thread_move(acting_user=admin_user, thread=cited_post(answer).thread, category=engineering)
    return "A cited thread moved to another category."


def _restrict(answer, admin_user, general, **_):
    forum_services.category_update(acting_user=admin_user, category=general, restricted=True)
    return "A cited post's category became restricted."


# Changes that leave the sources readable by the thread's whole audience. Those that do not (a move into
# Security Ops, General restricted, a cited post hidden) unpublish the answer instead:
# tests/security/test_withdrawal.py and test_review_seams.py.
TRIGGERS = {"edited": _edit, "moved": _move_to_engineering}


@pytest.mark.parametrize("trigger", list(TRIGGERS))
def test_a_change_to_a_cited_source_flags_the_answer_for_re_review(
        request, trigger, published, other_employee, eng_moderator, admin_user, general_moderator, engineering,
        general, secops):
    reason = TRIGGERS[trigger](published, admin_user=admin_user, general_moderator=general_moderator,
                               engineering=engineering, general=general, secops=secops)

    answer = reload(published)
    assert answer.status == S.PUBLISHED  # still public until a reviewer decides
    assert answer.attention_reason == reason and answer.attention_at is not None
    flag = events_of(answer).filter(verb="ai_answer.flag").get()
    assert flag.actor is None and flag.data == {"reason": reason}
    assert audit_verify().ok

    assert list(selectors.review_queue(eng_moderator).filter(status=S.PUBLISHED)) == [answer]
    reviewer = Client()
    reviewer.force_login(eng_moderator)
    queue = reviewer.get(reverse("assistant:queue")).content.decode()
    assert reverse("assistant:review", args=[answer.pk]) in queue and f"⚑ {escape(reason)}" in queue
    assert "Published · flagged" in queue
    post_page = reviewer.get(reverse("forum:thread", args=[answer.thread_id])).content.decode()
    assert f"{BANNER}: {escape(reason)}" in post_page

    reader = Client()
    reader.force_login(other_employee)
    page = reader.get(reverse("forum:thread", args=[answer.thread_id])).content.decode()
    assert BANNER in page
    assert escape(reason) not in page  # the reason is for reviewers (it may name a category the reader cannot see)


def test_confirming_clears_the_flag_and_the_queue(published, eng_moderator, other_employee):
    _edit(published)
    services.answer_confirm(acting_user=eng_moderator, answer=reload(published))
    answer = reload(published)
    assert answer.attention_reason == "" and answer.attention_at is None
    assert not selectors.review_queue(eng_moderator).exists()
    reader = Client()
    reader.force_login(other_employee)
    assert BANNER not in reader.get(reverse("forum:thread", args=[answer.thread_id])).content.decode()


def test_an_edit_of_the_quoted_passage_takes_the_answer_back_to_review(published, eng_moderator, other_employee):
    """Its author took back what the answer quoted (a host name pasted by mistake, say): the public page must not keep
    it. Before publication the same edit refuses approval (DraftOutdated); after, the answer leaves the thread."""
    client = Client()
    client.force_login(other_employee)
    page = client.get(reverse("forum:thread", args=[published.thread_id])).content.decode()
    assert escape(published.body.split("\n\n")[1][:40]) in page  # the reader was shown the quoted text
    post = cited_post(published)
    forum_services.post_edit(acting_user=post.author, post=post, body="Ask the platform team for the broker address.")
    answer = reload(published)
    assert answer.status == S.IN_REVIEW and answer.attention_reason == f"A cited post was edited (post {post.pk})."
    assert Post.objects.get(pk=answer.published_post_id).hidden
    assert not answer.approvals.exists()
    page = client.get(reverse("forum:thread", args=[answer.thread_id])).content.decode()
    assert escape(answer.body.split("\n\n")[1][:40]) not in page
    assert "changed since it was reviewed" in page  # the placeholder says why
    notice = other_employee.notifications.get(verb="ai_withdrawn")
    assert "was changed since it was reviewed" in notice.text and "must not be relied on" in notice.text
    unpublish = events_of(answer).get(verb="ai_answer.unpublish")
    assert unpublish.data["reason"] == answer.attention_reason and audit_verify().ok
    # What its author took back is nobody's to read now: the answer is withheld from its reviewers too (round 37),
    # who can no longer approve it.
    assert AnswerSource.objects.get(answer=answer, post=post).taken_back
    assert not selectors.review_queue(eng_moderator).filter(pk=answer.pk).exists()
    with pytest.raises(NotFound):
        services.answer_approve(acting_user=eng_moderator, answer=answer, text_hash=services.body_hash(answer.body))


@pytest.mark.parametrize("wrap", ["<!--\n{body}\n-->\n\nRetracted: do NOT do this, it opened the share to everyone.",
                                  "<del>{body}</del>\n\n**Retracted**: do NOT do this."])
def test_a_quoted_passage_commented_out_or_struck_through_is_taken_back_too(published, wrap):
    # The review of round 33's diff: its words still in the source, but no longer in front of the post's readers.
    post = cited_post(published)
    forum_services.post_edit(acting_user=post.author, post=post, body=wrap.format(body=post.body))
    answer = reload(published)
    assert answer.status == S.IN_REVIEW and Post.objects.get(pk=answer.published_post_id).hidden


FILLER = " ".join(f"Filler sentence {i} about the deployment." for i in range(40))


@pytest.mark.parametrize("body, shown", [
    # The review of round 33's fixes. Shown as written, in context: a reference link defined further on, emphasis
    # around a paragraph the splitter cuts (each rendered alone, they read otherwise, and every edit withdrew).
    (f"Restart the worker as [the runbook][rb] says.\n\n{FILLER}\n\n[rb]: https://wiki.corp.example/runbook", True),
    ("*" + " ".join(f"Step {i} of the rollout is done by hand." for i in range(60)) + "*", True),
    # Taken back: struck through however nested, in a comment, reordered by an override.
    ("<del><del></del>{passage}</del>\n\nRetracted: do NOT do this.", False),
    ("<s><s></s>{passage}</s>", False), ("<!--\n{passage}\n-->", False), ("\u202e{passage}\u202c", False),
    ("&#x202E;{passage}", False),
])
def test_a_passage_counts_as_shown_as_its_post_shows_it(body, shown):
    from aiassist.retrieval.passages import split_markdown
    from aiassist.sources import still_shown

    if "{passage}" in body:
        passage = "Set retry_backoff=True; the countdown doubles."
        body = body.format(passage=passage)
    else:
        passage = split_markdown(body)[0]
    assert passage in body
    assert still_shown(passage, body + "\n\nEdit: typo fixed.") is shown


def test_a_hidden_source_takes_the_answer_back_to_review(published, eng_moderator, general_moderator):
    """Only moderators read a hidden post: an answer quoting it leaves the thread at once (not only flagged)."""
    _hide(published, general_moderator=general_moderator)
    answer = reload(published)
    assert answer.status == S.IN_REVIEW
    assert Post.objects.get(pk=answer.published_post_id).hidden
    # Its reviewer may not read the hidden post: the answer is out of her sight ...
    assert list(selectors.review_queue(eng_moderator)) == []
    with pytest.raises(NotFound):
        services.answer_approve(acting_user=eng_moderator, answer=answer, text_hash=services.body_hash(answer.body))
    # ... and one who may (he moderates the source's category) cannot publish it as it is.
    grant(policy.REVIEW, general_moderator, answer.thread.category)
    with pytest.raises(services.SourcesOutsideAudience):
        services.answer_approve(acting_user=fresh(general_moderator), answer=answer,
                                text_hash=services.body_hash(answer.body))


def test_a_source_that_left_the_audience_unpublishes_the_answer_back_to_review(published, eng_moderator, admin_user,
                                                                               general):
    _restrict(published, admin_user=admin_user, general=general)
    answer = reload(published)
    assert answer.status == S.IN_REVIEW and answer.published_post.hidden
    assert answer.attention_reason == "A cited post's category became restricted."
    assert list(selectors.review_queue(eng_moderator)) == []  # she may not read the source any more
    grant(policy.VIEW, eng_moderator, general)
    eng_moderator = fresh(eng_moderator)
    assert list(selectors.review_queue(eng_moderator)) == [answer]
    with pytest.raises(InvalidTransition):
        services.answer_confirm(acting_user=eng_moderator, answer=answer)  # nothing published to keep


def test_the_answers_own_thread_moving_to_a_wider_audience_unpublishes_it(admin_user, secops_member,
                                                                          security_reviewer, eng_moderator, secops,
                                                                          engineering):
    make_thread(secops_member, secops, title="My celery tasks fail on network errors: how should retries back off?",
                body="Which settings apply?",
                replies=[(security_reviewer, "Set autoretry_for and retry_backoff=True; the countdown doubles.")])
    question = make_thread(secops_member, secops, title="How should celery retries back off?",
                           body="My tasks fail on network errors. How do retries back off?")
    answer = drafted(secops_member, question)
    services.answer_submit(acting_user=secops_member, answer=answer)  # same category: its whole audience reads it
    answer = approve(security_reviewer, answer)
    assert answer.status == S.PUBLISHED

    forum_services.thread_move(acting_user=admin_user, thread=question, category=engineering)
    answer = reload(answer)
    assert answer.attention_reason == "The answer's thread moved to another category."
    outside = services.sources_outside_audience(answer)
    assert outside and {s.category.slug for s in outside} == {"security-ops"}
    # What it quotes is Security Ops': back to review (Engineering's reviewers now), its post hidden.
    assert answer.status == S.IN_REVIEW and answer.published_post.hidden
    # Engineering's reviewers may not read what it quotes: out of their sight; one who also reads Security Ops
    # has it in the queue, and cannot publish it as it is.
    assert list(selectors.review_queue(eng_moderator)) == []
    grant(policy.VIEW, eng_moderator, secops)
    eng_moderator = fresh(eng_moderator)
    assert list(selectors.review_queue(eng_moderator)) == [answer]
    with pytest.raises(services.SourcesOutsideAudience):
        services.answer_approve(acting_user=eng_moderator, answer=answer)


def test_changes_to_what_the_answer_does_not_cite_flag_nothing(published, admin_user, general_moderator,
                                                               eng_moderator, employee, engineering, general):
    source = cited_post(published)
    opening = Post.objects.filter(thread=source.thread).exclude(pk=source.pk).get()  # same thread, not cited
    forum_services.post_edit(acting_user=opening.author, post=opening, body="Which settings control backoff now?")
    forum_services.post_hide(acting_user=general_moderator, post=opening, reason="Duplicate.")
    other = make_thread(general_moderator, general, title="Unrelated lunch menu", body="Soup on Fridays.")
    forum_services.post_edit(acting_user=general_moderator, post=other.posts.get(), body="Soup on Thursdays.")
    lounge = make_category(admin_user, "Lounge")
    make_thread(employee, lounge, title="Board games", body="Anyone for chess?")
    forum_services.thread_move(acting_user=admin_user, thread=other, category=lounge)
    forum_services.category_update(acting_user=admin_user, category=lounge, restricted=True)
    forum_services.category_update(acting_user=admin_user, category=general, name="General chat")
    # An answer still in review is not flagged either: publishing checks its sources again.
    in_review = submitted(employee, engineering, sources_in=general, title="How do celery retries back off, again?")
    # Both source threads say the same: the new draft cites the old one too. Its other cited source is the
    # one the published answer was never given.
    given_to_published = AnswerSource.objects.filter(answer=published).values_list("post_id", flat=True)
    pending_source = (AnswerSource.objects.filter(answer=in_review, cited=True)
                      .exclude(post_id__in=list(given_to_published)).select_related("post").get().post)
    assert pending_source != source
    forum_services.post_edit(acting_user=pending_source.author, post=pending_source, body="Retry less.")

    assert reload(published).attention_reason == ""
    assert reload(in_review).attention_reason == ""
    assert not AuditEvent.objects.filter(verb="ai_answer.flag").exists()
    # Not flagged, but withheld: the passage it quoted was taken back (tests/security/test_taken_back.py).
    assert AnswerSource.objects.get(answer=in_review, post=pending_source).taken_back
    assert list(selectors.review_queue(eng_moderator)) == []
    with pytest.raises(InvalidTransition):
        services.answer_confirm(acting_user=eng_moderator, answer=reload(published))  # nothing to confirm
