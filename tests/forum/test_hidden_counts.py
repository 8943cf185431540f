"""A post a moderator hides leaves the counts readers see, and their "unread replies".

Counted as before (round 33's review), a thread's and its category's "posts" and the thread's latest post told every
reader that posts were hidden, how many and when: the category page showed "Unread replies" for a reply nobody but
moderators may read. ``forum.services.counted_posts`` is what the counts count now, on every surface.
"""
import importlib
import threading
import time

import pytest
from django.apps import apps
from django.db import connection, connections

from common.exceptions import InvalidTransition, NotFound
from forum import services
from forum.models import AuditEvent, Category, Post, Thread

from ..api.conftest import V1, client_for
from ..factories import UserFactory, make_thread, signed_in

pytestmark = pytest.mark.django_db


def test_a_hidden_reply_is_counted_nowhere_and_announces_nothing(employee, other_employee, engineering,
                                                                 eng_moderator):
    thread = make_thread(other_employee, engineering, title="Counting thread", body="How do we count?")
    reader = signed_in(employee)
    reader.get(f"/t/{thread.pk}/")  # she has read everything
    carol = UserFactory(username="carol")
    before = Category.objects.get(pk=engineering.pk).post_count
    for body in ("Here is the prod password: hunter2", "And the other one."):
        services.post_hide(acting_user=eng_moderator, reason="Credential pasted.",
                           post=services.post_reply(acting_user=carol, thread=thread, body=body))
    page = reader.get(f"/t/{thread.pk}/").content.decode()
    assert page.count('<article id="post-') == 1 and "· 1 post\n" in page
    category_page = reader.get(f"/c/{engineering.slug}/").content.decode()
    row = category_page[category_page.index("Counting thread"):][:1200]
    assert "Unread replies" not in row and "1 post" in row
    api = client_for(employee)
    assert api.get(f"{V1}/threads/{thread.pk}/").json()["post_count"] == 1
    assert len(api.get(f"{V1}/threads/{thread.pk}/posts/").json()["results"]) == 1
    categories = {c["slug"]: c for c in api.get(f"{V1}/categories/").json()["results"]}
    assert categories[engineering.slug]["post_count"] == before


def test_shown_again_a_reply_counts_and_is_unread_for_who_has_not_seen_it(employee, other_employee, engineering,
                                                                          eng_moderator):
    thread = make_thread(other_employee, engineering, title="Counting thread", body="How do we count?")
    reply = services.post_reply(acting_user=UserFactory(username="carol"), thread=thread, body="A real answer.")
    services.post_hide(acting_user=eng_moderator, post=reply, reason="Checking.")
    reader = signed_in(employee)
    reader.get(f"/t/{thread.pk}/")
    thread.refresh_from_db()
    assert (thread.post_count, thread.last_post_at) == (1, Post.objects.get(pk=thread.posts.first().pk).created_at)
    services.post_hide(acting_user=eng_moderator, post=Post.objects.get(pk=reply.pk), hidden=False)
    thread.refresh_from_db()
    assert (thread.post_count, thread.last_post_at) == (2, reply.created_at)
    assert Category.objects.get(pk=engineering.pk).last_post_at == reply.created_at
    category_page = reader.get(f"/c/{engineering.slug}/").content.decode()
    assert "Unread replies" in category_page[category_page.index("Counting thread"):][:1200]


