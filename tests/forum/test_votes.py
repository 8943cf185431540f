"""Helpful votes on posts: one per user (the database says so), toggled by POST with or without htmx, never on
your own post or one you may not read, shown per reader out of the shared cached rendering."""
import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse

from forum import services
from forum.models import AuditEvent, Post, PostVote

from ..factories import UserFactory, fresh, make_thread
from .conftest import MARKER
from .social_helpers import body, queries_of

pytestmark = pytest.mark.django_db


def _vote(client, post, helpful="1", **headers):
    return client.post(reverse("forum:post_vote", args=[post.pk]), {"helpful": helpful}, **headers)


def test_a_vote_without_javascript_counts_once_and_can_be_taken_back(client, employee, eng_answer):
    client.force_login(eng_answer.thread.author)
    response = _vote(client, eng_answer)
    assert response.status_code == 302 and response["Location"].endswith(f"#post-{eng_answer.pk}")
    assert _vote(client, eng_answer).status_code == 302  # twice: still one vote
    eng_answer.refresh_from_db()
    assert eng_answer.helpful_count == 1 and PostVote.objects.filter(post=eng_answer).count() == 1
    assert AuditEvent.objects.filter(verb="post.vote", target_id=str(eng_answer.pk)).count() == 1
    assert _vote(client, eng_answer, "0").status_code == 302
    eng_answer.refresh_from_db()
    assert eng_answer.helpful_count == 0 and not PostVote.objects.exists()
    assert AuditEvent.objects.filter(verb="post.unvote").count() == 1


def test_the_database_allows_one_vote_per_user_and_post(employee, eng_question):
    PostVote.objects.create(user=employee, post=eng_question)
    with pytest.raises(IntegrityError), transaction.atomic():
        PostVote.objects.create(user=employee, post=eng_question)


def test_htmx_gets_the_control_back(client, other_employee, eng_answer):
    client.force_login(other_employee)
    response = _vote(client, eng_answer, HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and "<html" not in body(response)
    assert 'aria-pressed="true"' in body(response)
    assert 'class="vote-count">1</span><span class="visually-hidden"> vote<' in body(response)


def test_no_vote_on_your_own_post(client, employee, eng_answer):
    client.force_login(employee)  # alice wrote the answer
    assert _vote(client, eng_answer).status_code == 403
    assert not PostVote.objects.exists()


def test_no_vote_on_a_post_you_may_not_read(client, employee, secret_reply):
    client.force_login(employee)
    response = _vote(client, secret_reply)
    assert response.status_code == 404 and MARKER not in body(response)
    assert client.post(reverse("forum:post_vote", args=[10**9]), {"helpful": "1"}).status_code == 404
    assert not PostVote.objects.exists()


def test_hidden_posts_take_no_votes(client, employee, eng_moderator, eng_answer):
    services.post_hide(acting_user=eng_moderator, post=eng_answer, reason="spam")
    client.force_login(eng_answer.thread.author)
    assert _vote(client, eng_answer).status_code == 404  # bob may not read it any more
    client.force_login(eng_moderator)
    assert _vote(client, eng_answer).status_code == 409  # the moderator may, and is told why not
    assert not PostVote.objects.exists()


@pytest.mark.parametrize("data", [{}, {"helpful": "true"}, {"helpful": "-1"}, {"helpful": "\x00"}])
def test_bad_input_is_a_400(client, other_employee, eng_answer, data):
    client.force_login(other_employee)
    response = client.post(reverse("forum:post_vote", args=[eng_answer.pk]), data)
    assert response.status_code == 400 and "Send 1 or 0." in body(response)
    assert client.get(reverse("forum:post_vote", args=[eng_answer.pk])).status_code == 405


def test_each_reader_sees_their_own_vote_from_one_shared_rendering(employee, other_employee, engineering, eng_answer):
    carol, dave = UserFactory(username="carol"), UserFactory(username="dave")
    services.post_vote(acting_user=carol, post=eng_answer, helpful=True)
    url = reverse("forum:thread", args=[eng_answer.thread_id])
    pages = {}
    for user in (carol, dave, employee):
        client = Client()
        client.force_login(user)
        pages[user.username] = body(client.get(url))
    answer_control = f'id="vote-{eng_answer.pk}"'
    assert all(answer_control in page for page in pages.values())
    assert "You found this helpful" in pages["carol"] and 'aria-pressed="true"' in pages["carol"]
    assert "You found this helpful" not in pages["dave"] and 'aria-pressed="true"' not in pages["dave"]
    assert 'class="vote-count">1</span><span class="visually-hidden"> vote<' in pages["dave"]
    assert "1 found this helpful" in pages["alice"]  # her own answer: the tally, no button
    assert f'action="/p/{eng_answer.pk}/vote/"' not in pages["alice"]
    # A vote is a change to the post: the cached rendering follows at once.
    services.post_vote(acting_user=fresh(dave), post=Post.objects.get(pk=eng_answer.pk), helpful=True)
    client = Client()
    client.force_login(carol)
    assert 'class="vote-count">2</span><span class="visually-hidden"> votes<' in body(client.get(url))


def test_accepted_answer_stays_the_stronger_signal(client, other_employee, eng_thread, eng_answer):
    services.thread_accept_answer(acting_user=other_employee, thread=eng_thread, post=eng_answer)
    client.force_login(other_employee)
    page = body(client.get(reverse("forum:thread", args=[eng_thread.pk])))
    assert "post-accepted" in page and "✓ Accepted answer" in page and "vote-button" in page


def test_thread_page_queries_do_not_grow_with_votes_or_posts(client, employee, other_employee, engineering):
    thread = make_thread(other_employee, engineering, title="Counted", replies=[(other_employee, "First")])
    voter = UserFactory(username="carol")
    services.post_vote(acting_user=voter, post=thread.posts.last(), helpful=True)
    client.force_login(voter)
    url = reverse("forum:thread", args=[thread.pk])
    small, _ = queries_of(client, url)
    for i in range(8):
        post = services.post_reply(acting_user=other_employee if i % 2 else employee, thread=thread, body=f"Reply {i}")
        services.post_vote(acting_user=voter, post=post, helpful=True)
    large, response = queries_of(client, url)
    assert large == small
    assert body(response).count("You found this helpful") == 9
