"""The thread page's shared rendering of posts (``forum.fragments``).

One reader's cached HTML must never show another reader anything the page would not show them
without the cache, and no change to a thread may leave an old rendering in place, whatever path
made the change.
"""
import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.middleware.csrf import _does_token_match
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from forum import policy, services
from forum.models import Post, Thread

from ..factories import UserFactory, grant, make_thread, signed_in

pytestmark = pytest.mark.django_db

SPAM = "Cheap watches, limited offer"
TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def page(client, thread, **query) -> str:
    response = client.get(reverse("forum:thread", args=[thread.pk]), query)
    assert response.status_code == 200
    return response.content.decode()


def posts_of(html: str) -> str:
    """The posts section, with each form's CSRF token blanked (each request gets a fresh mask)."""
    section = re.search(r'<section class="posts".*?</section>', html, re.S).group(0)
    return TOKEN.sub('name="csrfmiddlewaretoken" value="-"', section)


def queries_of(client, thread, **query) -> int:
    with CaptureQueriesContext(connection) as captured:
        page(client, thread, **query)
    return len(captured)


@pytest.fixture
def carol(db):
    """An employee who reads Engineering and never wrote in the thread."""
    return UserFactory(username="carol")


@pytest.fixture
def thread(engineering, employee, other_employee):
    """Bob's question, Alice's answer, and a spam reply by someone else."""
    thread = make_thread(other_employee, engineering, title="Which shell does the deploy box use?",
                         body="Bash or zsh?", replies=[(employee, "Zsh since **March**.")])
    services.post_reply(acting_user=UserFactory(username="spammer"), thread=thread, body=SPAM)
    return Thread.objects.get(pk=thread.pk)


def spam_post(thread) -> Post:
    return thread.posts.get(body=SPAM)


@pytest.mark.parametrize("who", ["employee", "other_employee", "eng_moderator", "carol"])
def test_a_cached_page_is_the_page_the_reader_would_get_without_the_cache(request, thread, who):
    client = signed_in(request.getfixturevalue(who))
    first_queries = queries_of(client, thread)
    cold = posts_of(page(client, thread))
    hit_queries = queries_of(client, thread)
    warm = posts_of(page(client, thread))
    assert hit_queries == first_queries - 1  # the page of posts came from the cache
    cache.clear()
    assert warm == cold == posts_of(page(client, thread))


@pytest.mark.parametrize("reader", ["carol", "other_employee"])  # a reader; the asker, who may accept answers
def test_a_moderators_rendering_never_reaches_an_employee(request, thread, eng_moderator, reader):
    services.post_hide(acting_user=eng_moderator, post=spam_post(thread), reason="spam")
    moderator_page = page(signed_in(eng_moderator), thread)
    assert SPAM in moderator_page and "Hidden: spam" in moderator_page and "Restore" in moderator_page
    employee_page = page(signed_in(request.getfixturevalue(reader)), thread)
    assert SPAM not in employee_page
    assert "Restore" not in employee_page and "Hide</button>" not in employee_page
    assert reverse("forum:post_hide", args=[spam_post(thread).pk]) not in employee_page


def test_a_post_hidden_after_its_page_was_cached_disappears_at_once(thread, eng_moderator, carol):
    reader = signed_in(carol)
    assert SPAM in page(reader, thread)
    services.post_hide(acting_user=eng_moderator, post=spam_post(thread), reason="spam")
    assert SPAM not in page(reader, thread)
    services.post_hide(acting_user=eng_moderator, post=spam_post(thread), hidden=False)
    assert SPAM in page(reader, thread)


def test_writes_that_bypass_the_services_still_reach_the_page(thread, employee, carol):
    reader, author = signed_in(carol), signed_in(employee)
    answer = thread.posts.get(author=employee)
    edit_link = reverse("forum:post_edit", args=[answer.pk])
    assert edit_link in page(author, thread) and "Zsh since" in page(reader, thread)

    Post.objects.filter(pk=answer.pk).update(body_html="<p>Rewritten by a data migration.</p>")
    assert "Rewritten by a data migration." in page(reader, thread)
    Post.objects.filter(pk=spam_post(thread).pk).update(hidden=True)
    assert SPAM not in page(reader, thread)
    Thread.objects.filter(pk=thread.pk).update(locked=True)  # authors no longer edit in a locked thread
    assert edit_link not in page(author, thread)
    Post.objects.filter(pk=answer.pk).delete()
    assert "Rewritten by a data migration." not in page(reader, thread)


