"""Every web URL of the project, found by walking the resolver: a GET never changes anything (actions answer
405), and a POST without the CSRF token is refused (403) and changes nothing, whoever sends it."""
import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.test import Client
from rest_framework.test import APIClient

from aiassist.models import AIAnswer, AnswerReport, Approval, AssistantSwitch, ClaimConfirmation
from forum.models import (
    AuditEvent,
    CategoryGroupObjectPermission,
    CategoryUserObjectPermission,
    Notification,
    Post,
    PostVote,
    Thread,
    ThreadWatch,
)

from .routes import blocking_key, resolve_all

User = get_user_model()

# Pages: a GET shows something. Every other route is an action and must refuse GET.
PAGES = {
    "favicon",
    "login", "healthz", "thread_start_with_assistant", "forum:home", "forum:thread_start", "retrieval:search",
    "retrieval:similar", "forum:category", "forum:thread", "forum:post_edit", "forum:notifications", "assistant:panel",
    "assistant:queue", "assistant:review", "assistant:metrics", "forum:profile", "forum:watching",
}


def state():
    """Everything a stray request could change (view receipts aside: reading a thread records them)."""
    return {
        "audit": AuditEvent.objects.count(),
        "threads": list(Thread.objects.order_by("pk").values_list("pk", "title", "locked", "category_id",
                                                                   "accepted_post_id")),
        "posts": list(Post.objects.order_by("pk").values_list("pk", "body", "hidden", "hidden_reason", "edited_at")),
        "answers": list(AIAnswer.objects.order_by("pk").values_list("pk", "status", "rating", "body",
                                                                     "attention_reason", "updated_at")),
        "approvals": Approval.objects.count(),
        "confirmations": ClaimConfirmation.objects.count(),
        "reports": AnswerReport.objects.count(),
        "notifications": list(Notification.objects.order_by("pk").values_list("pk", "read_at")),
        "grants": (CategoryUserObjectPermission.objects.count(), CategoryGroupObjectPermission.objects.count()),
        "memberships": User.groups.through.objects.count(),
        "groups": Group.objects.count(),
        "users": list(User.objects.order_by("pk").values_list("pk", "is_staff", "is_superuser", "is_active")),
        "switch": list(AssistantSwitch.objects.values_list("enabled", "updated_at")),
        "watches": list(ThreadWatch.objects.order_by("pk").values_list("pk", "watching")),
        "votes": list(PostVote.objects.order_by("pk").values_list("pk", "post_id", "user_id")),
    }


@pytest.mark.parametrize("role", ["asker", "reader", "moderator"])
def test_get_never_changes_state_and_actions_refuse_it(world, role):
    client = Client()
    client.force_login(world.users()[role])
    routes = resolve_all(world)
    assert {route.name for route, _, _ in routes} >= PAGES
    before = state()
    for route, path, data in routes:
        # The form's fields in the query string too: a view reading request.GET must not act on them.
        response = client.get(path, data)
        if route.name in PAGES:
            assert response.status_code in (200, 302, 403, 404), (route.name, response.status_code)
        else:
            assert response.status_code == 405, (route.name, path, response.status_code)
            assert "POST" in response["Allow"], route.name
        assert state() == before, f"GET {path} ({route.name}) as {role} changed something"


@pytest.mark.parametrize("role", ["asker", "reader"])
def test_head_answers_as_get_does_and_actions_refuse_it(world, role):
    """A monitor or a link preview asks HEAD: a page answers it as it answers GET (round 41's known gap: 405), with
    the same access checks (a thread the user may not read is 404 either way); an action refuses it as it refuses GET,
    and nothing changes."""
    client = Client()
    client.force_login(world.users()[role])
    before = state()
    for route, path, data in resolve_all(world):
        response = client.head(path, data)
        if route.name in PAGES:
            assert response.status_code == client.get(path, data).status_code, (route.name, path)
            assert response.status_code != 405, (route.name, path)  # the body: gunicorn drops it (the test client too)
        else:
            assert response.status_code == 405, (route.name, path, response.status_code)
        assert state() == before, f"HEAD {path} ({route.name}) as {role} changed something"


