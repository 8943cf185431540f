"""The forum's JSON API: every endpoint for every role, the error format, pagination, tokens,
throttles and query counts (DESIGN.md, "REST API contract (v1)")."""
import base64

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from aiassist import services as ai_services
from aiassist.models import AIAnswer
from common.api import exception_handler
from common.exceptions import RateLimited
from forum import policy, services
from forum.models import AuditEvent, Category, CategoryUserObjectPermission, Notification

from ..factories import PASSWORD, UserFactory, fresh, grant, make_category, make_thread
from .conftest import client_for, error_of

pytestmark = pytest.mark.django_db

# One token ([a-z0-9]) so the search tokeniser keeps it whole; it appears nowhere else in the app.
MARKER = "wombat3marker"
SECOPS_TEXTS = (MARKER, "Security Ops", "security-ops")

ROLES = ["employee", "other_employee", "eng_moderator", "security_reviewer", "secops_member", "admin_user"]
OUTSIDERS = ["employee", "other_employee", "eng_moderator"]  # no grant on Security Ops
INSIDERS = ["security_reviewer", "secops_member", "admin_user"]
NON_ADMINS = [role for role in ROLES if role != "admin_user"]
V1 = "/api/v1"


def assert_no_secops_text(response):
    for text in SECOPS_TEXTS:
        assert text not in response.content.decode(), f"{text!r} leaked into {response.request['PATH_INFO']}"


def walk(client, url) -> list[dict]:
    """Every result of a cursor-paginated list, following ``next``."""
    results, pages = [], 0
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        assert set(body) >= {"next", "previous", "results"}
        results += body["results"]
        url, pages = body["next"], pages + 1
    return results


@pytest.fixture
def secret_thread(secops, secops_member, security_reviewer):
    return make_thread(secops_member, secops, title=f"Rotating the {MARKER} vault root token",
                       body=f"The {MARKER} token is stored in the vault under ops/root.",
                       replies=[(security_reviewer, f"Rotate {MARKER} quarterly and after every departure.")])


@pytest.fixture
def eng_thread(engineering, other_employee, employee):
    return make_thread(other_employee, engineering, title="Which Python version does the CI image use?",
                       body="The build fails with a syntax error on match statements.",
                       replies=[(employee, "The CI image is on Python 3.9; bump it to 3.11.")])


@pytest.fixture
def viewer(secops):
    """Holds view_category on Security Ops and nothing else: may read, may not post."""
    user = UserFactory(username="vera")
    grant(policy.VIEW, user, secops)
    return user


@pytest.fixture
def world(general, engineering, secops, secret_thread, eng_thread, employee, other_employee, eng_moderator,
          security_reviewer, secops_member, admin_user):
    """Every role and both threads."""


@pytest.fixture
def as_role(request, world):
    """``as_role(name)``: the user of that role fixture, and a client signed in as them."""

    def get(role):
        user = request.getfixturevalue(role)
        return user, client_for(user)

    return get


# Anonymous callers and authentication ---------------------------------------------------------

EVERY_ENDPOINT = [
    ("get", "/me/"), ("get", "/categories/"), ("post", "/categories/"), ("get", "/categories/general/"),
    ("patch", "/categories/general/"), ("delete", "/categories/general/"), ("get", "/categories/general/grants/"),
    ("post", "/categories/general/grants/"), ("delete", "/categories/general/grants/u1/"), ("get", "/threads/"),
    ("post", "/threads/"), ("get", "/threads/1/"), ("get", "/threads/1/posts/"), ("post", "/threads/1/posts/"),
    ("get", "/search/?q=vault"), ("get", "/notifications/"), ("post", "/notifications/1/read/"),
    ("get", "/audit-events/"), ("get", "/assistant/"), ("patch", "/assistant/"),
]


