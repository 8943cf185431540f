"""A change whose indexing task was lost is indexed by the periodic catch-up sweep (``index.posts_catch_up``).

The tests turn RETRIEVAL_INDEX_SYNC off: the task is then sent on commit, which never comes inside a test's
transaction — exactly a task lost with the broker.
"""
from datetime import timedelta

import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from aiassist.retrieval import index
from aiassist.retrieval.models import IndexRun, Passage
from aiassist.retrieval.ranking import rank
from aiassist.retrieval.tasks import catch_up_index_task
from config.celery import app
from forum import services as forum_services
from forum.models import Post, Thread

from ...factories import make_thread
from .test_index import CountingEmbedder

pytestmark = pytest.mark.django_db


def texts_of(post):
    return " ".join(Passage.objects.filter(post=post).values_list("text", flat=True))


@pytest.fixture
def lost_tasks(settings):
    settings.RETRIEVAL_INDEX_SYNC = False


@pytest.fixture
def answered(employee, other_employee, engineering):
    thread = make_thread(employee, engineering, title="Cache sizing", body="How big should the cache be?",
                         replies=[(other_employee, "Use a quokkasized cache of 512 entries.")])
    return thread, Post.objects.filter(thread=thread).latest("id")


def test_an_edit_whose_task_was_lost_is_indexed_by_the_next_sweep(answered, other_employee, employee, lost_tasks):
    thread, reply = answered
    forum_services.post_edit(acting_user=other_employee, post=reply, body="Use a wombatsized cache of 256 entries.")
    assert "quokkasized" in texts_of(reply)  # the task never ran
    assert not rank(employee, "wombatsized").threads

    assert index.posts_catch_up() == 1
    assert "wombatsized" in texts_of(reply) and "quokkasized" not in texts_of(reply)
    assert [t.thread for t in rank(employee, "wombatsized").threads] == [thread]


def test_a_reply_whose_task_was_lost_is_indexed(answered, employee, other_employee, lost_tasks):
    thread, _ = answered
    late = forum_services.post_reply(acting_user=other_employee, thread=thread, body="Or a narwhalish ring buffer.")
    assert not Passage.objects.filter(post=late).exists()
    index.posts_catch_up()
    assert [p.role for p in Passage.objects.filter(post=late)] == ["reply"]
    assert [t.thread for t in rank(employee, "narwhalish").threads] == [thread]


def test_a_hide_and_a_retitle_whose_tasks_were_lost_are_indexed(answered, employee, eng_moderator, lost_tasks):
    thread, reply = answered
    opening = Post.objects.filter(thread=thread).earliest("id")
    forum_services.post_hide(acting_user=eng_moderator, post=reply, reason="Wrong.")
    forum_services.post_edit(acting_user=employee, post=opening, body=opening.body, title="Zanzibar cache sizing")
    assert Passage.objects.filter(post=reply).exists()
    index.posts_catch_up()
    assert not Passage.objects.filter(post=reply).exists()
    assert set(Passage.objects.filter(thread=thread).values_list("title", flat=True)) == {"Zanzibar cache sizing"}


def test_a_sweep_of_an_index_that_is_current_rebuilds_and_embeds_nothing(answered):
    embedder = CountingEmbedder()
    index.posts_index(Post.objects.values_list("pk", flat=True), embedder=embedder)
    before = set(Passage.objects.values_list("pk", flat=True))
    embedder.calls.clear()
    assert index.posts_catch_up(embedder=embedder) == 0
    assert embedder.calls == []
    assert set(Passage.objects.values_list("pk", flat=True)) == before


def test_a_change_from_before_the_last_sweep_is_not_read_again(answered, other_employee, lost_tasks):
    """Each sweep reads the posts changed since the last one (less an overlap), not the whole forum."""
    _, reply = answered
    index.posts_catch_up()
    long_ago = timezone.now() - index.CATCH_UP_OVERLAP - timedelta(minutes=1)
    Post.objects.filter(pk=reply.pk).update(body="Use a wombatsized cache.", updated_at=long_ago)
    Thread.objects.filter(pk=reply.thread_id).update(updated_at=long_ago)
    assert index.posts_catch_up() == 0
    assert "quokkasized" in texts_of(reply)  # the rebuild command's job, not the sweep's


def test_the_first_sweep_looks_back_one_overlap(answered, lost_tasks):
    _, reply = answered
    long_ago = timezone.now() - index.CATCH_UP_OVERLAP - timedelta(minutes=1)
    Post.objects.filter(pk=reply.pk).update(body="Use a wombatsized cache.", updated_at=long_ago)
    Thread.objects.filter(pk=reply.thread_id).update(updated_at=long_ago)
    Post.objects.filter(pk=reply.thread.posts.earliest("id").pk).update(body="How big?", updated_at=timezone.now())
    assert index.posts_catch_up() == 1  # the opening post, changed just now
    assert "quokkasized" in texts_of(reply)


def test_a_sweep_at_its_limit_resumes_after_the_last_post_it_read(employee, other_employee, engineering, lost_tasks):
    """A retitle changes every post of a thread at the same instant: more of them than a sweep reads are
    caught up over the next sweeps, each going on after the last post (not the last instant) it read."""
    thread = make_thread(employee, engineering, title="Cache sizing", body="How big?",
                         replies=[(other_employee, f"Answer number {n}.") for n in range(4)])
    opening = Post.objects.filter(thread=thread).earliest("id")
    index.posts_catch_up()
    forum_services.post_edit(acting_user=employee, post=opening, body="How big?", title="Zanzibar cache sizing")
    titles = lambda: sorted(Passage.objects.filter(thread=thread).values_list("title", flat=True))  # noqa: E731
    assert titles() == ["Cache sizing"] * 5

    swept = [index.posts_catch_up(limit=2) for _ in range(3)]
    assert swept == [2, 2, 1]
    assert titles() == ["Zanzibar cache sizing"] * 5
    run = IndexRun.objects.get(name=index.CATCH_UP_RUN)
    assert run.last_post_id == 0  # the last sweep read less than its limit: caught up
    assert index.posts_catch_up(limit=2) == 0


def test_beat_runs_the_catch_up_sweep(answered, other_employee, lost_tasks):
    _, reply = answered
    schedule = {entry["task"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert "retrieval.catch_up_index" in schedule and "retrieval.catch_up_index" in app.tasks
    forum_services.post_edit(acting_user=other_employee, post=reply, body="Use a wombatsized cache.")
    assert catch_up_index_task.apply().get() == 1
    assert "wombatsized" in texts_of(reply)