def test_head_of_a_thread_page_records_no_reading(world):
    """HEAD shows nothing: it leaves the thread unread and writes no view receipt (a receipt tells its reader of a
    retraction of text they were never shown; round 42's review)."""
    from forum.models import PostViewReceipt, ThreadRead
    client = Client()
    client.force_login(world.moderator)
    PostViewReceipt.objects.filter(user=world.moderator).delete()
    ThreadRead.objects.filter(user=world.moderator).delete()
    assert client.head(f"/t/{world.published.thread.pk}/").status_code == 200
    assert not ThreadRead.objects.filter(user=world.moderator).exists()
    assert not PostViewReceipt.objects.filter(user=world.moderator).exists()
    assert client.get(f"/t/{world.published.thread.pk}/").status_code == 200  # GET records both
    assert ThreadRead.objects.filter(user=world.moderator).exists()
    assert PostViewReceipt.objects.filter(user=world.moderator).exists()


# Each action and the user it belongs to. Logging out is left out of the next test: it changes the
# session, not the tables, and its 405 on GET is checked above like every other action's.
ACTIONS = {
    "forum:reply": "asker", "forum:lock": "moderator", "forum:move": "moderator", "forum:accept": "asker",
    "forum:post_hide": "moderator", "forum:notification_read": "asker", "forum:notifications_read_all": "asker",
    "forum:watch": "asker", "forum:post_vote": "asker",
    "assistant:ask": "asker", "assistant:discard": "asker", "assistant:restore": "asker", "assistant:retry": "asker",
    "assistant:regenerate": "asker", "assistant:feedback": "asker", "assistant:submit": "asker",
    "assistant:withdraw": "asker", "assistant:report": "asker", "assistant:approve": "moderator",
    "assistant:reject": "moderator", "assistant:retract": "moderator", "assistant:confirm": "moderator",
    "assistant:edit": "moderator", "assistant:confirm_claim": "moderator",
}


def test_every_action_is_listed(world):
    names = {route.name for route, _, _ in resolve_all(world)}
    # The preview renders Markdown and stores nothing; logging out is an action without a table.
    assert names - PAGES - {"forum:preview", "logout"} == set(ACTIONS)


@pytest.mark.parametrize("name", sorted(ACTIONS))
def test_the_walk_reaches_each_action_in_a_state_where_it_would_work(world, name):
    """The GET test proves something only if a POST would have acted: posted properly by the user it
    belongs to, each action changes the state (on a fresh world each)."""
    path, data = next((path, data) for route, path, data in resolve_all(world) if route.name == name)
    client = Client()
    client.force_login(world.users()[ACTIONS[name]])
    before = state()
    response = client.post(path, data)
    assert response.status_code in (200, 302), (name, response.status_code)
    assert state() != before, f"POST {path} ({name}) changed nothing: the GET test would prove nothing"


@pytest.mark.parametrize("role", ["anonymous", "asker", "moderator"])
def test_post_without_the_csrf_token_is_refused_everywhere(world, role):
    client = Client(enforce_csrf_checks=True)
    if role != "anonymous":
        client.force_login(world.users()[role])
    before = state()
    for route, path, data in resolve_all(world):
        response = client.post(path, data)
        assert response.status_code == 403, (route.name, path, response.status_code)
        assert b"CSRF" in response.content, route.name
        assert state() == before, f"POST {path} ({route.name}) without a CSRF token changed something"


def test_the_same_posts_with_the_token_are_accepted(world):
    """The 403s above are the CSRF check's: with the token, the same client gets past it."""
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.asker)
    client.get("/")  # sets the CSRF cookie
    token = client.cookies["csrftoken"].value
    response = client.post(f"/t/{world.thread.pk}/reply/", {"body": "With the token", "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Post.objects.filter(body="With the token").exists()


def test_api_session_post_without_csrf_token_is_refused(world):
    """The API takes a session too (DRF's SessionAuthentication): then it demands the CSRF token."""
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.asker)
    assert client.get("/api/v1/me/").status_code == 200
    before = state()
    response = client.post("/api/v1/threads/", {"category": world.engineering.slug, "title": "t", "body": "b"},
                           format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]
    assert state() == before


def test_api_confirm_claim_by_session_needs_the_csrf_token(world):
    """A forged cross-site POST cannot confirm a claim the sources do not support in a reviewer's name."""
    path = f"/api/v1/ai-answers/{world.ungrounded.pk}/confirm-claim/"
    payload = {"key": blocking_key(world.ungrounded), "reason": "Checked it"}
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.moderator)
    before = state()
    response = client.post(path, payload, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["error"]["message"]
    assert state() == before
    assert not ClaimConfirmation.objects.exists()
    client.get("/")  # sets the CSRF cookie: the same request with the token confirms the claim
    response = client.post(path, payload, format="json", HTTP_X_CSRFTOKEN=client.cookies["csrftoken"].value)
    assert response.status_code == 200, response.content
    assert ClaimConfirmation.objects.filter(answer=world.ungrounded, reviewer=world.moderator).count() == 1
