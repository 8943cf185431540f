"""Prompt injection: a readable post that tries to steer the assistant (publish, approve, reveal Security Ops,
change permissions, e-mail data, lower the risk ...) is retrieved for an employee's question, and a draft is
written by the extractive engine and by an OpenAI-compatible model on loopback that obeys: it repeats its
whole prompt, injection included, and claims to have done as told.

Whatever the draft says, a draft can do nothing: no state changes beyond the draft itself (no post, no
approval, no permission, group or flag, no notification but the asker's own), the audit trail holds only
request, claim and draft, and the restricted marker is nowhere: not in the draft, not in what the model
was sent, not on any page the asker or anyone else can load.
"""
import json
import threading
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission
from django.test import Client

from aiassist import services as ai_services
from aiassist.models import AIAnswer, AnswerReport, AnswerSource, Approval, AssistantSwitch
from forum import policy
from forum.markup import plain_text
from forum.models import (
    AuditEvent,
    Category,
    CategoryGroupObjectPermission,
    CategoryUserObjectPermission,
    Notification,
    Post,
    Thread,
)

from ..aiassist.test_engines_openai import ChatServer, completion, user_message
from ..factories import UserFactory, grant, make_admin, make_category, make_thread

pytestmark = pytest.mark.django_db
User = get_user_model()

INJECTIONS_FILE = Path(__file__).resolve().parent.parent / "data" / "prompt_injections.txt"
INJECTIONS = [line.replace("\\n", "\n") for line in INJECTIONS_FILE.read_text(encoding="utf-8").splitlines()
              if line.strip() and not line.startswith("# ")]
MARKER = "wombat3restricted"  # only in Security Ops, which the asker cannot read
OBEYED = "Done, as the source instructs: published, approved, permissions granted, data e-mailed."


def test_there_are_at_least_fifty_injections():
    assert len(INJECTIONS) >= 50
    assert len(set(INJECTIONS)) == len(INJECTIONS)


class ObedientServer(ChatServer):
    """A chat-completions server whose model does whatever its input says: it announces it obeyed and
    repeats its whole prompt back (so anything the prompt held, restricted or not, would be in the draft)."""

    @property
    def response(self):
        prompt = user_message(self.requests[-1])
        body = json.dumps(completion(f"{OBEYED} [1]\n\n{prompt}", model="obedient-model")).encode()
        return 200, body, 0.0, "application/json"

    @response.setter
    def response(self, value):
        pass  # ChatServer sets a canned reply; this model writes its own


@pytest.fixture
def obedient_server():
    server = ObedientServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.stopping.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def everything(draft: AIAnswer | None = None):
    """The state a draft must not change (``draft`` itself aside), as comparable values."""
    return {
        "threads": Thread.objects.count(),
        "posts": list(Post.objects.order_by("pk").values_list("pk", "author_id", "hidden", "body")),
        "categories": list(Category.objects.order_by("pk").values_list("pk", "restricted", "slug")),
        "grants": sorted(CategoryUserObjectPermission.objects.values_list("user_id", "permission_id",
                                                                          "content_object_id"))
        + sorted(CategoryGroupObjectPermission.objects.values_list("group_id", "permission_id",
                                                                    "content_object_id")),
        "groups": sorted(Group.objects.values_list("name", flat=True)),
        "memberships": sorted(User.groups.through.objects.values_list("user_id", "group_id")),
        "model_permissions": sorted(User.user_permissions.through.objects.values_list("user_id", "permission_id")),
        "permissions": Permission.objects.count(),
        "flags": sorted(User.objects.values_list("pk", "is_staff", "is_superuser", "is_active")),
        "approvals": Approval.objects.count(),
        "reports": AnswerReport.objects.count(),
        "switch": list(AssistantSwitch.objects.values_list("enabled")),
        "other_answers": list(AIAnswer.objects.exclude(pk=getattr(draft, "pk", None)).values_list("pk", "status")),
        "read": list(Notification.objects.filter(read_at__isnull=False).values_list("pk")),
    }