def test_the_revision_moves_on_every_change_to_the_thread_or_its_posts(thread, employee, eng_moderator):
    def revision():
        return Thread.objects.values_list("revision", flat=True).get(pk=thread.pk)

    seen = [revision()]
    services.post_reply(acting_user=employee, thread=thread, body="One more thing.")
    seen.append(revision())
    Post.objects.filter(thread=thread).update(hidden_reason="")
    seen.append(revision())
    Thread.objects.filter(pk=thread.pk).update(title="Which shell, really?")
    seen.append(revision())
    thread.posts.filter(body="One more thing.").delete()
    seen.append(revision())
    assert seen == sorted(seen) and len(set(seen)) == len(seen), seen
    other = make_thread(employee, thread.category, title="An unrelated question")
    before = revision()
    services.post_reply(acting_user=employee, thread=other, body="Not in the first thread.")
    assert revision() == before  # other threads' changes leave this one's cache alone


def test_edit_links_and_accept_forms_follow_the_reader(thread, employee, other_employee, carol):
    answer = thread.posts.get(author=employee)
    edit_link = reverse("forum:post_edit", args=[answer.pk])
    accept = reverse("forum:accept", args=[thread.pk, answer.pk])
    assert edit_link in page(signed_in(employee), thread)  # cached first, by the post's author
    carol_page = page(signed_in(carol), thread)
    assert edit_link not in carol_page and accept not in carol_page
    asker_page = page(signed_in(other_employee), thread)
    assert accept in asker_page and edit_link not in asker_page
    assert accept not in page(signed_in(carol), thread)


def test_each_reader_gets_their_own_csrf_token_from_a_shared_rendering(thread, eng_moderator, engineering):
    second = UserFactory(username="mo")
    grant(policy.MODERATE, second, engineering)
    first_client = signed_in(eng_moderator, enforce_csrf_checks=True)
    second_client = signed_in(second, enforce_csrf_checks=True)
    first_html = page(first_client, thread)
    second_html = page(second_client, thread)  # same rights: the rendering cached by the first
    assert posts_of(first_html) == posts_of(second_html)
    assert not re.search(r"csrf[0-9a-f]{32}", first_html + second_html)  # no placeholder left behind
    first_secret = first_client.cookies["csrftoken"].value
    second_secret = second_client.cookies["csrftoken"].value
    tokens = TOKEN.findall(second_html)
    assert len(tokens) >= 4  # three hide forms in the cached posts, and the page's own forms
    for token in tokens:
        assert _does_token_match(token, second_secret) and not _does_token_match(token, first_secret)
    hide = second_client.post(reverse("forum:post_hide", args=[spam_post(thread).pk]),
                              {"action": "hide", "reason": "spam", "csrfmiddlewaretoken": tokens[0]})
    assert hide.status_code == 302
    assert Post.objects.get(pk=spam_post(thread).pk).hidden


def test_a_page_number_that_does_not_exist_is_served_but_not_stored(thread, carol):
    reader = signed_in(carol)
    for missing in (999, "abc"):
        assert queries_of(reader, thread, page=missing) == queries_of(reader, thread, page=missing)
    assert queries_of(reader, thread, page=1) - 1 == queries_of(reader, thread, page=1)


def test_the_page_still_works_when_the_cache_is_unreachable(settings, thread, carol, caplog):
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                                   "LOCATION": "redis://127.0.0.1:1/0"}}  # nothing listens on port 1
    reader = signed_in(carol)
    for _ in range(2):
        html = page(reader, thread)
        assert SPAM in html and "Zsh since" in html
    assert "render cache unavailable" in caplog.text


def test_a_renamed_author_shows_under_the_new_name_at_once(thread, employee, carol):
    reader = signed_in(carol)
    assert ">alice</strong>" in page(reader, thread)
    User = type(employee)
    User.objects.filter(pk=employee.pk).update(username="alice.w")
    html = page(reader, thread)
    assert ">alice.w</strong>" in html and ">alice</strong>" not in html
    before = Thread.objects.get(pk=thread.pk).revision
    User.objects.filter(pk=employee.pk).update(email="alice@example.com")  # not shown: no bump
    assert Thread.objects.get(pk=thread.pk).revision == before


def test_the_revision_triggers_exist_after_all_migrations():
    """SQLite drops a table's triggers when a migration rebuilds the table; this notices."""
    if connection.vendor == "postgresql":
        sql = "SELECT tgname FROM pg_trigger WHERE NOT tgisinternal"
    else:
        sql = "SELECT name FROM sqlite_master WHERE type = 'trigger'"
    with connection.cursor() as cursor:
        cursor.execute(sql)
        names = {row[0] for row in cursor.fetchall()}
    expected = {"forum_thread_revision", "forum_post_revision_insert", "forum_post_revision_update",
                "forum_post_revision_delete", "forum_user_renamed"}
    assert expected <= names, expected - names
