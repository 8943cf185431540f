"""Editing, hiding, locking, moving, accepting and watching through the API: the web's forms, the same services.

Round 33's review: a REST client could read and reply but none of these, so a moderator working from a script could
not hide a post that leaked a credential. Each endpoint fetches through the selectors (a post or thread the caller
may not read is the same 404 as a missing one) and calls the service the web form calls (the same 403 and 409).
"""
import pytest

from forum import policy
from forum.models import AuditEvent, Post, Thread, ThreadWatch

from ..factories import UserFactory, grant, make_thread
from .conftest import V1, client_for, error_of

pytestmark = pytest.mark.django_db

SECRET = "zqsecretmarker7"


@pytest.fixture
def thread(engineering, employee, other_employee):
    return make_thread(employee, engineering, title="Which Python does CI use?", body="Which one?",
                       replies=[(other_employee, "Python 3.11.")])


@pytest.fixture
def reply(thread):
    return thread.posts.order_by("id").last()


@pytest.fixture
def secret(secops, secops_member):
    return make_thread(secops_member, secops, title=f"Board {SECRET}", body=f"Body {SECRET}.",
                       replies=[(secops_member, f"Reply {SECRET}.")])


def test_an_author_edits_their_post_and_the_opening_post_carries_the_title(employee, other_employee, thread, reply):
    edited = client_for(other_employee).put(f"{V1}/posts/{reply.pk}/", {"body": "Python 3.12 now."}, format="json")
    assert edited.status_code == 200 and edited.json()["body"] == "Python 3.12 now."
    assert edited.json()["edited_by"] == other_employee.username
    opening = thread.posts.order_by("id").first()
    response = client_for(employee).put(f"{V1}/posts/{opening.pk}/", {"body": "Which one, exactly?",
                                                                       "title": "  Which   Python in CI?"},
                                          format="json")
    assert response.status_code == 200
    assert Thread.objects.get(pk=thread.pk).title == "Which Python in CI?"
    refused = error_of(client_for(other_employee).put(f"{V1}/posts/{reply.pk}/", {"body": "x", "title": "New"},
                                                      format="json"), 409, "conflict")
    assert "title" in refused["details"]
    assert Post.objects.get(pk=reply.pk).body == "Python 3.12 now."  # a refused edit loses nothing, changes nothing


def test_only_the_author_or_a_moderator_edits(employee, eng_moderator, reply):
    for data in ({"body": "Mine now."}, {"body": "Mine now.", "title": "Mine"}, {"body": ""}):  # 403 whatever is sent
        error_of(client_for(employee).put(f"{V1}/posts/{reply.pk}/", data, format="json"), 403, "permission_denied")
    assert client_for(eng_moderator).put(f"{V1}/posts/{reply.pk}/", {"body": "Tidied."},
                                           format="json").status_code == 200


@pytest.mark.parametrize("body", [{"body": ""}, {"body": "   "}, {"body": "a\x00b"}, {"body": "x" * 50_001}, {}])
def test_bad_edits_are_400_and_change_nothing(other_employee, reply, body):
    error_of(client_for(other_employee).put(f"{V1}/posts/{reply.pk}/", body, format="json"), 400, "invalid")
    assert Post.objects.get(pk=reply.pk).body == "Python 3.11."


@pytest.mark.parametrize("how", ["edit", "hide", "unhide", "lock", "move", "accept", "watch"])
def test_what_the_caller_may_not_read_is_the_same_404_as_what_is_missing(employee, secret, how):
    post = secret.posts.order_by("id").last()
    calls = {
        "edit": lambda c, p, t: c.put(f"{V1}/posts/{p}/", {"body": "x"}, format="json"),
        "hide": lambda c, p, t: c.post(f"{V1}/posts/{p}/hide/", {"reason": "x"}, format="json"),
        "unhide": lambda c, p, t: c.post(f"{V1}/posts/{p}/unhide/"),
        "lock": lambda c, p, t: c.post(f"{V1}/threads/{t}/lock/"),
        "move": lambda c, p, t: c.post(f"{V1}/threads/{t}/move/", {"category": "general"}, format="json"),
        "accept": lambda c, p, t: c.post(f"{V1}/threads/{t}/accept/", {"post": p}, format="json"),
        "watch": lambda c, p, t: c.post(f"{V1}/threads/{t}/watch/"),
    }
    client = client_for(employee)
    hidden = error_of(calls[how](client, post.pk, secret.pk), 404, "not_found")
    missing = error_of(calls[how](client, 10**12, 10**12), 404, "not_found")
    assert hidden == missing and SECRET not in str(hidden)
    assert not AuditEvent.objects.filter(verb__in=["post.edit", "post.hide", "thread.lock", "thread.move",
                                                   "thread.accept_answer"]).exists()


