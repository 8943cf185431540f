"""Every forum page, from the wrong side first: anonymous, outsiders, forbidden actions, bad input,
GET on POST-only URLs, CSRF; then the happy paths, then query counts that must not grow with rows."""
import re

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from forum import policy, services
from forum.models import Notification, Post, Thread

from ..factories import fresh, grant, make_category, make_thread
from .conftest import MARKER

LOGIN = reverse("login")


def _body(response) -> str:
    return response.content.decode()


def _without_csrf(response) -> str:
    """The page with its per-request CSRF token masked, so two renders can be compared."""
    text = re.sub(r'"X-CSRFToken": "[^"]*"', "", _body(response))
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", text)


def _state():
    """Everything a stray request could change, to prove that it did not."""
    return {
        "threads": list(Thread.objects.order_by("pk").values_list("pk", "title", "locked", "accepted_post_id")),
        "posts": list(Post.objects.order_by("pk").values_list("pk", "body", "hidden", "edited_at")),
        "unread": Notification.objects.filter(read_at__isnull=True).count(),
    }


@pytest.fixture
def notification(eng_thread, other_employee):
    """Bob's notice that Alice replied to his thread."""
    return Notification.objects.get(recipient=other_employee, verb="reply")


# Every page and action, as (method, path, data) built from the fixtures.
def _routes(thread, question, answer, notification):
    return {
        "home": ("get", reverse("forum:home"), None),
        "category": ("get", reverse("forum:category", args=[thread.category.slug]), None),
        "thread": ("get", reverse("forum:thread", args=[thread.pk]), None),
        "new_thread_get": ("get", reverse("forum:thread_start"), None),
        "new_thread_post": ("post", reverse("forum:thread_start"),
                            {"category": thread.category.pk, "title": "New", "body": "Body"}),
        "reply": ("post", reverse("forum:reply", args=[thread.pk]), {"body": "A reply"}),
        "edit_get": ("get", reverse("forum:post_edit", args=[answer.pk]), None),
        "edit_post": ("post", reverse("forum:post_edit", args=[answer.pk]), {"body": "Edited"}),
        "hide": ("post", reverse("forum:post_hide", args=[answer.pk]), {"action": "hide", "reason": "x"}),
        "lock": ("post", reverse("forum:lock", args=[thread.pk]), {"action": "lock"}),
        "move": ("post", reverse("forum:move", args=[thread.pk]), {"category": thread.category.slug}),
        "accept": ("post", reverse("forum:accept", args=[thread.pk, answer.pk]), {}),
        "preview": ("post", reverse("forum:preview"), {"body": "**hi**"}),
        "search": ("get", reverse("retrieval:search") + "?q=python", None),
        "notifications": ("get", reverse("forum:notifications"), None),
        "mark_read": ("post", reverse("forum:notification_read", args=[notification.pk]), {}),
        "mark_all_read": ("post", reverse("forum:notifications_read_all"), {}),
        "watch": ("post", reverse("forum:watch", args=[thread.pk]), {"watching": "1"}),
        "vote": ("post", reverse("forum:post_vote", args=[answer.pk]), {"helpful": "1"}),
        "profile": ("get", reverse("forum:profile", args=[answer.author.username]), None),
        "watching": ("get", reverse("forum:watching"), None),
    }


ROUTE_NAMES = [
    "home", "category", "thread", "new_thread_get", "new_thread_post", "reply", "edit_get", "edit_post", "hide",
    "lock", "move", "accept", "preview", "search", "notifications", "mark_read", "mark_all_read",
    "watch", "vote", "profile", "watching",
]


@pytest.fixture
def routes(eng_thread, eng_question, eng_answer, notification):
    return _routes(eng_thread, eng_question, eng_answer, notification)


def _call(client, route):
    method, path, data = route
    return getattr(client, method)(path, data) if data is not None else getattr(client, method)(path)


# Anonymous ------------------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", ROUTE_NAMES)
def test_anonymous_is_sent_to_login_and_sees_nothing(client, routes, name, eng_thread):
    before = _state()
    response = _call(client, routes[name])
    assert response.status_code == 302
    path = routes[name][1].split("?")[0]
    assert response["Location"].startswith(f"{LOGIN}?next={path}")
    assert response.content == b""
    assert _state() == before


@pytest.mark.django_db
def test_login_page_shows_no_forum_content(client, eng_thread, secret_thread):
    response = client.get(LOGIN)
    assert response.status_code == 200
    assert eng_thread.title not in _body(response)
    assert MARKER not in _body(response)


# Outsiders: the restricted category does not exist for them ---------------------------------------

OUTSIDERS = ["employee", "eng_moderator", "general_moderator", "global_viewer"]