def test_the_migration_recounts_what_was_counted_before(employee, other_employee, engineering, eng_moderator):
    thread = make_thread(other_employee, engineering, title="Counting thread", body="How do we count?")
    reply = services.post_reply(acting_user=employee, thread=thread, body="Hidden later.")
    Post.objects.filter(pk=reply.pk).update(hidden=True)  # hidden as an older release did: still counted
    migration = importlib.import_module("forum.migrations.0012_counts_leave_out_hidden_posts")
    migration.recount(apps, None, hidden_counted=True)
    assert Thread.objects.get(pk=thread.pk).post_count == 2
    total = Category.objects.get(pk=engineering.pk).post_count
    migration.recount(apps, None, hidden_counted=False)
    thread.refresh_from_db()
    assert thread.post_count == 1 and thread.last_post_at == thread.posts.order_by("id").first().created_at
    assert Category.objects.get(pk=engineering.pk).post_count == total - 1


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="two connections at once: PostgreSQL's row locks")
def test_two_moderators_hiding_at_once_hide_once_and_count_once(employee, other_employee, general,
                                                                  general_moderator):
    # The review of round 33's diff: both passed the check of the row they had read, and the counts went down twice.
    thread = make_thread(employee, general, title="Counting", body="Q?",
                         replies=[(other_employee, "a1"), (other_employee, "a2")])
    reply = thread.posts.order_by("id").last()
    barrier, results = threading.Barrier(2), []

    def hide():
        try:
            post = Post.objects.select_related("thread__category").get(pk=reply.pk)
            barrier.wait()
            services.post_hide(acting_user=general_moderator, post=post, reason="Pasted a credential.")
            results.append("hidden")
        except InvalidTransition:
            results.append("already")
        finally:
            connections.close_all()

    workers = [threading.Thread(target=hide) for _ in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert sorted(results) == ["already", "hidden"]
    thread.refresh_from_db()
    assert thread.post_count == Post.objects.filter(thread=thread, hidden=False).count() == 2
    assert AuditEvent.objects.filter(verb="post.hide").count() == 1


# Round 34: a move counted the thread's posts as the caller had read them, and a reply or a hide counted in the
# category the thread was read in: a count raced with a move stayed on the old category.
def _counts_hold(*categories) -> None:
    for category in categories:
        expected = services.counted_posts(Post.objects.filter(thread__category=category)).count()
        assert Category.objects.get(pk=category.pk).post_count == expected, category.slug


@pytest.fixture
def mover(general, engineering):
    from forum import policy

    from ..factories import grant

    user = UserFactory(username="moe")
    for category in (general, engineering):
        grant(policy.MODERATE, user, category)
    return user


def test_a_move_counts_the_posts_as_they_stand_not_as_the_caller_read_them(employee, other_employee, general,
                                                                           engineering, mover):
    thread = make_thread(employee, general, title="Counting", body="Q?", replies=[(other_employee, "a1")])
    _counts_hold(general, engineering)
    read = Thread.objects.select_related("category").get(pk=thread.pk)  # a request's copy, read before the changes
    for body in ("a2", "a2b"):
        services.post_reply(acting_user=other_employee, thread=thread, body=body)
    services.post_hide(acting_user=mover, post=thread.posts.order_by("id").first(), reason="Pasted a credential.")
    services.thread_move(acting_user=mover, thread=read, category=engineering)
    _counts_hold(general, engineering)
    services.post_reply(acting_user=other_employee, thread=read, body="a3")  # the copy still says "general"
    services.post_hide(acting_user=mover, post=Post.objects.get(thread=thread, body="a2"), reason="Duplicate.")
    _counts_hold(general, engineering)


def test_a_move_from_a_copy_read_before_another_move_is_refused(employee, general, engineering, mover, admin_user):
    from ..factories import make_category

    thread = make_thread(employee, general, title="Counting", body="Q?")
    read = Thread.objects.select_related("category").get(pk=thread.pk)
    services.thread_move(acting_user=mover, thread=Thread.objects.get(pk=thread.pk), category=engineering)
    elsewhere = make_category(admin_user, "Elsewhere")
    with pytest.raises(InvalidTransition, match="moved meanwhile"):
        services.thread_move(acting_user=admin_user, thread=read, category=elsewhere)
    _counts_hold(general, engineering, elsewhere)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="two connections at once: PostgreSQL's row locks")