def test_a_moderator_hides_a_post_and_shows_it_again(employee, other_employee, eng_moderator, thread, reply):
    error_of(client_for(employee).post(f"{V1}/posts/{reply.pk}/hide/", {"reason": "x"}, format="json"),
             403, "permission_denied")
    moderator = client_for(eng_moderator)
    hidden = moderator.post(f"{V1}/posts/{reply.pk}/hide/", {"reason": "A credential was pasted."}, format="json")
    assert hidden.status_code == 200 and hidden.json()["hidden"] is True
    assert hidden.json()["hidden_reason"] == "A credential was pasted."
    error_of(moderator.post(f"{V1}/posts/{reply.pk}/hide/", {}, format="json"), 409, "conflict")
    # Now read by moderators only: its author and every other reader get the 404 of a missing post.
    error_of(client_for(employee).post(f"{V1}/posts/{reply.pk}/unhide/"), 404, "not_found")
    posts = client_for(employee).get(f"{V1}/threads/{thread.pk}/posts/").json()["results"]
    assert [p["id"] for p in posts] == [thread.posts.order_by("id").first().pk]
    shown = moderator.post(f"{V1}/posts/{reply.pk}/unhide/")
    assert shown.status_code == 200 and shown.json()["hidden"] is False
    assert [e.verb for e in AuditEvent.objects.filter(verb__in=["post.hide", "post.unhide"]).order_by("id")] == [
        "post.hide", "post.unhide"]


def test_a_moderator_locks_and_unlocks_and_a_locked_thread_takes_no_reply(employee, eng_moderator, thread):
    error_of(client_for(employee).post(f"{V1}/threads/{thread.pk}/lock/"), 403, "permission_denied")
    moderator = client_for(eng_moderator)
    assert moderator.post(f"{V1}/threads/{thread.pk}/lock/").json()["locked"] is True
    error_of(moderator.post(f"{V1}/threads/{thread.pk}/lock/"), 409, "conflict")
    error_of(client_for(employee).post(f"{V1}/threads/{thread.pk}/posts/", {"body": "One more?"}, format="json"),
             409, "conflict")
    assert moderator.post(f"{V1}/threads/{thread.pk}/unlock/").json()["locked"] is False


def test_a_move_needs_moderator_rights_in_both_categories(eng_moderator, general, thread):
    moderator = client_for(eng_moderator)
    error_of(moderator.post(f"{V1}/threads/{thread.pk}/move/", {"category": general.slug}, format="json"),
             403, "permission_denied")
    grant(policy.MODERATE, eng_moderator, general)
    moved = client_for(eng_moderator).post(f"{V1}/threads/{thread.pk}/move/", {"category": general.slug},
                                           format="json")
    assert moved.status_code == 200 and moved.json()["category"]["slug"] == general.slug
    error_of(client_for(eng_moderator).post(f"{V1}/threads/{thread.pk}/move/", {"category": general.slug},
                                            format="json"), 409, "conflict")


@pytest.mark.parametrize("category, status, code", [
    ("gen\x00eral", 400, "invalid"), ("no-such-category", 404, "not_found"), ("", 400, "invalid"),
    ("security-ops", 404, "not_found"),
])
def test_a_move_to_a_category_named_badly_or_unseen_is_refused(eng_moderator, secops, thread, category, status,
                                                               code):
    error_of(client_for(eng_moderator).post(f"{V1}/threads/{thread.pk}/move/", {"category": category},
                                            format="json"), status, code)
    assert Thread.objects.get(pk=thread.pk).category.slug == "engineering"


def test_the_asker_accepts_a_reply_and_clears_it(employee, other_employee, thread, reply, secret):
    error_of(client_for(other_employee).post(f"{V1}/threads/{thread.pk}/accept/", {"post": reply.pk},
                                             format="json"), 403, "permission_denied")
    client = client_for(employee)
    assert client.post(f"{V1}/threads/{thread.pk}/accept/", {"post": reply.pk},
                       format="json").json()["accepted_post"] == reply.pk
    other = make_thread(employee, thread.category, title="Another", replies=[(other_employee, "Elsewhere.")])
    for post, status, code in ((other.posts.order_by("id").last().pk, 404, "not_found"),
                               (thread.posts.order_by("id").first().pk, 409, "conflict"),
                               (secret.posts.first().pk, 404, "not_found"), (2**63, 400, "invalid"),
                               ("one", 400, "invalid"), (0, 400, "invalid")):
        error_of(client.post(f"{V1}/threads/{thread.pk}/accept/", {"post": post}, format="json"), status, code)
    assert Thread.objects.get(pk=thread.pk).accepted_post_id == reply.pk
    assert client.post(f"{V1}/threads/{thread.pk}/accept/", {"post": None},
                       format="json").json()["accepted_post"] is None


def test_watching_a_thread_and_stopping(other_employee, thread):
    client = client_for(other_employee)
    assert client.post(f"{V1}/threads/{thread.pk}/watch/").json() == {"thread": thread.pk, "watching": True}
    assert client.delete(f"{V1}/threads/{thread.pk}/watch/").json() == {"thread": thread.pk, "watching": False}
    assert not ThreadWatch.objects.filter(user=other_employee, thread=thread, watching=True).exists()


def test_signed_out_is_401_and_other_methods_405(reply, thread):
    assert client_for().put(f"{V1}/posts/{reply.pk}/", {"body": "x"}, format="json").status_code == 401
    assert client_for().post(f"{V1}/threads/{thread.pk}/lock/").status_code == 401
    user = client_for(UserFactory(username="zed"))
    assert user.get(f"{V1}/posts/{reply.pk}/").status_code == 405
    assert user.get(f"{V1}/threads/{thread.pk}/lock/").status_code == 405