def _restricted_routes(secret_thread, secret_reply, eng_thread):
    question = secret_thread.posts.order_by("id").first()
    return {
        "category": ("get", reverse("forum:category", args=[secret_thread.category.slug]), None),
        "thread": ("get", reverse("forum:thread", args=[secret_thread.pk]), None),
        "thread_at_post": ("get", reverse("forum:thread", args=[secret_thread.pk]) + f"?post={secret_reply.pk}", None),
        "reply": ("post", reverse("forum:reply", args=[secret_thread.pk]), {"body": "Let me in"}),
        "edit_get": ("get", reverse("forum:post_edit", args=[question.pk]), None),
        "edit_post": ("post", reverse("forum:post_edit", args=[question.pk]), {"body": "Defaced", "title": "x"}),
        "hide": ("post", reverse("forum:post_hide", args=[secret_reply.pk]), {"action": "hide"}),
        "lock": ("post", reverse("forum:lock", args=[secret_thread.pk]), {"action": "lock"}),
        "move": ("post", reverse("forum:move", args=[secret_thread.pk]), {"category": eng_thread.category.slug}),
        "accept": ("post", reverse("forum:accept", args=[secret_thread.pk, secret_reply.pk]), {}),
        "accept_clear": ("post", reverse("forum:accept", args=[secret_thread.pk, 0]), {}),
        # A visible thread of their own, but the post named in the URL is restricted.
        "accept_foreign_post": ("post", reverse("forum:accept", args=[eng_thread.pk, secret_reply.pk]), {}),
    }


RESTRICTED_ROUTE_NAMES = ["category", "thread", "thread_at_post", "reply", "edit_get", "edit_post", "hide", "lock",
                          "move", "accept", "accept_clear", "accept_foreign_post"]


@pytest.mark.django_db
@pytest.mark.parametrize("role", OUTSIDERS)
@pytest.mark.parametrize("name", RESTRICTED_ROUTE_NAMES)
def test_outsider_gets_404_for_everything_restricted(request, client, role, name, secret_thread, secret_reply,
                                                     eng_thread):
    user = request.getfixturevalue(role)
    if name == "accept_foreign_post":  # make the Engineering thread theirs, so only the post is foreign
        eng_thread = make_thread(user, eng_thread.category, title="My own thread", replies=[(user, "answer")])
    route = _restricted_routes(secret_thread, secret_reply, eng_thread)[name]
    client.force_login(user)
    before = _state()
    response = _call(client, route)
    assert response.status_code == 404
    assert MARKER not in _body(response)
    assert "Security Ops" not in _body(response)
    assert _state() == before


@pytest.mark.django_db
def test_hidden_and_missing_objects_give_the_same_404(client, employee, secret_thread, secret_reply):
    client.force_login(employee)
    missing = Post.objects.order_by("-pk").first().pk + 1000
    pairs = [
        (reverse("forum:thread", args=[secret_thread.pk]), reverse("forum:thread", args=[missing])),
        (reverse("forum:post_edit", args=[secret_reply.pk]), reverse("forum:post_edit", args=[missing])),
        (reverse("forum:category", args=["security-ops"]), reverse("forum:category", args=["no-such-place"])),
    ]
    for hidden_url, missing_url in pairs:
        hidden, absent = client.get(hidden_url), client.get(missing_url)
        assert hidden.status_code == absent.status_code == 404
        assert _without_csrf(hidden) == _without_csrf(absent)


@pytest.mark.django_db
def test_outsider_cannot_start_a_thread_in_the_restricted_category(client, employee, engineering, secops):
    client.force_login(employee)
    form = client.get(reverse("forum:thread_start") + f"?category={secops.slug}")
    assert form.status_code == 200
    assert "Security Ops" not in _body(form)
    response = client.post(reverse("forum:thread_start"),
                           {"category": secops.pk, "title": "Sneaky", "body": "Let me post here"})
    assert response.status_code == 400
    assert "Select a valid choice" in _body(response)
    assert not Thread.objects.filter(title="Sneaky").exists()


@pytest.fixture
def mentions_and_replies(secret_thread, secops_member, employee, eng_moderator, general_moderator, global_viewer):
    """Everything a Security Ops member might do that could notify an outsider about the thread."""
    services.post_reply(acting_user=secops_member, thread=secret_thread,
                        body=f"Looping in @alice @maria @gus @gloria about {MARKER}.")
    return secret_thread