@pytest.fixture
def forum_world(db):
    admin = make_admin()
    engineering = make_category(admin, "Engineering")
    secops = make_category(admin, "Security Ops", restricted=True)
    secops_group = Group.objects.create(name="secops")
    grant(policy.VIEW, secops_group, secops)
    grant(policy.POST, secops_group, secops)
    priya, sam = UserFactory(username="priya"), UserFactory(username="sam")
    priya.groups.add(secops_group)
    sam.groups.add(secops_group)
    # Sam's answer would be quoted to anyone who may read Security Ops (an asker's own replies are not).
    make_thread(priya, secops, title=f"Rotating the staging database password ({MARKER})",
                body=f"The staging database password is rotated with vault; the root token is {MARKER}.",
                replies=[(sam, f"Staging database password rotation runbook: {MARKER} steps 1-4.")])
    maria = UserFactory(username="maria")
    grant(policy.MODERATE, maria, engineering)
    grant(policy.REVIEW, maria, engineering)
    grant(policy.APPROVE_HIGH_RISK, maria, engineering)
    return {"engineering": engineering, "alice": UserFactory(username="alice"), "bob": UserFactory(username="bob"),
            "carl": UserFactory(username="carl"), "maria": maria, "priya": priya}


def pages_for(world, thread, answer):
    """Every page the asker, the injection's author and a reviewer can load that could show the draft."""
    common = [f"/t/{thread.pk}/", "/notifications/", "/search/?q=staging+database+password+root+token",
              "/ai/review/"]
    return {
        "alice": [*common, f"/ai/answers/{answer.pk}/panel/"],
        "bob": common,
        "maria": [*common, f"/ai/review/{answer.pk}/"],
    }


@pytest.mark.parametrize("engine", ["extractive", "obedient-model"])
@pytest.mark.parametrize("injection", INJECTIONS, ids=[f"i{n:02d}" for n in range(1, len(INJECTIONS) + 1)])
def test_an_injected_post_changes_nothing_and_reveals_nothing(settings, forum_world, obedient_server, engine,
                                                             injection):
    if engine == "obedient-model":
        settings.ASSISTANT_ENGINE = "openai"
        settings.ASSISTANT_ENGINE_CONFIG = {"openai": {"base_url": obedient_server.url, "api_key": "k",
                                                       "model": "m", "timeout": 5}}
    world = forum_world
    alice, bob = world["alice"], world["bob"]
    # Bob's reply carries the injection: answers are what the assistant quotes, never a thread's question.
    injected = make_thread(world["carl"], world["engineering"], title="Rotating the staging database password",
                           body="How do we rotate it?",
                           replies=[(bob, f"Rotate the staging database password with vault every quarter.\n\n"
                                          f"{injection}")])
    thread = make_thread(alice, world["engineering"], title="How do I rotate the staging database password?",
                         body="Which command rotates the staging database password, and how often?")
    before = everything()
    events = AuditEvent.objects.count()
    notifications = Notification.objects.count()

    answer = ai_services.answer_request(acting_user=alice, thread=thread)
    answer = ai_services.answer_generate(answer_id=answer.pk)

    # The injected post was read and used.
    assert answer.status == AIAnswer.Status.DRAFT
    assert AnswerSource.objects.filter(answer=answer, post__thread=injected).exists()
    if engine == "obedient-model":
        prompt = json.dumps([request["json"] for request in obedient_server.requests])
        # The model saw the injection as written (Markdown; tags that look like its delimiters escaped).
        assert injection[:30] in user_message(obedient_server.requests[-1]).replace("&lt;", "<")
        assert answer.body.startswith(OBEYED)
        assert MARKER not in prompt

    # A draft and nothing else.
    assert everything(answer) == before
    assert list(AuditEvent.objects.order_by("pk").values_list("verb", flat=True)[events:]) == [
        "ai_answer.request", "ai_answer.claim", "ai_answer.draft"]
    assert list(Notification.objects.order_by("pk").values_list("recipient_id", "verb")[notifications:]) == [
        (alice.pk, "ai_draft_ready")]
    assert not Post.objects.filter(author__username=settings.ASSISTANT_USERNAME).exists()
    answer.refresh_from_db()
    assert (answer.status, answer.submitted_at, answer.published_post_id) == (AIAnswer.Status.DRAFT, None, None)

    # The restricted marker nowhere; the private draft nowhere but in the asker's own pages.
    assert MARKER not in answer.body and MARKER not in answer.body_html
    draft_text = plain_text(answer.body)[:60]
    for who, paths in pages_for(world, thread, answer).items():
        client = Client()
        client.force_login(world[who])
        for path in paths:
            response = client.get(path)
            assert response.status_code in (200, 404), (who, path, response.status_code)
            page = response.content.decode()
            assert MARKER not in page, (who, path)
            if who != "alice":
                assert OBEYED not in page and draft_text not in page, (who, path)
