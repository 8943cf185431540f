"""Profiles at /u/<username>/: a person's threads and replies, only those the viewer may read, paginated, in a
number of queries that does not grow with the rows."""
import pytest
from django.urls import reverse

from forum import services

from ..factories import UserFactory, make_thread
from .conftest import MARKER
from .social_helpers import body, queries_of

pytestmark = pytest.mark.django_db


def _profile(client, username, **params):
    return client.get(reverse("forum:profile", args=[username]), params)


def test_a_profile_lists_the_threads_and_replies_the_viewer_may_read(client, employee, secops_member, eng_thread,
                                                                      secret_thread, engineering):
    make_thread(secops_member, engineering, title="Priya asks in Engineering")
    services.post_reply(acting_user=secops_member, thread=eng_thread, body="Priya's open reply")
    client.force_login(employee)
    threads = _profile(client, "priya")
    assert threads.status_code == 200
    assert "Priya asks in Engineering" in body(threads) and "1 thread you can read" in body(threads)
    replies = _profile(client, "priya", show="posts")
    assert "Priya&#x27;s open reply" in body(replies) and "1 reply you can read" in body(replies)
    for response in (threads, replies):  # Security Ops is hers, not alice's
        assert MARKER not in body(response) and "Security Ops" not in body(response)


def test_a_member_of_the_restricted_category_sees_it_there(client, secops_member, security_reviewer, secret_thread):
    client.force_login(security_reviewer)
    assert MARKER in body(_profile(client, "priya"))
    assert MARKER in body(_profile(client, "sam", show="posts"))


def test_someone_with_nothing_readable_has_an_empty_profile_not_a_404(client, employee, secops_member, secret_thread):
    client.force_login(employee)
    for show in ("threads", "posts"):
        response = _profile(client, "priya", show=show)
        assert response.status_code == 200
        assert "that you can read" in body(response) and MARKER not in body(response)


def test_hidden_replies_are_left_out_even_for_moderators(client, eng_moderator, eng_answer):
    services.post_hide(acting_user=eng_moderator, post=eng_answer, reason="spam")
    client.force_login(eng_moderator)
    assert "Python 3.9" not in body(_profile(client, "alice", show="posts"))


@pytest.mark.parametrize("params", [{"page": "x"}, {"page": "-1"}, {"page": "99999"}, {"show": "<script>"},
                                    {"show": "posts", "page": "0"}])
def test_odd_parameters_still_render(client, employee, eng_thread, params):
    client.force_login(employee)
    response = _profile(client, "bob", **params)
    assert response.status_code == 200 and "<script>" not in body(response)


def test_unknown_people_are_404(client, employee):
    client.force_login(employee)
    assert _profile(client, "nobody-here").status_code == 404
    assert client.get("/u/").status_code == 404


def test_anonymous_is_sent_to_login(client, employee):
    response = _profile(client, "alice")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_author_names_link_to_profiles(client, employee, eng_thread):
    client.force_login(employee)
    assert 'href="/u/bob/"' in body(client.get(reverse("forum:thread", args=[eng_thread.pk])))
    assert 'href="/u/bob/"' in body(client.get(reverse("forum:category", args=["engineering"])))


@pytest.mark.parametrize("show", ["threads", "posts"])
def test_profile_queries_do_not_grow_with_rows(settings, client, employee, other_employee, engineering, secops,
                                               secops_member, show):
    settings.FORUM_THREADS_PER_PAGE = settings.FORUM_POSTS_PER_PAGE = 5
    carol = UserFactory(username="carol")
    host = make_thread(other_employee, engineering, title="Where carol replies")
    make_thread(carol, engineering, title="Carol's first")
    services.post_reply(acting_user=carol, thread=host, body="Carol's first reply")
    client.force_login(employee)
    url = reverse("forum:profile", args=["carol"]) + f"?show={show}"
    small, _ = queries_of(client, url)
    for i in range(12):
        make_thread(carol, engineering, title=f"Carol's thread {i}")
        services.post_reply(acting_user=carol, thread=host, body=f"Carol's reply {i}")
    large, response = queries_of(client, url)
    assert large == small and 'class="pagination"' in body(response)
    again, _ = queries_of(client, url + "&page=2")
    assert again == small