@pytest.mark.django_db
@pytest.mark.parametrize("role", OUTSIDERS)
def test_the_restricted_marker_appears_nowhere_an_outsider_can_look(request, client, role, mentions_and_replies,
                                                                    eng_thread, general, secops_member):
    user = request.getfixturevalue(role)
    client.force_login(user)
    visible_thread = make_thread(user, eng_thread.category, title="An ordinary question", body="vault rotation?")
    pages = [
        reverse("forum:home"),
        reverse("forum:category", args=["engineering"]),
        reverse("forum:category", args=[general.slug]),
        reverse("forum:thread", args=[visible_thread.pk]),
        reverse("forum:thread", args=[eng_thread.pk]),
        reverse("forum:thread_start"),
        reverse("forum:notifications"),
        # The restricted thread's other words: the search must not find it.
        reverse("retrieval:search") + "?q=rotating+vault+root+token+stored+quarterly+departure",
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        assert MARKER not in _body(response), url
        assert reverse("forum:thread", args=[mentions_and_replies.pk]) not in _body(response), url
    assert not Notification.objects.filter(recipient=user).filter(text__contains=MARKER).exists()
    # Searching for the marker itself echoes the query back, and nothing else.
    echo = _body(client.get(reverse("retrieval:search") + "?q=quokka7unknown")).count("quokka7unknown")
    response = client.get(reverse("retrieval:search") + f"?q={MARKER}")
    assert "0 results" in _body(response)
    assert _body(response).count(MARKER) == echo


@pytest.mark.django_db
def test_members_do_see_the_marker(client, secops_member, mentions_and_replies):
    """The control for the test above: the marker is there to be found by those allowed to."""
    client.force_login(secops_member)
    assert MARKER in _body(client.get(reverse("forum:home")))
    assert MARKER in _body(client.get(reverse("forum:category", args=["security-ops"])))
    search = client.get(reverse("retrieval:search") + f"?q={MARKER}")
    assert reverse("forum:thread", args=[mentions_and_replies.pk]) in _body(search)


@pytest.mark.django_db
def test_a_former_member_gets_no_notification_naming_the_thread(client, employee, secops_group, secops_member,
                                                                 secret_thread):
    """Alice wrote in Security Ops, then left the team: later activity there must not reach her."""
    employee.groups.add(secops_group)
    own_thread = make_thread(fresh(employee), secret_thread.category, title=f"Alice asks about {MARKER}")
    her_answer = services.post_reply(acting_user=fresh(employee), thread=secret_thread, body="My answer.")
    employee.groups.remove(secops_group)
    # Later requests load the rows afresh (no access answers remembered from before she left).
    own_thread, secret_thread = Thread.objects.get(pk=own_thread.pk), Thread.objects.get(pk=secret_thread.pk)
    services.post_reply(acting_user=secops_member, thread=own_thread, body=f"Answering @alice on {MARKER}.")
    services.thread_accept_answer(acting_user=secops_member, thread=secret_thread,
                                  post=Post.objects.get(pk=her_answer.pk))
    assert not Notification.objects.filter(recipient=employee).exists()
    client.force_login(employee)
    assert MARKER not in _body(client.get(reverse("forum:notifications")))


# Visible but forbidden: 403 -----------------------------------------------------------------------

FORBIDDEN = [
    # (role, route) on Bob's Engineering thread with Alice's answer
    ("employee", "lock"),
    ("employee", "move"),
    ("employee", "accept"),  # only Bob (the asker) or a moderator accepts
    ("other_employee", "hide"),
    ("other_employee", "edit_get"),  # Alice's answer
    ("other_employee", "edit_post"),
    ("general_moderator", "lock"),
    ("general_moderator", "hide"),
    ("general_moderator", "edit_post"),
    ("security_reviewer", "lock"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("role", "name"), FORBIDDEN)
def test_visible_but_forbidden_actions_get_403(request, client, routes, role, name):
    client.force_login(request.getfixturevalue(role))
    before = _state()
    response = _call(client, routes[name])
    assert response.status_code == 403
    assert "Not allowed" in _body(response)
    assert _state() == before


@pytest.mark.django_db
@pytest.mark.parametrize("data", [{"body": ""}, {"body": "x" * 60_000}, {}])
def test_forbidden_edit_is_403_even_with_bad_input(client, other_employee, eng_answer, data):
    client.force_login(other_employee)
    response = client.post(reverse("forum:post_edit", args=[eng_answer.pk]), data)
    assert response.status_code == 403
    eng_answer.refresh_from_db()
    assert eng_answer.body == "The CI image is on Python 3.9; bump it to 3.11."


@pytest.mark.django_db
def test_reader_without_post_permission_cannot_reply(client, employee, secops, secret_thread):
    readers = Group.objects.create(name="secops-readers")
    grant(policy.VIEW, readers, secops)
    employee.groups.add(readers)
    client.force_login(employee)
    page = client.get(reverse("forum:thread", args=[secret_thread.pk]))
    assert page.status_code == 200
    assert MARKER in _body(page)
    assert reverse("forum:reply", args=[secret_thread.pk]) not in _body(page)  # no reply form offered
    before = _state()
    response = client.post(reverse("forum:reply", args=[secret_thread.pk]), {"body": "Me too"})
    assert response.status_code == 403
    assert _state() == before


@pytest.mark.django_db
def test_security_reviewer_cannot_hide_in_security_ops(client, security_reviewer, secret_reply):
    client.force_login(security_reviewer)
    response = client.post(reverse("forum:post_hide", args=[secret_reply.pk]), {"action": "hide"})
    assert response.status_code == 403
    secret_reply.refresh_from_db()
    assert not secret_reply.hidden


# Conflicts: 409 ---------------------------------------------------------------------------------


@pytest.mark.django_db
def test_reply_to_a_locked_thread_is_409_and_the_page_offers_no_form(client, employee, locked_thread):
    client.force_login(employee)
    page = client.get(reverse("forum:thread", args=[locked_thread.pk]))
    assert "This thread is locked" in _body(page)
    assert reverse("forum:reply", args=[locked_thread.pk]) not in _body(page)
    before = _state()
    response = client.post(reverse("forum:reply", args=[locked_thread.pk]), {"body": "Still broken for me"})
    assert response.status_code == 409
    assert "This thread is locked." in _body(response)
    assert _state() == before


@pytest.mark.django_db
def test_moderator_may_still_reply_to_a_locked_thread(client, eng_moderator, locked_thread):
    client.force_login(eng_moderator)
    response = client.post(reverse("forum:reply", args=[locked_thread.pk]), {"body": "Pinned: read the new guide."})
    assert response.status_code == 302
    assert locked_thread.posts.filter(body="Pinned: read the new guide.").exists()


@pytest.mark.django_db
def test_repeated_moderation_is_409(client, eng_moderator, eng_thread, eng_answer, locked_thread):
    client.force_login(eng_moderator)
    assert client.post(reverse("forum:lock", args=[locked_thread.pk]), {"action": "lock"}).status_code == 409
    assert client.post(reverse("forum:lock", args=[eng_thread.pk]), {"action": "unlock"}).status_code == 409
    assert client.post(reverse("forum:post_hide", args=[eng_answer.pk]), {"action": "unhide"}).status_code == 409
    assert client.post(reverse("forum:post_hide", args=[eng_answer.pk]), {"action": "hide"}).status_code == 302
    assert client.post(reverse("forum:post_hide", args=[eng_answer.pk]), {"action": "hide"}).status_code == 409


@pytest.mark.django_db
def test_accepting_the_question_itself_is_409(client, other_employee, eng_thread, eng_question):
    client.force_login(other_employee)
    response = client.post(reverse("forum:accept", args=[eng_thread.pk, eng_question.pk]))
    assert response.status_code == 409
    assert "cannot be its accepted answer" in _body(response)
    eng_thread.refresh_from_db()
    assert eng_thread.accepted_post_id is None


@pytest.mark.django_db
def test_accepting_a_post_from_another_thread_is_404(client, other_employee, eng_thread, locked_thread, employee):
    elsewhere = make_thread(employee, eng_thread.category, title="Elsewhere", replies=[(employee, "unrelated")])
    client.force_login(other_employee)
    response = client.post(reverse("forum:accept", args=[eng_thread.pk, elsewhere.posts.last().pk]))
    assert response.status_code == 404
    eng_thread.refresh_from_db()
    assert eng_thread.accepted_post_id is None


# Bad input: 400 with a clear message, never 500, nothing lost ---------------------------------------

NEW_THREAD_BAD_INPUT = [
    # (title, body, message shown, text that must still be in the form)
    ("", "My carefully written question body", "This field is required.", "My carefully written question body"),
    ("   ", "My carefully written question body", "This field is required.", "My carefully written question body"),
    ("A perfectly good title", "", "This field is required.", "A perfectly good title"),
    ("A perfectly good title", " \n\t ", "This field is required.", "A perfectly good title"),
    ("T" * 300, "My carefully written question body", "at most 200 characters",
     "My carefully written question body"),
    ("A perfectly good title", "before\x00after", "Null characters are not allowed.", "A perfectly good title"),
    ("Nul\x00title", "My carefully written question body", "Null characters are not allowed.",
     "My carefully written question body"),
    ("A perfectly good title", "B" * 50_001, "at most 50000 characters", "A perfectly good title"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("title", "body", "message", "kept"), NEW_THREAD_BAD_INPUT,
                         ids=["empty-title", "blank-title", "empty-body", "blank-body", "long-title", "nul-body",
                              "nul-title", "long-body"])
def test_new_thread_bad_input_is_400_and_keeps_the_text(client, employee, engineering, title, body, message, kept):
    client.force_login(employee)
    response = client.post(reverse("forum:thread_start"), {"category": engineering.pk, "title": title, "body": body})
    assert response.status_code == 400
    assert message in _body(response)
    assert kept in _body(response)
    assert 'role="alert"' in _body(response)
    assert not Thread.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("data", [{}, {"category": "abc", "title": "x", "body": "y"}, {"category": "999999"}])
def test_new_thread_malformed_post_is_400_with_messages(client, employee, engineering, data):
    client.force_login(employee)
    response = client.post(reverse("forum:thread_start"), data)
    assert response.status_code == 400
    assert ("This field is required." in _body(response)) or ("Select a valid choice" in _body(response))
    assert not Thread.objects.exists()


@pytest.mark.django_db
def test_new_thread_title_of_exactly_200_characters_is_accepted(client, employee, engineering):
    client.force_login(employee)
    response = client.post(reverse("forum:thread_start"), {"category": engineering.pk, "title": "T" * 200,
                                                            "body": "Fits."})
    thread = Thread.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("forum:thread", args=[thread.pk])
    assert thread.title == "T" * 200


@pytest.mark.django_db
@pytest.mark.parametrize(("body", "message"), [
    ("", "This field is required."),
    ("   \n ", "This field is required."),
    ("null\x00byte", "Null characters are not allowed."),
    ("x" * 50_001, "at most 50000 characters"),
], ids=["empty", "blank", "nul", "too-long"])
def test_reply_bad_input_is_400(client, employee, eng_thread, body, message):
    client.force_login(employee)
    before = _state()
    response = client.post(reverse("forum:reply", args=[eng_thread.pk]), {"body": body})
    assert response.status_code == 400
    assert "Please correct the errors below." in _body(response)
    assert message in _body(response)
    assert _state() == before


@pytest.mark.django_db
@pytest.mark.parametrize(("data", "message", "kept"), [
    ({"title": "Which Python version does the CI image use?", "body": ""}, "This field is required.", None),
    ({"title": "T" * 300, "body": "My edited question"}, "at most 200 characters", "My edited question"),
    ({"title": "", "body": "My edited question"}, "This field is required.", "My edited question"),
    ({"title": "Fine", "body": "nul\x00here"}, "Null characters are not allowed.", "Fine"),
], ids=["empty-body", "long-title", "empty-title", "nul-body"])
def test_edit_bad_input_is_400_and_keeps_the_text(client, other_employee, eng_thread, eng_question, data, message,
                                                  kept):
    client.force_login(other_employee)
    before = _state()
    response = client.post(reverse("forum:post_edit", args=[eng_question.pk]), data)
    assert response.status_code == 400
    assert message in _body(response)
    if kept:
        assert kept in _body(response)
    assert _state() == before


@pytest.mark.django_db
def test_edit_with_no_fields_is_400_with_a_message(client, other_employee, eng_question):
    client.force_login(other_employee)
    response = client.post(reverse("forum:post_edit", args=[eng_question.pk]), {})
    assert response.status_code == 400
    assert "This field is required." in _body(response)


@pytest.mark.django_db
@pytest.mark.parametrize(("q", "message"), [
    ("q" * 201, "at most 200 characters"),
    ("nul\x00byte", "Null characters are not allowed."),
], ids=["too-long", "nul"])
def test_search_bad_input_shows_a_message_and_no_results(client, employee, eng_thread, q, message):
    # The search page answers 400 with the form's error shown (tests/aiassist/retrieval/test_search.py).
    client.force_login(employee)
    response = client.get(reverse("retrieval:search"), {"q": q})
    assert response.status_code == 400
    assert message in _body(response)
    assert 'role="alert"' in _body(response)
    assert reverse("forum:thread", args=[eng_thread.pk]) not in _body(response)


@pytest.mark.django_db
@pytest.mark.parametrize(("method", "path"), [
    ("get", "/t/abc/"),
    ("get", "/t/-1/"),
    ("get", "/t/1.5/"),
    ("get", "/p/abc/edit/"),
    ("post", "/t/abc/reply/"),
    ("post", "/t/abc/lock/"),
    ("post", "/p/abc/hide/"),
    ("post", "/t/1/accept/abc/"),
    ("post", "/notifications/abc/read/"),
    ("get", "/c/not a slug!/"),
], ids=lambda v: v if v not in ("get", "post") else None)
def test_malformed_ids_are_404_by_the_url_conf(client, employee, method, path):
    client.force_login(employee)
    response = getattr(client, method)(path)
    assert response.status_code == 404


@pytest.mark.django_db
def test_huge_ids_are_404_not_500(client, employee, eng_thread):
    huge = "9" * 25
    client.force_login(employee)
    for method, path in [("get", f"/t/{huge}/"), ("get", f"/p/{huge}/edit/"), ("post", f"/t/{huge}/reply/"),
                         ("post", f"/t/{eng_thread.pk}/accept/{huge}/"), ("post", f"/notifications/{huge}/read/"),
                         ("post", f"/p/{huge}/hide/"), ("post", f"/t/{huge}/lock/")]:
        assert getattr(client, method)(path, {"body": "x"}).status_code == 404, path


@pytest.mark.django_db
@pytest.mark.parametrize("query", ["?page=abc", "?page=-3", "?page=999", "?post=abc", "?post=" + "9" * 25,
                                   "?post=-1&page=2"])
def test_odd_page_and_post_parameters_still_render(client, employee, eng_thread, query):
    client.force_login(employee)
    response = client.get(reverse("forum:thread", args=[eng_thread.pk]) + query)
    assert response.status_code == 200
    assert eng_thread.title in _body(response)
    category = client.get(reverse("forum:category", args=["engineering"]) + query)
    assert category.status_code == 200


# GET never changes anything ------------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("name", ["reply", "hide", "lock", "accept", "preview", "mark_read", "mark_all_read"])
def test_get_on_a_post_only_url_is_405_and_changes_nothing(client, eng_moderator, other_employee, routes, name):
    user = other_employee if name in ("mark_read", "mark_all_read") else eng_moderator
    client.force_login(user)
    path = routes[name][1]
    before = _state()
    response = client.get(path, {"body": "x", "action": "lock"})
    assert response.status_code == 405
    assert _state() == before


@pytest.mark.django_db
def test_get_on_form_pages_with_data_in_the_query_string_changes_nothing(client, employee, engineering, eng_answer):
    client.force_login(employee)
    before = _state()
    new = client.get(reverse("forum:thread_start"), {"category": engineering.pk, "title": "Via GET", "body": "No"})
    edit = client.get(reverse("forum:post_edit", args=[eng_answer.pk]), {"body": "Changed via GET"})
    assert new.status_code == edit.status_code == 200
    assert _state() == before


# CSRF ---------------------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_post_without_csrf_token_is_refused(employee, eng_moderator, eng_thread):
    client = Client(enforce_csrf_checks=True)
    client.force_login(employee)
    before = _state()
    refused = client.post(reverse("forum:reply", args=[eng_thread.pk]), {"body": "Forged"})
    assert refused.status_code == 403
    assert _state() == before
    # The same request with the token from the page goes through, so the 403 above was the CSRF check.
    page = client.get(reverse("forum:thread", args=[eng_thread.pk]))
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', _body(page)).group(1)
    accepted = client.post(reverse("forum:reply", args=[eng_thread.pk]), {"body": "Genuine",
                                                                          "csrfmiddlewaretoken": token})
    assert accepted.status_code == 302
    assert eng_thread.posts.filter(body="Genuine").exists()


@pytest.mark.django_db
def test_moderation_without_csrf_token_is_refused(eng_moderator, eng_thread):
    client = Client(enforce_csrf_checks=True)
    client.force_login(eng_moderator)
    assert client.post(reverse("forum:lock", args=[eng_thread.pk]), {"action": "lock"}).status_code == 403
    eng_thread.refresh_from_db()
    assert not eng_thread.locked


# Happy paths ---------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_pages_render_for_an_employee(client, employee, eng_thread, secret_thread, notification):
    client.force_login(employee)
    home = client.get(reverse("forum:home"))
    assert home.status_code == 200
    assert eng_thread.title in _body(home)
    category = client.get(reverse("forum:category", args=["engineering"]))
    assert eng_thread.title in _body(category)
    thread = client.get(reverse("forum:thread", args=[eng_thread.pk]))
    assert "The CI image is on Python 3.9" in _body(thread)
    assert reverse("forum:reply", args=[eng_thread.pk]) in _body(thread)
    assert reverse("forum:lock", args=[eng_thread.pk]) not in _body(thread)  # not a moderator
    search = client.get(reverse("retrieval:search"), {"q": "python ci image"})
    assert reverse("forum:thread", args=[eng_thread.pk]) in _body(search)
    assert client.get(reverse("forum:thread_start")).status_code == 200


@pytest.mark.django_db
def test_start_a_thread_and_reply(client, employee, other_employee, engineering):
    client.force_login(employee)
    response = client.post(reverse("forum:thread_start"), {"category": engineering.pk, "title": "Flaky test in CI",
                                                            "body": "It fails **sometimes**."})
    thread = Thread.objects.get(title="Flaky test in CI")
    assert response.status_code == 302
    assert thread.author == employee
    client.force_login(other_employee)
    response = client.post(reverse("forum:reply", args=[thread.pk]), {"body": "Pin the random seed."})
    reply = thread.posts.get(body="Pin the random seed.")
    assert response["Location"] == f"{reverse('forum:thread', args=[thread.pk])}?post={reply.pk}#post-{reply.pk}"
    assert Notification.objects.filter(recipient=employee, verb="reply").count() == 1


@pytest.mark.django_db
def test_author_edits_question_and_title(client, other_employee, eng_thread, eng_question):
    client.force_login(other_employee)
    form = client.get(reverse("forum:post_edit", args=[eng_question.pk]))
    assert form.status_code == 200
    assert "The build fails with a syntax error" in _body(form)
    response = client.post(reverse("forum:post_edit", args=[eng_question.pk]),
                           {"title": "CI image Python version", "body": "Updated question."})
    assert response.status_code == 302
    eng_thread.refresh_from_db()
    eng_question.refresh_from_db()
    assert (eng_thread.title, eng_question.body) == ("CI image Python version", "Updated question.")


@pytest.mark.django_db
def test_moderator_locks_hides_and_restores(client, eng_moderator, employee, eng_thread, eng_answer):
    client.force_login(eng_moderator)
    assert client.post(reverse("forum:lock", args=[eng_thread.pk]), {"action": "lock"}).status_code == 302
    assert client.post(reverse("forum:post_hide", args=[eng_answer.pk]),
                       {"action": "hide", "reason": "Outdated"}).status_code == 302
    eng_thread.refresh_from_db()
    eng_answer.refresh_from_db()
    assert eng_thread.locked and eng_answer.hidden and eng_answer.hidden_reason == "Outdated"
    client.force_login(employee)  # the author no longer sees the hidden answer ...
    assert "The CI image is on Python 3.9" not in _body(client.get(reverse("forum:thread", args=[eng_thread.pk])))
    assert client.get(reverse("forum:post_edit", args=[eng_answer.pk])).status_code == 404
    client.force_login(eng_moderator)  # ... the moderator does, and restores it
    assert "Hidden: Outdated" in _body(client.get(reverse("forum:thread", args=[eng_thread.pk])))
    assert client.post(reverse("forum:post_hide", args=[eng_answer.pk]), {"action": "unhide"}).status_code == 302
    assert client.post(reverse("forum:lock", args=[eng_thread.pk]), {"action": "unlock"}).status_code == 302
    eng_thread.refresh_from_db()
    eng_answer.refresh_from_db()
    assert not eng_thread.locked and not eng_answer.hidden


@pytest.mark.django_db
def test_asker_accepts_and_clears_an_answer(client, other_employee, employee, eng_thread, eng_answer):
    client.force_login(other_employee)
    response = client.post(reverse("forum:accept", args=[eng_thread.pk, eng_answer.pk]))
    assert response.status_code == 302
    eng_thread.refresh_from_db()
    assert eng_thread.accepted_post_id == eng_answer.pk
    assert Notification.objects.filter(recipient=employee, verb="accepted").exists()
    assert client.post(reverse("forum:accept", args=[eng_thread.pk, 0])).status_code == 302
    eng_thread.refresh_from_db()
    assert eng_thread.accepted_post_id is None


@pytest.mark.django_db
def test_preview_renders_sanitised_markdown(client, employee):
    client.force_login(employee)
    response = client.post(reverse("forum:preview"), {"body": "**bold** <script>alert(1)</script> nul\x00"})
    assert response.status_code == 200
    assert "<strong>bold</strong>" in _body(response)
    assert "<script" not in _body(response)
    empty = client.post(reverse("forum:preview"), {"body": ""})
    assert "Nothing to preview yet." in _body(empty)


@pytest.mark.django_db
def test_notifications_list_and_mark_read(client, other_employee, employee, notification, eng_thread):
    client.force_login(other_employee)
    page = client.get(reverse("forum:notifications"))
    assert "alice replied to your thread" in _body(page)
    response = client.post(reverse("forum:notification_read", args=[notification.pk]), {"follow": "1"})
    assert response["Location"] == notification.url
    notification.refresh_from_db()
    assert notification.read_at is not None
    services.post_reply(acting_user=employee, thread=eng_thread, body="One more thing.")
    assert client.post(reverse("forum:notifications_read_all")).status_code == 302
    assert not Notification.objects.filter(recipient=other_employee, read_at__isnull=True).exists()


@pytest.mark.django_db
def test_someone_elses_notification_is_404(client, employee, notification):
    client.force_login(employee)
    response = client.post(reverse("forum:notification_read", args=[notification.pk]), {"follow": "1"})
    assert response.status_code == 404
    notification.refresh_from_db()
    assert notification.read_at is None
    assert "alice replied" not in _body(client.get(reverse("forum:notifications")))


# Query counts ----------------------------------------------------------------------------------------


@pytest.fixture
def busy_forum(general, engineering, secops, employee, other_employee, eng_moderator, secops_member):
    """A forum with every kind of row a page shows; ``grow(n)`` adds ``n`` more of each."""
    question = make_thread(other_employee, engineering, title="The thread whose page is counted",
                           replies=[(employee, "Alice's answer"), (eng_moderator, "Moderator's note")])
    answers = list(question.posts.order_by("id"))
    services.post_edit(acting_user=eng_moderator, post=answers[1], body="Alice's answer, tidied by a moderator")
    services.thread_accept_answer(acting_user=other_employee, thread=question, post=answers[1])
    hidden = services.post_reply(acting_user=other_employee, thread=question, body="Spam")
    services.post_hide(acting_user=eng_moderator, post=hidden, reason="spam")

    def grow(n):
        for i in range(n):
            make_thread(employee if i % 2 else other_employee, engineering, title=f"Engineering thread {i}")
            make_thread(other_employee, general, title=f"General thread {i}")
            make_thread(secops_member, secops, title=f"Ops thread {i}")
            author = (employee, other_employee, eng_moderator)[i % 3]
            post = services.post_reply(acting_user=author, thread=question, body=f"Reply {i}")
            if i % 4 == 0:
                services.post_edit(acting_user=eng_moderator, post=post, body=f"Reply {i}, edited")
        services.notification_mark_read(acting_user=other_employee)

    grow(3)
    return question, grow


# The exact counts, as an employee: session, user, the page's own reads, the header's unread count.
# The category and the thread come with the caller's permissions on them (policy.with_access); a page of
# threads uses the category's thread_count, a page of posts carries its own total (COUNT(*) OVER ()).
# The thread page also reads the asker's AI answer and the assistant's kill switch (aiassist panel);
# a moderator's also lists the categories the thread could move to. Every page's header also asks, in one
# query, whether the reader reviews AI answers anywhere and how many await them (the review queue link).
# The thread page records that the reader has read it (unread markers).
QUERY_COUNTS = {"home": 6, "category": 6, "thread": 9}


@pytest.mark.django_db
@pytest.mark.parametrize("page", sorted(QUERY_COUNTS))
def test_page_query_count_is_exact_and_does_not_grow(settings, client, employee, busy_forum,
                                                     django_assert_num_queries, page):
    settings.FORUM_CATEGORIES_PER_PAGE = 1  # so that the home page has a page 2 as well
    question, grow = busy_forum
    url = {"home": reverse("forum:home"), "category": reverse("forum:category", args=["engineering"]),
           "thread": reverse("forum:thread", args=[question.pk])}[page]
    client.force_login(employee)
    with django_assert_num_queries(QUERY_COUNTS[page]):
        small = client.get(url)
    assert small.status_code == 200
    grow(30)
    with django_assert_num_queries(QUERY_COUNTS[page]):
        large = client.get(url)
    assert large.status_code == 200
    assert 'class="pagination"' in _body(large)  # more rows than one page holds
    with django_assert_num_queries(QUERY_COUNTS[page]):
        assert client.get(url + "?page=2").status_code == 200
    if page == "thread":  # unchanged since: the page of posts comes from the cache (forum.fragments)
        with django_assert_num_queries(QUERY_COUNTS[page] - 1):
            assert client.get(url + "?page=2").status_code == 200


@pytest.mark.django_db
def test_thread_page_query_count_for_a_moderator_does_not_grow(client, eng_moderator, busy_forum,
                                                               django_assert_num_queries):
    question, grow = busy_forum
    url = reverse("forum:thread", args=[question.pk])
    client.force_login(eng_moderator)
    with django_assert_num_queries(QUERY_COUNTS["thread"] + 1):  # + the move-to categories
        assert client.get(url).status_code == 200
    grow(30)
    with django_assert_num_queries(QUERY_COUNTS["thread"] + 1):
        assert "Hidden: spam" in _body(client.get(url))


@pytest.mark.django_db
def test_route_table_covers_every_forum_url(routes):
    from forum.urls import urlpatterns

    assert set(routes) == set(ROUTE_NAMES)
    paths = [path.split("?")[0].lstrip("/") for _, path, _ in routes.values()]
    uncovered = [p.name for p in urlpatterns if not any(p.resolve(path) for path in paths)]
    assert uncovered == []


# The home page's categories, a page at a time ------------------------------------------------------


def category_names(response) -> list[str]:
    return re.findall(r'<h3><a href="/c/[^"]+/">([^<]+)</a>', _body(response))


@pytest.mark.django_db
def test_home_pages_through_only_the_categories_the_reader_can_read(settings, client, admin_user, employee,
                                                                    secops_member, engineering, general, secops):
    settings.FORUM_CATEGORIES_PER_PAGE = 2
    make_category(admin_user, "Legal", restricted=True)
    make_category(admin_user, "Zebra Team")
    client.force_login(employee)
    first, second = client.get(reverse("forum:home")), client.get(reverse("forum:home"), {"page": 2})
    assert category_names(first) + category_names(second) == ["Engineering", "General", "Zebra Team"]
    assert "3 categories" in _body(first) and 'href="?page=2"' in _body(first)
    assert "Security Ops" not in _body(first) + _body(second) and "Legal" not in _body(first) + _body(second)
    assert category_names(client.get(reverse("forum:home"), {"page": "x"})) == ["Engineering", "General"]
    assert category_names(client.get(reverse("forum:home"), {"page": 99})) == ["Zebra Team"]
    client.force_login(secops_member)
    pages = [client.get(reverse("forum:home"), {"page": n}) for n in (1, 2)]
    assert "Security Ops" in _body(pages[0]) + _body(pages[1]) and "4 categories" in _body(pages[0])


@pytest.mark.django_db
def test_home_filters_categories_by_name_without_revealing_restricted_ones(settings, client, employee,
                                                                            engineering, general, secops):
    settings.FORUM_CATEGORIES_PER_PAGE = 1
    client.force_login(employee)
    found = client.get(reverse("forum:home"), {"category": "  e  "})  # trimmed: "e" is in every name
    assert category_names(found) == ["Engineering"] and "2 categories matching “e”" in _body(found)
    assert 'href="?page=2&amp;category=e"' in _body(found)  # the next page keeps the filter
    assert category_names(client.get(reverse("forum:home"), {"category": "e", "page": 2})) == ["General"]
    assert category_names(client.get(reverse("forum:home"), {"category": "GENERAL"})) == ["General"]
    hidden = client.get(reverse("forum:home"), {"category": "Security"})
    assert category_names(hidden) == [] and "0 categories" in _body(hidden)
    assert "No category you can read has “Security” in its name." in _body(hidden)
    odd = client.get(reverse("forum:home"), {"category": "<script>" + "x" * 500})
    assert odd.status_code == 200 and "<script>x" not in _body(odd)
