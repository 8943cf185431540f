"""A retraction that commits while a page showing the AI post is being built (round 40's review).

A page read the published AI post, the retraction committed (hiding the post and telling everyone with a view
receipt), and only then did the page record its own receipt: the reader was shown the retracted text and never told.
Now the receipt is written only for a post that is still shown, read again under a lock a retraction must wait for
(``forum.services.posts_mark_viewed``); a post withdrawn meanwhile makes the page be built again, without it
(``rebuilt_if_withdrawn``). Here the retraction is committed at the last moment before the receipt, on every surface
that shows a published AI post's text.
"""
import threading

import pytest
from django.db import connection, transaction
from django.urls import reverse

from aiassist import services as ai_services
from aiassist.models import AIAnswer
from forum import services as forum_services
from forum.models import Notification, PostViewReceipt

from ..api.conftest import V1, client_for, reload
from ..factories import UserFactory, signed_in
from .test_withdrawal import MARKER, published

S = AIAnswer.Status

SURFACES = {
    "thread page": lambda user, answer: signed_in(user).get(reverse("forum:thread", args=[answer.thread_id])),
    "posts API": lambda user, answer: client_for(user).get(f"{V1}/threads/{answer.thread_id}/posts/"),
    "search page": lambda user, answer: signed_in(user).get(reverse("retrieval:search"), {"q": MARKER}),
    "search API": lambda user, answer: client_for(user).get(f"{V1}/search/", {"q": MARKER}),
}


def shows_the_ai_post(surface, response, answer) -> bool:
    if surface == "search API":
        return any(hit["post"] == answer.published_post_id for hit in response.json()["results"])
    if surface == "search page":
        return any(hit.passage.post_id == answer.published_post_id for hit in response.context["page"].object_list)
    return MARKER in response.content.decode()


def retracted_at_the_last_moment(monkeypatch, answer, moderator, *, once=True):
    """The first receipt this test's reader writes comes just after the answer's retraction committed."""
    real, calls = forum_services.posts_mark_viewed, []

    def late(*, acting_user, posts):
        shows_it = any(post.pk == answer.published_post_id for post in posts)
        if shows_it and (not calls or not once):
            calls.append(acting_user)
            current = reload(answer)
            if current.status == S.PUBLISHED:
                ai_services.answer_retract(acting_user=moderator, answer=current, reason="It is wrong.")
        return real(acting_user=acting_user, posts=posts)

    monkeypatch.setattr(forum_services, "posts_mark_viewed", late)
    return calls


@pytest.mark.django_db
@pytest.mark.parametrize("surface", SURFACES)
def test_a_page_built_while_its_ai_post_is_retracted_shows_it_not(surface, monkeypatch, employee, engineering,
                                                                   eng_moderator):
    answer = published(employee, engineering, reviewer=eng_moderator)
    victor = UserFactory(username="victor")
    calls = retracted_at_the_last_moment(monkeypatch, answer, eng_moderator)
    response = SURFACES[surface](victor, answer)
    assert calls, f"the {surface} shows the published AI post (the retraction ran at the last moment)"
    assert response.status_code == 200
    assert not shows_the_ai_post(surface, response, answer), "withdrawn while the page was built, it is not shown"
    assert reload(answer).status == S.RETRACTED


@pytest.mark.django_db
@pytest.mark.parametrize("surface", SURFACES)
def test_each_surface_shows_the_published_ai_post(surface, employee, engineering, eng_moderator):
    """The control for the test above: nothing withdrawn, each surface shows the AI post and records it."""
    answer = published(employee, engineering, reviewer=eng_moderator)
    victor = UserFactory(username="victor")
    response = SURFACES[surface](victor, answer)
    assert response.status_code == 200 and shows_the_ai_post(surface, response, answer)
    assert PostViewReceipt.objects.filter(user=victor, post=answer.published_post).exists()


@pytest.mark.django_db
def test_a_reader_shown_the_text_before_the_retraction_is_told(monkeypatch, employee, engineering, eng_moderator):
    """The other order: the receipt first, then the retraction, which counts this reader."""
    answer = published(employee, engineering, reviewer=eng_moderator)
    victor = UserFactory(username="victor")
    assert MARKER in SURFACES["thread page"](victor, answer).content.decode()
    ai_services.answer_retract(acting_user=eng_moderator, answer=reload(answer), reason="It is wrong.")
    assert Notification.objects.filter(recipient=victor, verb="ai_retracted").exists()


@pytest.mark.django_db
def test_withdrawn_each_time_the_page_is_answered_503_and_nothing_is_shown(monkeypatch, employee, engineering,
                                                                          eng_moderator):
    """Built three times, its AI post withdrawn under it each time: 503 (try again), never the text."""
    answer = published(employee, engineering, reviewer=eng_moderator)

    def always_withdrawn(*, acting_user, posts):
        raise forum_services.ShownPostWithdrawn

    monkeypatch.setattr(forum_services, "posts_mark_viewed", always_withdrawn)
    page = SURFACES["thread page"](UserFactory(username="victor"), answer)
    assert page.status_code == 503 and MARKER not in page.content.decode()
    api = SURFACES["posts API"](UserFactory(username="wendy"), answer)
    assert api.status_code == 503 and api.json()["error"]["code"] == "unavailable"
    assert MARKER not in api.content.decode()


@pytest.mark.django_db(transaction=True)
def test_a_retraction_waits_for_a_receipt_being_written_and_counts_its_reader(employee, engineering, eng_moderator):
    """Real concurrency (PostgreSQL): the reader's receipt transaction holds the post FOR SHARE; a retraction started
    meanwhile waits for it, then counts the reader."""
    if connection.vendor != "postgresql":
        pytest.skip("row locks: PostgreSQL")
    answer = published(employee, engineering, reviewer=eng_moderator)
    victor = UserFactory(username="victor")
    post = answer.published_post
    locked, release = threading.Event(), threading.Event()

    def reader():
        try:
            with transaction.atomic():  # the receipt's statement holds the post FOR SHARE until this commits
                forum_services.posts_mark_viewed(acting_user=victor, posts=[post])
                locked.set()
                release.wait(10)
        finally:
            connection.close()

    thread = threading.Thread(target=reader)
    thread.start()
    assert locked.wait(10)
    retractor = threading.Thread(target=lambda: (ai_services.answer_retract(
        acting_user=eng_moderator, answer=reload(answer), reason="It is wrong."), connection.close()))
    retractor.start()
    retractor.join(0.5)
    assert retractor.is_alive(), "the retraction waits for the receipt being written"
    release.set()
    thread.join(10)
    retractor.join(10)
    assert reload(answer).status == S.RETRACTED
    assert Notification.objects.filter(recipient=victor, verb="ai_retracted").exists()