@pytest.mark.parametrize(("method", "path"), EVERY_ENDPOINT)
def test_anonymous_callers_get_401_json_not_the_login_page(world, method, path):
    response = getattr(APIClient(), method)(V1 + path, {}, format="json")
    error = error_of(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"
    assert "Authentication credentials were not provided" in error["message"]
    assert_no_secops_text(response)


def test_a_password_gets_a_token_that_authenticates(employee):
    client = APIClient()
    response = client.post(f"{V1}/auth/token/", {"username": "alice", "password": PASSWORD}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    assert token == Token.objects.get(user=employee).key
    again = client.post(f"{V1}/auth/token/", {"username": "alice", "password": PASSWORD})  # form-encoded too
    assert again.json() == {"token": token}

    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get(f"{V1}/me/").json()["username"] == "alice"


def test_a_wrong_password_gets_no_token(employee):
    response = APIClient().post(f"{V1}/auth/token/", {"username": "alice", "password": "nope"}, format="json")
    error = error_of(response, 400, "invalid")
    assert error["message"] == "Unable to log in with provided credentials."
    assert not Token.objects.exists()


def test_an_unknown_token_is_refused(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + "0" * 40)
    error_of(client.get(f"{V1}/me/"), 401, "authentication_failed")


def test_a_deactivated_users_token_stops_working(employee):
    client = client_for(employee)
    assert client.get(f"{V1}/me/").status_code == 200
    employee.is_active = False
    employee.save(update_fields=["is_active"])
    error_of(client.get(f"{V1}/me/"), 401, "authentication_failed")
    response = APIClient().post(f"{V1}/auth/token/", {"username": "alice", "password": PASSWORD}, format="json")
    error_of(response, 400, "invalid")


def test_session_authentication_works_and_unsafe_methods_need_the_csrf_token(world, engineering):
    client = APIClient(enforce_csrf_checks=True)
    assert client.login(username="alice", password=PASSWORD)
    assert client.get(f"{V1}/me/").json()["username"] == "alice"
    response = client.post(f"{V1}/threads/", {"category": "engineering", "title": "t", "body": "b"}, format="json")
    error = error_of(response, 403, "permission_denied")
    assert "CSRF" in error["message"]


# The caller -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_me_lists_the_callers_groups_and_what_policy_allows_per_visible_category(as_role, role):
    user, client = as_role(role)
    body = client.get(f"{V1}/me/").json()

    user = fresh(user)
    assert body["username"] == user.username
    assert body["is_admin"] == (role == "admin_user")
    assert body["groups"] == sorted(user.groups.values_list("name", flat=True))
    visible = list(policy.visible_categories(user).order_by("position", "name"))
    assert [c["slug"] for c in body["categories"]] == [c.slug for c in visible]
    for entry, category in zip(body["categories"], visible, strict=True):
        access = policy.access_for(user, category)
        assert {k: v for k, v in entry.items() if k.startswith("can_")} == {
            "can_view": access.can_view, "can_post": access.can_post, "can_moderate": access.can_moderate,
            "can_review": access.can_review, "can_approve_high_risk": access.can_approve_high_risk}
    if role in OUTSIDERS:
        assert_no_secops_text(client.get(f"{V1}/me/"))


def test_me_for_a_security_reviewer(as_role):
    _, client = as_role("security_reviewer")
    body = client.get(f"{V1}/me/").json()
    assert body["groups"] == ["secops"]
    secops = next(c for c in body["categories"] if c["slug"] == "security-ops")
    assert secops == {"slug": "security-ops", "name": "Security Ops", "restricted": True, "can_view": True,
                      "can_post": True, "can_moderate": False, "can_review": True, "can_approve_high_risk": True}


# Categories -------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_categories_list_only_what_the_caller_can_see(as_role, role):
    _, client = as_role(role)
    response = client.get(f"{V1}/categories/")
    slugs = [c["slug"] for c in response.json()["results"]]
    if role in OUTSIDERS:
        assert slugs == ["engineering", "general"]
        assert_no_secops_text(response)
    else:
        assert slugs == ["engineering", "general", "security-ops"]


@pytest.mark.parametrize("role", ROLES)
def test_a_restricted_category_is_404_to_outsiders(as_role, role):
    _, client = as_role(role)
    response = client.get(f"{V1}/categories/security-ops/")
    if role in OUTSIDERS:
        error_of(response, 404, "not_found")
        assert_no_secops_text(response)
    else:
        assert response.json()["name"] == "Security Ops"
    assert client.get(f"{V1}/categories/general/").json()["restricted"] is False
    error_of(client.get(f"{V1}/categories/no-such-thing/"), 404, "not_found")


@pytest.mark.parametrize("role", NON_ADMINS)
def test_only_administrators_create_categories(as_role, role):
    _, client = as_role(role)
    error = error_of(client.post(f"{V1}/categories/", {"name": "Legal"}, format="json"), 403, "permission_denied")
    assert error["message"] == "Only administrators manage categories."
    assert not Category.objects.filter(name="Legal").exists()


def test_an_administrator_creates_a_category_through_the_service(as_role):
    _, client = as_role("admin_user")
    response = client.post(f"{V1}/categories/", {"name": "Legal", "restricted": True,
                                                 "description": "Contracts."}, format="json")
    assert response.status_code == 201
    assert response.json() | {"last_post_at": None} == {
        "slug": "legal", "name": "Legal", "description": "Contracts.", "restricted": True, "position": 0,
        "thread_count": 0, "post_count": 0, "last_post_at": None}
    assert AuditEvent.objects.filter(verb="category.create", target_id=str(Category.objects.get(slug="legal").pk))

    error = error_of(client.post(f"{V1}/categories/", {"name": "Legal"}, format="json"), 409, "conflict")
    assert error["details"] == {"slug": ["Already taken."]}
    error = error_of(client.post(f"{V1}/categories/", {"description": "x", "position": -1}, format="json"),
                     400, "invalid")
    assert set(error["details"]) == {"name", "position"}
    assert error["message"].startswith("name: ")


@pytest.mark.parametrize("role", NON_ADMINS)
def test_non_administrators_cannot_change_or_delete_categories(as_role, role):
    _, client = as_role(role)
    error_of(client.patch(f"{V1}/categories/general/", {"name": "G"}, format="json"), 403, "permission_denied")
    error_of(client.delete(f"{V1}/categories/general/"), 403, "permission_denied")
    expected = (404, "not_found") if role in OUTSIDERS else (403, "permission_denied")
    response = client.patch(f"{V1}/categories/security-ops/", {"restricted": False}, format="json")
    error_of(response, *expected)
    error_of(client.delete(f"{V1}/categories/security-ops/"), *expected)
    assert Category.objects.get(slug="security-ops").restricted


def test_an_administrator_changes_a_category(as_role):
    _, client = as_role("admin_user")
    response = client.patch(f"{V1}/categories/general/", {"description": "Anything.", "position": 3}, format="json")
    assert response.status_code == 200
    assert response.json()["description"] == "Anything."
    assert AuditEvent.objects.filter(verb="category.update").exists()

    error = error_of(client.patch(f"{V1}/categories/general/", {"slug": "x"}, format="json"), 400, "invalid")
    assert "slug" in error["details"]
    events = AuditEvent.objects.count()
    unchanged = client.patch(f"{V1}/categories/general/", {}, format="json")  # an empty patch changes nothing
    assert unchanged.status_code == 200 and unchanged.json()["description"] == "Anything."
    assert AuditEvent.objects.count() == events
    error = error_of(client.patch(f"{V1}/categories/general/", {"name": "Engineering"}, format="json"),
                     409, "conflict")
    assert error["details"] == {"name": ["Already taken."]}
    for body, field in (({"restricted": 1}, "restricted"), ({"position": "3"}, "position"), ({"name": 7}, "name"),
                        ({"name": "  "}, "name"), ({"name": "---"}, "name"), ({"description": "a\x00"}, "description")):
        error = error_of(client.patch(f"{V1}/categories/general/", body, format="json"), 400, "invalid")
        assert list(error["details"]) == [field], body


def test_deleting_a_category_keeps_what_the_record_refers_to(as_role, engineering, general):
    _, client = as_role("admin_user")
    error = error_of(client.delete(f"{V1}/categories/engineering/"), 409, "conflict")
    assert "has threads" in error["message"]
    error = error_of(client.delete(f"{V1}/categories/general/"), 409, "conflict")  # its category.create event
    assert "audit log" in error["message"]
    # A category made in the Django admin has no event referring to it yet.
    Category.objects.create(name="Scratch", slug="scratch")
    assert client.delete(f"{V1}/categories/scratch/").status_code == 204
    assert not Category.objects.filter(slug="scratch").exists()
    event = AuditEvent.objects.get(verb="category.delete")
    assert (event.target_type, event.data) == ("forum.category", {"name": "Scratch", "slug": "scratch"})
    error_of(client.delete(f"{V1}/categories/scratch/"), 404, "not_found")


# Grants -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", NON_ADMINS)
def test_only_administrators_see_and_change_grants(as_role, role, employee):
    _, client = as_role(role)
    error_of(client.get(f"{V1}/categories/general/grants/"), 403, "permission_denied")
    body = {"user": "alice", "permission": "view_category"}
    error_of(client.post(f"{V1}/categories/general/grants/", body, format="json"), 403, "permission_denied")
    expected = (404, "not_found") if role in OUTSIDERS else (403, "permission_denied")
    grant_id = f"u{CategoryUserObjectPermission.objects.first().pk}"
    for response in (client.get(f"{V1}/categories/security-ops/grants/"),
                     client.post(f"{V1}/categories/security-ops/grants/", body, format="json"),
                     client.delete(f"{V1}/categories/security-ops/grants/{grant_id}/")):
        error_of(response, *expected)
        if role in OUTSIDERS:
            assert_no_secops_text(response)
    assert not policy.can_view_category(fresh(employee), Category.objects.get(slug="security-ops"))


def test_an_administrator_lists_user_and_group_grants(as_role):
    _, client = as_role("admin_user")
    grants = walk(client, f"{V1}/categories/security-ops/grants/?page_size=2")
    assert [(g["user"], g["group"], g["permission"]) for g in grants] == [
        (None, "secops", "post_in_category"), (None, "secops", "view_category"),
        ("sam", None, "approve_high_risk"), ("sam", None, "review_ai_answers")]
    assert all(g["id"][0] in "ug" and g["id"][1:].isdigit() for g in grants)


def test_granting_and_withdrawing_changes_access_at_once(as_role, employee):
    _, admin = as_role("admin_user")
    alice = client_for(employee)
    secret = f"{V1}/threads/{Category.objects.get(slug='security-ops').threads.get().pk}/"
    error_of(alice.get(secret), 404, "not_found")

    response = admin.post(f"{V1}/categories/security-ops/grants/", {"user": "alice", "permission": "view_category"},
                          format="json")
    assert response.status_code == 201
    created = response.json()
    assert created["user"] == "alice" and created["group"] is None and created["permission"] == "view_category"
    assert created["id"] == f"u{CategoryUserObjectPermission.objects.get(user=employee).pk}"
    assert MARKER in alice.get(secret).content.decode()
    assert AuditEvent.objects.get(verb="grant.add").data == {"user": "alice", "permission": "view_category"}

    error = error_of(admin.post(f"{V1}/categories/security-ops/grants/",
                                {"user": "alice", "permission": "view_category"}, format="json"), 409, "conflict")
    assert "already holds" in error["message"]

    assert admin.delete(f"{V1}/categories/security-ops/grants/{created['id']}/").status_code == 204
    error_of(alice.get(secret), 404, "not_found")
    assert AuditEvent.objects.get(verb="grant.remove").data == {"user": "alice", "permission": "view_category"}


def test_group_grants_by_name(as_role, employee):
    _, admin = as_role("admin_user")
    group = Group.objects.create(name="auditors")
    employee.groups.add(group)
    response = admin.post(f"{V1}/categories/security-ops/grants/", {"group": "auditors", "permission": "view_category"},
                          format="json")
    assert response.status_code == 201 and response.json()["id"].startswith("g")
    assert policy.can_view_category(fresh(employee), Category.objects.get(slug="security-ops"))
    assert admin.delete(f"{V1}/categories/security-ops/grants/{response.json()['id']}/").status_code == 204
    assert not policy.can_view_category(fresh(employee), Category.objects.get(slug="security-ops"))


def test_an_unknown_permission_codename_is_a_clear_400(as_role):
    _, admin = as_role("admin_user")
    response = admin.post(f"{V1}/categories/general/grants/", {"user": "alice", "permission": "delete_category"},
                          format="json")
    error = error_of(response, 400, "invalid")
    assert set(error["details"]) == {"permission"}
    assert "“delete_category” is not a category permission" in error["message"]
    for codename in policy.CATEGORY_PERMISSIONS:
        assert codename in error["message"]


@pytest.mark.parametrize(("body", "field"), [
    ({"user": "alice", "group": "secops", "permission": "view_category"}, "non_field_errors"),
    ({"permission": "view_category"}, "non_field_errors"),
    ({"user": "alice"}, "permission"),
    ({"user": 7, "permission": "view_category"}, "user"),
])
def test_grant_input_is_checked(as_role, body, field):
    _, admin = as_role("admin_user")
    error = error_of(admin.post(f"{V1}/categories/general/grants/", body, format="json"), 400, "invalid")
    assert list(error["details"]) == [field]


@pytest.mark.parametrize("field", ["user", "group"])
def test_granting_to_an_unknown_user_or_group_is_404(as_role, field):
    _, admin = as_role("admin_user")
    response = admin.post(f"{V1}/categories/general/grants/", {field: "nobody", "permission": "view_category"},
                          format="json")
    error = error_of(response, 404, "not_found")
    assert error["details"] == {field: [f"No {field} named “nobody”."]}


def test_unknown_or_foreign_grant_ids_are_404(as_role, admin_user, general, employee):
    _, admin = as_role("admin_user")
    foreign = services.category_grant_add(acting_user=admin_user, category=general, user=employee,
                                          permission=policy.MODERATE)
    for grant_id in ("x1", "u", "uabc", "u99999999", "g99999999", f"u{foreign.pk}", "u99999999999999999999999"):
        error_of(admin.delete(f"{V1}/categories/security-ops/grants/{grant_id}/"), 404, "not_found")
    assert CategoryUserObjectPermission.objects.filter(pk=foreign.pk).exists()


# Threads ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_thread_lists_and_filters_never_show_a_restricted_thread_to_outsiders(as_role, role):
    _, client = as_role(role)
    everything = client.get(f"{V1}/threads/")
    titled = client.get(f"{V1}/threads/?q={MARKER}")
    in_secops = client.get(f"{V1}/threads/?category=security-ops")
    if role in OUTSIDERS:
        assert [t["category"]["slug"] for t in everything.json()["results"]] == ["engineering"]
        assert titled.json()["results"] == []
        error_of(in_secops, 404, "not_found")
        for response in (everything, titled, in_secops):
            assert_no_secops_text(response)
    else:
        assert len(everything.json()["results"]) == 2
        assert [t["title"] for t in titled.json()["results"]] == [f"Rotating the {MARKER} vault root token"]
        assert [t["author"] for t in in_secops.json()["results"]] == ["priya"]


@pytest.mark.parametrize("role", ROLES)
def test_a_restricted_thread_and_its_posts_are_404_to_outsiders(as_role, role, secret_thread):
    _, client = as_role(role)
    detail = client.get(f"{V1}/threads/{secret_thread.pk}/")
    posts = client.get(f"{V1}/threads/{secret_thread.pk}/posts/")
    reply = client.post(f"{V1}/threads/{secret_thread.pk}/posts/", {"body": "Me too."}, format="json")
    if role in OUTSIDERS:
        for response in (detail, posts, reply):
            error_of(response, 404, "not_found")
            assert_no_secops_text(response)
    else:
        assert detail.json()["title"] == f"Rotating the {MARKER} vault root token"
        assert detail.json()["category"] == {"slug": "security-ops", "name": "Security Ops", "restricted": True}
        assert [p["author"] for p in posts.json()["results"]] == ["priya", "sam"]
        assert reply.status_code == 201


@pytest.mark.parametrize("thread_id", ["abc", "0", "99999999", "99999999999999999999999", "1.5", "-1"])
def test_unknown_or_malformed_thread_ids_are_404(as_role, thread_id):
    _, client = as_role("employee")
    for path in (f"/threads/{thread_id}/", f"/threads/{thread_id}/posts/"):
        error_of(client.get(V1 + path), 404, "not_found")


def test_starting_a_thread(as_role, employee):
    _, client = as_role("employee")
    response = client.post(f"{V1}/threads/", {"category": "engineering", "title": "  Which   linter? ",
                                              "body": "ruff or flake8?", "unknown_field": 1}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["title"] == "Which linter?" and body["author"] == "alice" and body["post_count"] == 1
    assert body["ai_answer"] is None and body["ai_answer_error"] is None
    assert not AIAnswer.objects.exists()
    posts = client.get(f"{V1}/threads/{body['id']}/posts/").json()["results"]
    assert [(p["body"], p["is_ai_generated"], p["kind"]) for p in posts] == [("ruff or flake8?", False, "human")]


def test_starting_a_thread_where_one_may_not(as_role, viewer):
    _, client = as_role("employee")
    body = {"category": "security-ops", "title": "Hello", "body": "Hi"}
    error = error_of(client.post(f"{V1}/threads/", body, format="json"), 404, "not_found")
    assert error["message"] == "No such category."
    error_of(client_for(viewer).post(f"{V1}/threads/", body, format="json"), 403, "permission_denied")


@pytest.mark.parametrize(("body", "field"), [
    ({"category": "engineering", "body": "b"}, "title"),
    ({"category": "engineering", "title": "t", "body": ""}, "body"),
    ({"category": "engineering", "title": "   ", "body": "b"}, "title"),
    ({"category": "engineering", "title": "t" * 201, "body": "b"}, "title"),
    ({"category": "engineering", "title": "t\x00", "body": "b"}, "title"),
    ({"category": ["engineering"], "title": "t", "body": "b"}, "category"),
    ({"title": "t", "body": "b"}, "category"),
])
def test_bad_thread_input_is_a_400_naming_the_field(as_role, body, field):
    _, client = as_role("employee")
    error = error_of(client.post(f"{V1}/threads/", body, format="json"), 400, "invalid")
    assert field in error["details"]


def test_malformed_requests_are_400_or_415_never_500(as_role):
    _, client = as_role("employee")
    response = client.post(f"{V1}/threads/", "{not json", content_type="application/json")
    error_of(response, 400, "parse_error")
    response = client.post(f"{V1}/threads/", "category=general", content_type="application/x-www-form-urlencoded")
    error_of(response, 415, "unsupported_media_type")
    error_of(client.post(f"{V1}/threads/", [1, 2], format="json"), 400, "invalid")


def test_asking_the_assistant_when_starting_a_thread(as_role, employee):
    _, client = as_role("employee")
    response = client.post(f"{V1}/threads/", {"category": "engineering", "title": "How do I rotate a key?",
                                              "body": "Which command?", "ask_assistant": True}, format="json")
    assert response.status_code == 201
    answer = AIAnswer.objects.get()
    assert response.json()["ai_answer"] == answer.pk
    assert (answer.asker, answer.thread_id, answer.status) == (employee, response.json()["id"], "queued")


def test_a_paused_assistant_does_not_lose_the_question(as_role, admin_user):
    ai_services.assistant_configure(acting_user=admin_user, enabled=False)
    _, client = as_role("employee")
    response = client.post(f"{V1}/threads/", {"category": "engineering", "title": "Paused?", "body": "b",
                                              "ask_assistant": True}, format="json")
    assert response.status_code == 201
    body = response.json()
    assert body["ai_answer"] is None
    assert body["ai_answer_error"]["code"] == "assistant_paused"
    assert body["ai_answer_error"]["message"].endswith("Your question was posted.")
    assert client.get(f"{V1}/threads/{body['id']}/").status_code == 200
    assert not AIAnswer.objects.exists()


# Posts -------------------------------------------------------------------------------------------


def test_replying(as_role, eng_thread, other_employee):
    _, client = as_role("employee")
    response = client.post(f"{V1}/threads/{eng_thread.pk}/posts/", {"body": "Also pin the image."}, format="json")
    assert response.status_code == 201
    assert response.json()["author"] == "alice" and response.json()["thread"] == eng_thread.pk
    assert Notification.objects.filter(recipient=other_employee, verb="reply").count() == 2
    error = error_of(client.post(f"{V1}/threads/{eng_thread.pk}/posts/", {"body": " "}, format="json"), 400, "invalid")
    assert "body" in error["details"]


def test_replying_to_a_locked_thread_is_a_conflict(as_role, eng_thread, admin_user):
    services.thread_lock(acting_user=admin_user, thread=eng_thread)
    _, client = as_role("employee")
    error = error_of(client.post(f"{V1}/threads/{eng_thread.pk}/posts/", {"body": "Hi"}, format="json"),
                     409, "conflict")
    assert error["message"] == "This thread is locked."


def test_replying_with_read_only_access_is_forbidden(viewer, secret_thread):
    client = client_for(viewer)
    assert client.get(f"{V1}/threads/{secret_thread.pk}/posts/").status_code == 200
    error_of(client.post(f"{V1}/threads/{secret_thread.pk}/posts/", {"body": "Hi"}, format="json"),
             403, "permission_denied")


@pytest.mark.parametrize("role", ROLES)
def test_hidden_posts_are_for_moderators(as_role, role, eng_thread, eng_moderator):
    answer = eng_thread.posts.order_by("id").last()
    services.post_hide(acting_user=eng_moderator, post=answer, reason="Wrong version")
    _, client = as_role(role)
    posts = client.get(f"{V1}/threads/{eng_thread.pk}/posts/").json()["results"]
    if role in ("eng_moderator", "admin_user"):
        assert [(p["hidden"], p["hidden_reason"]) for p in posts] == [(False, ""), (True, "Wrong version")]
    else:
        assert [p["id"] for p in posts] == [eng_thread.posts.order_by("id").first().pk]


# Search -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_search_finds_only_what_the_caller_may_read(as_role, role):
    _, client = as_role(role)
    response = client.get(f"{V1}/search/?q=rotate {MARKER} vault")
    hits = response.json()["results"]
    if role in OUTSIDERS:
        assert hits == []
        assert_no_secops_text(response)
    else:
        hit, = hits  # one result per thread: both of its posts match, its best passage is the snippet
        assert hit["category"]["slug"] == "security-ops" and MARKER in hit["snippet"]
        assert set(hit) == {"post", "thread", "category", "author", "role", "is_ai_generated", "disclaimer",
                            "risk_notice", "claims_notice", "attention_notice", "created_at", "rank", "snippet",
                            "words"}
    python = client.get(f"{V1}/search/?q=python&category=engineering").json()["results"]
    assert [h["thread"]["title"] for h in python] == ["Which Python version does the CI image use?"]


def test_search_input(as_role):
    _, client = as_role("employee")
    assert "q" in error_of(client.get(f"{V1}/search/"), 400, "invalid")["details"]
    assert "q" in error_of(client.get(f"{V1}/search/?q="), 400, "invalid")["details"]
    error_of(client.get(f"{V1}/search/?q=token&category=security-ops"), 404, "not_found")
    assert client.get(f"{V1}/search/?q=the&unknown=1").status_code == 200
    assert len(client.get(f"{V1}/search/?q=python&category=").json()["results"]) == 1  # an empty filter is none


def test_search_pages_through_ranked_hits(as_role, employee, general):
    for n in range(7):
        make_thread(employee, general, title=f"Zebra question {n}", body="zebra " * (n + 1))
    _, client = as_role("employee")
    first = client.get(f"{V1}/search/?q=zebra&page_size=3").json()
    assert first["previous"] is None and len(first["results"]) == 3
    hits = walk(client, f"{V1}/search/?q=zebra&page_size=3")
    assert len(hits) == 7 and len({h["thread"]["id"] for h in hits}) == 7
    second = client.get(first["next"]).json()
    back = client.get(second["previous"]).json()
    assert [h["post"] for h in back["results"]] == [h["post"] for h in first["results"]]


# Notifications ----------------------------------------------------------------------------------


def test_notifications_are_the_callers_own(as_role, other_employee, employee):
    _, alice = as_role("employee")
    bob = client_for(other_employee)
    bobs = bob.get(f"{V1}/notifications/").json()["results"]
    assert [(n["verb"], n["read_at"]) for n in bobs] == [("reply", None)]
    assert alice.get(f"{V1}/notifications/").json()["results"] == []

    error_of(alice.post(f"{V1}/notifications/{bobs[0]['id']}/read/"), 404, "not_found")
    error_of(alice.post(f"{V1}/notifications/abc/read/"), 404, "not_found")
    error_of(alice.post(f"{V1}/notifications/99999999999999999999999/read/"), 404, "not_found")
    response = bob.post(f"{V1}/notifications/{bobs[0]['id']}/read/")
    assert response.status_code == 200 and response.json()["read_at"] is not None
    assert bob.get(f"{V1}/notifications/?unread=true").json()["results"] == []
    assert len(bob.get(f"{V1}/notifications/?unread=false").json()["results"]) == 1
    error_of(bob.get(f"{V1}/notifications/?unread=maybe"), 400, "invalid")


# The audit log ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", NON_ADMINS)
def test_only_administrators_read_the_audit_log(as_role, role):
    _, client = as_role(role)
    error = error_of(client.get(f"{V1}/audit-events/"), 403, "permission_denied")
    assert error["message"] == "Only administrators read the audit log."
    assert_no_secops_text(client.get(f"{V1}/audit-events/"))


def test_the_audit_log_filters_and_verifies_its_chain(as_role, secret_thread):
    _, client = as_role("admin_user")
    body = client.get(f"{V1}/audit-events/").json()
    assert body["chain"] == {"ok": True, "checked": AuditEvent.objects.count(), "first_bad_id": None, "problem": ""}
    assert body["results"][0]["id"] == AuditEvent.objects.order_by("-id").first().pk

    starts = client.get(f"{V1}/audit-events/?verb=thread.start&category=security-ops").json()["results"]
    assert [(e["actor"], e["target_id"], e["category"]) for e in starts] == [
        ("priya", str(secret_thread.pk), "security-ops")]
    by_admin = walk(client, f"{V1}/audit-events/?actor=admin&page_size=2")
    assert {e["verb"] for e in by_admin} == {"category.create"} and len(by_admin) == 3
    targets = client.get(f"{V1}/audit-events/?target_type=forum.post").json()["results"]
    assert {e["verb"] for e in targets} == {"post.reply"}
    assert client.get(f"{V1}/audit-events/?verb=nothing.like.this").json()["results"] == []


# The assistant's kill switch --------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_everyone_reads_the_kill_switch_but_only_the_categories_they_can_see(as_role, role, admin_user, secops,
                                                                             general):
    ai_services.assistant_configure(acting_user=admin_user, disabled_categories=[secops, general])
    _, client = as_role(role)
    response = client.get(f"{V1}/assistant/")
    if role in OUTSIDERS:
        assert response.json() == {"enabled": True, "disabled_categories": ["general"]}
        assert_no_secops_text(response)
    else:
        assert response.json() == {"enabled": True, "disabled_categories": ["general", "security-ops"]}


@pytest.mark.parametrize("role", NON_ADMINS)
def test_only_administrators_pause_the_assistant(as_role, role):
    _, client = as_role(role)
    error = error_of(client.patch(f"{V1}/assistant/", {"enabled": False}, format="json"), 403, "permission_denied")
    assert error["message"] == "Only administrators can pause or resume the assistant."
    assert ai_services.assistant_switch().enabled


def test_an_administrator_pauses_and_resumes_the_assistant(as_role):
    _, client = as_role("admin_user")
    response = client.patch(f"{V1}/assistant/", {"enabled": False, "disabled_categories": ["security-ops"]},
                            format="json")
    assert response.json() == {"enabled": False, "disabled_categories": ["security-ops"]}
    assert client.patch(f"{V1}/assistant/", {"enabled": True}, format="json").json() == {
        "enabled": True, "disabled_categories": ["security-ops"]}
    assert client.patch(f"{V1}/assistant/", {"disabled_categories": []}, format="json").json() == {
        "enabled": True, "disabled_categories": []}
    assert AuditEvent.objects.filter(verb="assistant.configure").count() == 3
    error = error_of(client.patch(f"{V1}/assistant/", {"disabled_categories": ["nope"]}, format="json"),
                     404, "not_found")
    assert error["details"] == {"disabled_categories": ["No such category: nope."]}
    error = error_of(client.patch(f"{V1}/assistant/", {"enabled": "false"}, format="json"), 400, "invalid")
    assert list(error["details"]) == ["enabled"]


# The error format, pagination and throttling ----------------------------------------------------


@pytest.mark.parametrize("role", OUTSIDERS)
def test_no_response_anywhere_carries_restricted_text_to_outsiders(as_role, role, secret_thread, admin_user, secops):
    ai_services.assistant_configure(acting_user=admin_user, disabled_categories=[secops])
    _, client = as_role(role)
    for path in ("/me/", "/categories/", "/categories/security-ops/", "/categories/security-ops/grants/",
                 "/threads/", f"/threads/?q={MARKER}", "/threads/?category=security-ops",
                 f"/threads/{secret_thread.pk}/", f"/threads/{secret_thread.pk}/posts/", f"/search/?q={MARKER}",
                 f"/search/?q=vault+token+{MARKER}", "/search/?q=vault&category=security-ops", "/notifications/",
                 "/audit-events/", "/assistant/"):
        response = client.get(V1 + path)
        assert response.status_code in (200, 403, 404), (path, response.status_code)
        assert_no_secops_text(response)


def test_unknown_endpoints_and_methods_answer_in_the_error_format(as_role):
    _, client = as_role("employee")
    error_of(client.get(f"{V1}/nothing-here/"), 404, "not_found")
    error_of(client.get(f"{V1}/threads"), 404, "not_found")  # no trailing slash
    error_of(APIClient().get("/api/v2/threads/"), 404, "not_found")
    error_of(client.delete(f"{V1}/threads/"), 405, "method_not_allowed")
    error_of(client.put(f"{V1}/categories/general/", {}, format="json"), 405, "method_not_allowed")
    error_of(client.options(f"{V1}/threads/"), 405, "method_not_allowed")


@pytest.mark.parametrize("path", ["/threads/", "/categories/", "/notifications/", "/search/?q=python",
                                  "/categories/general/grants/", "/audit-events/", "/threads/1/posts/"])
@pytest.mark.parametrize("cursor", ["garbage", "%%%", base64.b64encode(b"o=-1").decode(),
                                    base64.b64encode(b"p=not-a-date").decode(),
                                    base64.b64encode(b"p=99999999999999999999999").decode(),
                                    base64.b64encode(b"r=x").decode()])
def test_a_tampered_cursor_points_nowhere(as_role, eng_thread, path, cursor):
    _, client = as_role("admin_user")
    path = path.replace("/1/", f"/{eng_thread.pk}/")
    separator = "&" if "?" in path else "?"
    error = error_of(client.get(f"{V1}{path}{separator}cursor={cursor}"), 404, "not_found")
    assert list(error["details"]) == ["cursor"]


def test_cursor_pagination_walks_forwards_and_backwards(as_role, employee, general):
    for n in range(7):
        make_thread(employee, general, title=f"Thread {n}")
    _, client = as_role("employee")
    threads = walk(client, f"{V1}/threads/?category=general&page_size=3&unknown=ignored")
    assert [t["title"] for t in threads] == [f"Thread {n}" for n in reversed(range(7))]

    first = client.get(f"{V1}/threads/?category=general&page_size=3").json()
    second = client.get(first["next"]).json()
    assert first["previous"] is None and second["previous"]
    back = client.get(second["previous"]).json()
    assert [t["id"] for t in back["results"]] == [t["id"] for t in first["results"]]
    posts = walk(client, f"{V1}/threads/{threads[0]['id']}/posts/?page_size=1")
    assert len(posts) == 1
    assert len(client.get(f"{V1}/threads/?page_size=1000").json()["results"]) == 8  # at most 100 a page
    assert len(client.get(f"{V1}/threads/?cursor=").json()["results"]) == 8  # an empty cursor: the first page
    for size in ("abc", "0", "-1", "1.5", ""):
        error = error_of(client.get(f"{V1}/threads/?page_size={size}"), 400, "invalid")
        assert list(error["details"]) == ["page_size"]


def test_throttled_callers_get_429_with_retry_after(as_role, settings, other_employee):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK,
                               "DEFAULT_THROTTLE_RATES": {"user": "3/min", "anon": "2/min"}}
    _, client = as_role("employee")
    for _ in range(3):
        assert client.get(f"{V1}/me/").status_code == 200
    error = error_of(client.get(f"{V1}/me/"), 429, "throttled")
    assert 0 < int(client.get(f"{V1}/me/")["Retry-After"]) <= 60
    assert error["details"]["retry_after"] > 0
    assert client_for(other_employee).get(f"{V1}/me/").status_code == 200  # counted per user

    anonymous = APIClient()
    for _ in range(2):
        anonymous.post(f"{V1}/auth/token/", {"username": "alice", "password": "nope"}, format="json")
    error_of(anonymous.post(f"{V1}/auth/token/", {"username": "alice", "password": PASSWORD}, format="json"),
             429, "throttled")


def test_service_rate_limits_carry_retry_after():
    response = exception_handler(RateLimited("Slow down.", retry_after=42), {})
    assert response.status_code == 429 and response["Retry-After"] == "42"
    assert response.data == {"error": {"code": "throttled", "message": "Slow down.", "details": {}}}


# Query counts -----------------------------------------------------------------------------------


def _grow(n, *, admin_user, employee, other_employee, general, secops, eng_thread):
    """n more of everything the lists show: threads, posts, notifications, categories, grants, events."""
    for i in range(n):
        thread = make_thread(employee, general, title=f"Grown thread {i}", body=f"growth body {i}")
        services.post_reply(acting_user=other_employee, thread=thread, body=f"growth reply {i}")
        services.post_reply(acting_user=other_employee, thread=eng_thread, body=f"growth answer {i}")
        grant(policy.VIEW, UserFactory(), secops)
        category = make_category(admin_user, f"Grown category {i} {n}", restricted=bool(i % 2))
        grant(policy.MODERATE, employee, category)


LIST_QUERIES = {
    # Every request: 1 for the token (and its user). Fetching a category or thread: 1, with the caller's
    # access to it in the same query (policy.with_access, remembered for the request).
    "/me/": 3,  # groups; categories with the access booleans annotated
    "/categories/": 2,
    "/threads/": 2,
    "/threads/{thread}/posts/": 3,  # the page (and published AI answers' details only when it shows some)
    # The words' frequencies, the candidate passages (SQLite: FTS5's ranking, then the readable ones), their
    # threads, the threads' passages, the shown passages' Markdown, authors and times.
    "/search/?q=growth": 6,
    "/notifications/": 2,
    "/categories/security-ops/grants/": 3,  # the category with the admin's access, both tables' rows
    "/audit-events/": 3,  # the page; the chain, streamed
}


@pytest.mark.parametrize(("path", "queries"), LIST_QUERIES.items())
def test_list_query_counts_do_not_grow_with_rows(path, queries, django_assert_num_queries, admin_user, employee,
                                                 other_employee, general, secops, eng_thread):
    client = client_for(admin_user if "grants" in path or "audit" in path else employee)
    queries += path.startswith("/search/") and connection.vendor == "sqlite"
    path = V1 + path.format(thread=eng_thread.pk)
    rows = {"admin_user": admin_user, "employee": employee, "other_employee": other_employee, "general": general,
            "secops": secops, "eng_thread": eng_thread}
    for added in (3, 27):  # 3 of everything, then 30
        _grow(added, **rows)
        with django_assert_num_queries(queries):
            response = client.get(path + ("&" if "?" in path else "?") + "page_size=100")
        assert response.status_code == 200
        assert len(response.json().get("results", response.json().get("categories"))) >= 3