@pytest.mark.parametrize("change", ["reply", "hide"])
def test_a_count_and_a_move_at_once_leave_both_categories_right(employee, other_employee, general, engineering,
                                                               mover, change):
    thread = make_thread(employee, general, title="Counting", body="Q?",
                         replies=[(other_employee, "a1"), (other_employee, "a2")])
    reply = thread.posts.order_by("id").last()
    barrier, errors = threading.Barrier(2), []

    def run(action):
        try:
            read = Thread.objects.select_related("category").get(pk=thread.pk)
            barrier.wait()
            action(read)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connections.close_all()

    def counted(read):
        if change == "reply":
            services.post_reply(acting_user=other_employee, thread=read, body="a3")
        else:
            services.post_hide(acting_user=mover, post=Post.objects.select_related("thread__category").get(
                pk=reply.pk), reason="Pasted a credential.")

    def moved(read):
        services.thread_move(acting_user=mover, thread=read, category=engineering)

    workers = [threading.Thread(target=run, args=(action,)) for action in (counted, moved)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert not errors, errors
    _counts_hold(general, engineering)


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="two connections at once: PostgreSQL's row locks")
def test_a_reply_waits_for_a_move_under_way_and_is_judged_by_where_the_thread_went(employee, other_employee,
                                                                                 engineering, secops, admin_user,
                                                                                 monkeypatch):
    # Round 34's review: the reply's checks ran on the thread as read before a move to a restricted category; it was
    # written into the restricted thread, and its author (who lost access too) was told by the thread's title.
    from common.exceptions import NotFound
    from forum.models import Notification

    thread = make_thread(employee, engineering, title="Rotating the payroll DB password", body="How?")
    stale = Thread.objects.select_related("category").get(pk=thread.pk)
    audit_record, moving, errors = services.audit_record, threading.Event(), {}

    def audit_after_a_pause(**kwargs):
        if threading.current_thread().name == "move":
            moving.set()  # the thread's row is locked: the reply starts meanwhile
            time.sleep(1.0)
        return audit_record(**kwargs)

    monkeypatch.setattr(services, "audit_record", audit_after_a_pause)

    def move():
        services.thread_move(acting_user=admin_user, thread=Thread.objects.get(pk=thread.pk), category=secops)

    def reply():
        moving.wait(10)
        services.post_reply(acting_user=other_employee, thread=stale, body="Use the vault CLI.")

    def run(work):
        try:
            work()
        except Exception as exc:  # noqa: BLE001 - reported below
            errors[threading.current_thread().name] = exc
        finally:
            connections.close_all()

    workers = [threading.Thread(target=run, args=(work,), name=work.__name__) for work in (move, reply)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(30)
    assert list(errors) == ["reply"] and isinstance(errors["reply"], NotFound)
    assert not Post.objects.filter(body="Use the vault CLI.").exists()
    assert not Notification.objects.filter(recipient=employee).exists()
    _counts_hold(engineering, secops)


def test_a_hidden_accepted_reply_is_no_longer_announced_as_the_accepted_answer(employee, other_employee, engineering,
                                                                               eng_moderator):
    """Round 39's review: hiding the accepted reply left ``Thread.accepted_post`` on it, so the thread page's "Has an
    accepted answer" linked every reader to a post they cannot see, its rows said "Answered" and the API gave its id.
    Hiding it clears the acceptance (audited); showing it again does not bring the acceptance back by itself."""
    thread = make_thread(other_employee, engineering, title="Staging database password rotation",
                         body="How do I rotate the staging database password?")
    reply = services.post_reply(acting_user=employee, thread=thread, body="Log in as root with password hunter2-zq77.")
    services.thread_accept_answer(acting_user=other_employee, thread=Thread.objects.get(pk=thread.pk), post=reply)
    reader, api = signed_in(UserFactory(username="carol")), client_for(UserFactory(username="dave"))
    assert f"post-{reply.pk}" in reader.get(f"/t/{thread.pk}/").content.decode()  # announced while it is shown

    services.post_hide(acting_user=eng_moderator, post=reply, reason="Credential pasted.")
    page = reader.get(f"/t/{thread.pk}/").content.decode()
    assert f"post-{reply.pk}" not in page and "Has an accepted answer" not in page
    category_page = reader.get(f"/c/{engineering.slug}/").content.decode()
    assert "Answered" not in category_page[category_page.index(thread.title):][:1200]
    assert api.get(f"{V1}/threads/{thread.pk}/").json()["accepted_post"] is None
    listed = {row["id"]: row for row in api.get(f"{V1}/threads/").json()["results"]}
    assert listed[thread.pk]["accepted_post"] is None
    event = AuditEvent.objects.filter(verb="thread.accept_answer").latest("id")
    assert (event.actor_id, event.data) == (eng_moderator.pk, {"post": None, "hidden": reply.pk})

    services.post_hide(acting_user=eng_moderator, post=Post.objects.get(pk=reply.pk), hidden=False)
    assert Thread.objects.get(pk=thread.pk).accepted_post_id is None


def test_a_reply_hidden_while_its_acceptance_waits_is_not_accepted(employee, other_employee, engineering,
                                                                    eng_moderator):
    """The review of round 39's fixes: ``thread_accept_answer`` judged ``post.hidden`` on the post its view read
    before the audit chain's lock; a hide committed in between made the hidden reply the accepted answer again."""
    thread = make_thread(other_employee, engineering, title="Staging database password rotation",
                         body="How do I rotate the staging database password?")
    reply = services.post_reply(acting_user=employee, thread=thread, body="Log in as root with password hunter2.")
    as_the_view_read_it = Post.objects.select_related("thread__category").get(pk=reply.pk)
    services.post_hide(acting_user=eng_moderator, post=Post.objects.get(pk=reply.pk), reason="Credential pasted.")
    with pytest.raises(NotFound):
        services.thread_accept_answer(acting_user=other_employee, thread=Thread.objects.get(pk=thread.pk),
                                      post=as_the_view_read_it)
    assert Thread.objects.get(pk=thread.pk).accepted_post_id is None
