"""The assistant's JSON API: every endpoint for every role, the same matrix as the web pages
(DESIGN.md, "REST API contract (v1)" and "AI answer lifecycle").

Who may see an answer: its asker always; the category's reviewers once it is submitted; nobody else,
superusers included (404, the same as a missing answer). Who may act: the asker's verbs answer 403
to reviewers who can see the answer, the reviewers' verbs 403 to the asker, and both 404 to everyone
who cannot see it. Illegal transitions are 409, missing reasons 400, and every error is
``{"error": {"code", "message", "details"}}``. A private draft's text reaches nobody but its asker,
through any endpoint. Answers are drafted through the real services, as the worker does.

At the end, what the API does with the unexpected (a JSON 500, and the database's errors left to the
503 middleware) and the audit log's chain verification, which only its first page carries.
"""
import json
import logging

import pytest
from django.db import InterfaceError, OperationalError
from django.urls import include, path
from rest_framework.views import APIView

from aiassist import disclaimers
from aiassist import services as ai_services
from aiassist.models import AIAnswer, AnswerReport, Approval
from common.api import exception_handler
from forum import policy
from forum.models import AuditEvent, Post

from ..factories import grant, make_thread
from .conftest import (
    QUESTIONS,
    V1,
    ask,
    client_for,
    drafted,
    edit_out,
    error_of,
    in_state,
    reload,
    source_asker,
    source_author,
    walk,
)

pytestmark = pytest.mark.django_db

S = AIAnswer.Status
# One token ([a-z0-9]) so the search tokeniser keeps it whole; it appears nowhere else in the app.
MARKER = "quokka7private"

ROLES = ["asker", "other_employee", "eng_moderator", "eng_plain_moderator", "general_moderator",
         "security_reviewer", "admin_user"]
REVIEWERS = {"eng_moderator", "security_reviewer"}  # hold review_ai_answers on Engineering
NOT_ASKER = [role for role in ROLES if role != "asker"]
REPRESENTATION = {"id", "thread", "status", "body", "is_ai_generated", "disclaimer", "risk", "risk_reasons",
                  "sources", "approvals", "approvals_needed", "created_at"}
SOURCE_FIELDS = {"number", "cited", "role", "post", "thread", "title", "category", "restricted", "text"}


@pytest.fixture
def user_of(request, employee, other_employee, eng_moderator, eng_plain_moderator, general_moderator,
            security_reviewer, admin_user):
    """``user_of(role)``: the user playing that role (the asker is alice, the employee)."""
    return lambda role: request.getfixturevalue("employee" if role == "asker" else role)


@pytest.fixture
def as_role(user_of):
    return lambda role: client_for(user_of(role))


def verb(client, answer, name, body=None):
    return client.post(f"{V1}/ai-answers/{answer.pk}/{name}/", body or {}, format="json")


def assert_is_an_answer(data: dict):
    """Every AI answer the API shows carries its machine-written label and disclaimer."""
    assert REPRESENTATION <= set(data), REPRESENTATION - set(data)
    assert data["is_ai_generated"] is True
    assert data["disclaimer"] == disclaimers.disclaimer_for(data["status"])
    assert data["risk"] in AIAnswer.Risk.values and isinstance(data["risk_reasons"], list)
    assert isinstance(data["approvals"], list)
    for source in data["sources"]:
        assert set(source) == SOURCE_FIELDS


# Asking -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_anyone_who_can_read_a_thread_may_ask_for_a_private_draft(as_role, user_of, role, engineering, secops,
                                                                  secops_member, other_employee):
    eng_thread = make_thread(other_employee, engineering, title="Which linter do we use?")
    secret = make_thread(secops_member, secops, title="Rotating the vault root token")
    client, user = as_role(role), user_of(role)

    response = client.post(f"{V1}/threads/{eng_thread.pk}/ai-answers/")
    assert response.status_code == 202, response.content
    answer = AIAnswer.objects.get(asker=user, thread=eng_thread)
    assert response.json() == {"id": answer.pk, "status": "queued"}

    response = client.post(f"{V1}/threads/{secret.pk}/ai-answers/")
    if policy.can_view_thread(user, secret):  # superuser and Security Ops members
        assert response.status_code == 202
    else:
        error_of(response, 404, "not_found")
        assert "vault" not in response.content.decode()
        assert not AIAnswer.objects.filter(thread=secret).exists()


def test_asking_about_a_thread_that_does_not_exist(as_role):
    client = as_role("asker")
    for thread_id in ("99999999", "abc", "0"):
        error_of(client.post(f"{V1}/threads/{thread_id}/ai-answers/"), 404, "not_found")
    assert not AIAnswer.objects.exists()


def test_a_paused_assistant_answers_409_globally_and_per_category(as_role, admin_user, engineering, general,
                                                                  other_employee):
    eng_thread = make_thread(other_employee, engineering, title="Engineering question")
    general_thread = make_thread(other_employee, general, title="General question")
    client = as_role("asker")

    ai_services.assistant_configure(acting_user=admin_user, disabled_categories=[engineering])
    error = error_of(client.post(f"{V1}/threads/{eng_thread.pk}/ai-answers/"), 409, "assistant_paused")
    assert "paused in Engineering" in error["message"]
    assert client.post(f"{V1}/threads/{general_thread.pk}/ai-answers/").status_code == 202

    ai_services.assistant_configure(acting_user=admin_user, enabled=False, disabled_categories=[])
    error = error_of(client.post(f"{V1}/threads/{general_thread.pk}/ai-answers/"), 409, "assistant_paused")
    assert "paused by the administrators" in error["message"]
    assert AIAnswer.objects.count() == 1


def test_the_hourly_quota_answers_429_with_retry_after(as_role, settings, engineering, other_employee,
                                                       eng_moderator):
    settings.ASSISTANT_QUOTA_PER_HOUR = 2
    thread = make_thread(other_employee, engineering, title="Quota question")
    client = as_role("asker")
    for _ in range(2):
        assert client.post(f"{V1}/threads/{thread.pk}/ai-answers/").status_code == 202
    response = client.post(f"{V1}/threads/{thread.pk}/ai-answers/")
    error = error_of(response, 429, "throttled")
    assert "2 times in the last hour" in error["message"]
    assert 3500 < int(response["Retry-After"]) <= 3600
    assert AIAnswer.objects.count() == 2
    assert client_for(eng_moderator).post(f"{V1}/threads/{thread.pk}/ai-answers/").status_code == 202  # per user


# Listing and reading ------------------------------------------------------------------------------


def test_the_list_holds_only_the_callers_own_answers(as_role, employee, other_employee, eng_moderator,
                                                     engineering):
    mine = [in_state(state, employee, engineering, reviewers=[eng_moderator])
            for state in (S.DRAFT, S.IN_REVIEW, S.PUBLISHED, S.FAILED)]
    bobs = in_state(S.IN_REVIEW, other_employee, engineering)

    listed = walk(as_role("asker"), f"{V1}/ai-answers/?page_size=2")
    assert [a["id"] for a in listed] == [a.pk for a in reversed(mine)]
    for data in listed:
        assert_is_an_answer(data)
    assert [a["id"] for a in walk(as_role("other_employee"), f"{V1}/ai-answers/")] == [bobs.pk]
    for role in ("eng_moderator", "security_reviewer", "admin_user"):  # reviewing is not owning
        assert walk(as_role(role), f"{V1}/ai-answers/") == []


def test_the_list_filters_by_status(as_role, employee, eng_moderator, engineering):
    draft = in_state(S.DRAFT, employee, engineering)
    in_review = in_state(S.IN_REVIEW, employee, engineering)
    client = as_role("asker")
    assert [a["id"] for a in walk(client, f"{V1}/ai-answers/?status=draft")] == [draft.pk]
    assert [a["id"] for a in walk(client, f"{V1}/ai-answers/?status=in_review")] == [in_review.pk]
    assert walk(client, f"{V1}/ai-answers/?status=published") == []
    error = error_of(client.get(f"{V1}/ai-answers/?status=approved"), 400, "invalid")
    assert list(error["details"]) == ["status"]
    assert error["message"].startswith("status: ")


@pytest.mark.parametrize("state", [S.QUEUED, S.FAILED, S.DRAFT, S.DISCARDED, S.IN_REVIEW, S.PUBLISHED, S.REJECTED,
                                   S.RETRACTED])
@pytest.mark.parametrize("role", ROLES)
def test_who_may_read_an_answer(as_role, employee, eng_moderator, engineering, role, state):
    answer = in_state(state, employee, engineering, reviewers=[eng_moderator])
    response = as_role(role).get(f"{V1}/ai-answers/{answer.pk}/")
    if role == "asker" or (role in REVIEWERS and state in (S.IN_REVIEW, S.PUBLISHED, S.REJECTED, S.RETRACTED)):
        assert response.status_code == 200
        data = response.json()
        assert_is_an_answer(data)
        assert (data["id"], data["status"], data["asker"]) == (answer.pk, state, "alice")
    else:
        error = error_of(response, 404, "not_found")
        assert error["message"].startswith("No such answer")
        assert "retry_backoff" not in response.content.decode()


def test_unknown_or_malformed_answer_ids_are_404(as_role):
    client = as_role("asker")
    for answer_id in ("99999999", "abc", "0", "99999999999999999999999"):
        error_of(client.get(f"{V1}/ai-answers/{answer_id}/"), 404, "not_found")
        error_of(client.post(f"{V1}/ai-answers/{answer_id}/submit/"), 404, "not_found")


# The private draft reaches nobody but its asker ---------------------------------------------------


def ask_with_marker(asker, category):
    """A question whose draft will quote ``MARKER`` from a colleague's reply (returns thread, reply)."""
    return ask(asker, category, extra=f" {MARKER}")


def test_a_private_drafts_text_appears_in_no_response_to_anyone_but_its_asker(
        as_role, user_of, employee, engineering, eng_moderator, security_reviewer, eng_plain_moderator):
    thread, source = ask_with_marker(employee, engineering)
    answer = drafted(employee, thread)
    assert MARKER in answer.body
    edit_out(source, f" {MARKER}")  # now the draft is the only place the text lives
    # Everything around it in motion: another answer in review and one published, in the same category.
    in_state(S.IN_REVIEW, employee, engineering)
    in_state(S.PUBLISHED, employee, engineering, reviewers=[eng_moderator])

    paths = ["/threads/", f"/threads/?q={MARKER}", f"/threads/{thread.pk}/", f"/threads/{thread.pk}/posts/",
             f"/threads/{source.thread_id}/posts/", f"/search/?q={MARKER}", "/search/?q=celery+retries+back+off",
             "/notifications/", "/review-queue/", "/ai-answers/", f"/ai-answers/{answer.pk}/", "/me/",
             "/audit-events/?page_size=100", "/categories/engineering/", "/assistant/"]
    for role in NOT_ASKER:
        client = as_role(role)
        for path_ in paths:
            response = client.get(V1 + path_)
            assert response.status_code in (200, 403, 404), (role, path_, response.status_code)
            assert MARKER not in response.content.decode(), f"the draft leaked to {role} through {path_}"
        if role == "admin_user":  # the one who reads the audit log reads all of it
            assert MARKER not in json.dumps(walk(client, f"{V1}/audit-events/?page_size=100"))

    asker = as_role("asker")
    # Its asker's too: the text its author took back is nobody's now (tests/security/test_taken_back.py).
    assert asker.get(f"{V1}/ai-answers/{answer.pk}/").status_code == 404
    assert MARKER not in asker.get(f"{V1}/ai-answers/").content.decode()
    assert MARKER not in asker.get(f"{V1}/search/?q={MARKER}").content.decode()  # the source no longer says it


def test_audit_events_record_answers_without_their_text(as_role, employee, engineering, eng_moderator,
                                                        security_reviewer):
    thread, source = ask_with_marker(employee, engineering)
    answer = drafted(employee, thread)
    # (The source keeps MARKER: a draft whose source changed since could not be submitted, DraftOutdated.)
    asker, maria = as_role("asker"), as_role("eng_moderator")
    assert verb(asker, answer, "feedback", {"rating": "helpful"}).status_code == 200
    assert verb(asker, answer, "submit").status_code == 200
    edited = answer.body + "\n\nChecked by maria: quokka7edited."
    response = verb(maria, answer, "approve", {"body": edited})
    assert response.json()["status"] == "published" and response.json()["body"] == edited
    assert verb(as_role("security_reviewer"), answer, "retract", {"reason": "Superseded."}).status_code == 200

    events = walk(as_role("admin_user"), f"{V1}/audit-events/?target_type=aiassist.aianswer&page_size=100")
    verbs = [e["verb"] for e in reversed(events)]
    # The private phase (request, claim, draft, feedback) is in the chain but shown to no reader of the log.
    assert verbs == ["ai_answer.submit", "ai_answer.edit", "ai_answer.approve", "ai_answer.publish",
                     "ai_answer.retract"]
    recorded = json.dumps([e["data"] for e in events])
    for text in (MARKER, "quokka7edited", "retry_backoff", "Here is what colleagues"):
        assert text not in recorded
    edit = next(e for e in events if e["verb"] == "ai_answer.edit")
    assert set(edit["data"]) == {"before", "after", "risk"}
    assert all(len(edit["data"][k]) == 64 for k in ("before", "after"))  # hashes of the texts, not the texts


# The asker's verbs ----------------------------------------------------------------------------------

# verb: (the state it starts from, request body, success status, the state after)
ASKER_VERBS = {
    "submit": (S.DRAFT, {}, 200, S.IN_REVIEW),
    "discard": (S.DRAFT, {}, 200, S.DISCARDED),
    "regenerate": (S.DRAFT, {"audience": "thread"}, 202, S.DISCARDED),
    "feedback": (S.DRAFT, {"rating": "not_helpful"}, 200, S.DRAFT),
    "retry": (S.FAILED, {}, 202, S.QUEUED),
    "withdraw": (S.IN_REVIEW, {}, 200, S.DRAFT),
}


@pytest.mark.parametrize("name", ASKER_VERBS)
@pytest.mark.parametrize("role", ROLES)
def test_the_askers_verbs(as_role, employee, engineering, role, name):
    start, body, success, after = ASKER_VERBS[name]
    answer = in_state(start, employee, engineering)
    response = verb(as_role(role), answer, name, body)
    if role == "asker":
        assert response.status_code == success, response.content
        data = response.json()
        if success == 202:
            assert set(data) == {"id", "status"} and data["status"] == "queued"
        else:
            assert_is_an_answer(data)
            assert data["status"] == after
        if name == "regenerate":
            fresh_answer = AIAnswer.objects.get(pk=data["id"])
            assert (fresh_answer.regenerated_from_id, fresh_answer.audience) == (answer.pk, "thread")
        if name == "feedback":
            assert data["rating"] == "not_helpful"
        assert reload(answer).status == after
    else:
        if start == S.IN_REVIEW and role in REVIEWERS:
            error = error_of(response, 403, "permission_denied")
            assert "Only the person who asked" in error["message"]
        else:
            error_of(response, 404, "not_found")
        assert reload(answer).status == start


@pytest.mark.parametrize("name", ["submit", "discard", "regenerate", "feedback", "retry"])
@pytest.mark.parametrize("role", NOT_ASKER)
def test_reviewers_who_can_see_a_submitted_answer_may_not_use_the_askers_verbs(as_role, employee, engineering,
                                                                                role, name):
    answer = in_state(S.IN_REVIEW, employee, engineering)
    response = verb(as_role(role), answer, name, ASKER_VERBS[name][1])
    if role in REVIEWERS:
        error_of(response, 403, "permission_denied")
    else:
        error_of(response, 404, "not_found")
    assert reload(answer).status == S.IN_REVIEW and reload(answer).rating == ""


@pytest.mark.parametrize(("start", "name", "body"), [
    (S.IN_REVIEW, "submit", {}), (S.IN_REVIEW, "discard", {}), (S.IN_REVIEW, "regenerate", {}),
    (S.IN_REVIEW, "retry", {}), (S.DRAFT, "withdraw", {}), (S.DRAFT, "retry", {}), (S.QUEUED, "feedback",
                                                                                      {"rating": "helpful"}),
    (S.DISCARDED, "submit", {}), (S.PUBLISHED, "discard", {}), (S.PUBLISHED, "withdraw", {}),
])
def test_illegal_transitions_of_the_askers_verbs_are_409(as_role, employee, engineering, eng_moderator, start,
                                                         name, body):
    answer = in_state(start, employee, engineering, reviewers=[eng_moderator])
    error_of(verb(as_role("asker"), answer, name, body), 409, "conflict")
    assert reload(answer).status == start


@pytest.mark.parametrize(("name", "body", "field"), [
    ("feedback", {}, "rating"), ("feedback", {"rating": "meh"}, "rating"), ("feedback", {"rating": ""}, "rating"),
    ("regenerate", {"audience": "everyone"}, "audience"), ("regenerate", {"audience": ["thread"]}, "audience"),
])
def test_bad_input_to_the_askers_verbs_is_400(as_role, employee, engineering, name, body, field):
    answer = in_state(S.DRAFT, employee, engineering)
    error = error_of(verb(as_role("asker"), answer, name, body), 400, "invalid")
    assert list(error["details"]) == [field]
    assert reload(answer).status == S.DRAFT and AIAnswer.objects.count() == 1


def test_a_draft_citing_what_the_threads_audience_may_not_read_is_refused_with_the_sources(
        as_role, secops_member, secops, general, security_reviewer):
    dana, erin = source_author(), source_asker()
    for colleague in (dana, erin):
        grant(policy.VIEW, colleague, secops)
        grant(policy.POST, colleague, secops)
    make_thread(erin, secops, title=QUESTIONS["low"][2], body="Which settings matter?",
                replies=[(dana, QUESTIONS["low"][3].format(extra=""))])
    thread = make_thread(secops_member, general, title=QUESTIONS["low"][0], body=QUESTIONS["low"][1])
    answer = drafted(secops_member, thread)
    client = client_for(secops_member)
    error = error_of(verb(client, answer, "submit"), 409, "sources_outside_audience")
    assert error["details"] == {"sources": [1]}
    response = verb(client, answer, "regenerate", {"audience": "thread"})
    assert response.status_code == 202 and reload(answer).status == S.DISCARDED


def test_a_draft_that_found_no_answer_cannot_be_submitted(as_role, employee, engineering, eng_moderator):
    # Nothing anyone wrote answers this question: the draft says so, and there is nothing for a reviewer to check.
    thread = make_thread(employee, engineering, title="How do we keep gRPC streams alive through Envoy?",
                         body="Envoy's idle timeout cuts our long-lived gRPC streams.")
    answer = drafted(employee, thread)
    data = as_role("asker").get(f"{V1}/ai-answers/{answer.pk}/").json()
    assert data["declined"] is True and data["sources"] == [] and data["risk"] == "low"
    answering = in_state(S.DRAFT, employee, engineering)
    assert as_role("asker").get(f"{V1}/ai-answers/{answering.pk}/").json()["declined"] is False
    error = error_of(verb(as_role("asker"), answer, "submit"), 409, "conflict")
    assert "nothing to review" in error["message"]
    assert reload(answer).status == S.DRAFT and answer.submitted_at is None
    assert not AuditEvent.objects.filter(verb="ai_answer.submit").exists()
    # Reviewers were told nothing and see nothing.
    assert as_role("eng_moderator").get(f"{V1}/ai-answers/{answer.pk}/").status_code == 404


# The reviewers' verbs -------------------------------------------------------------------------------

# verb: (the state it starts from, request body, the state after)
REVIEWER_VERBS = {
    "approve": (S.IN_REVIEW, {}, S.PUBLISHED),
    "reject": (S.IN_REVIEW, {"reason": "It answers another question."}, S.REJECTED),
    "retract": (S.PUBLISHED, {"reason": "The setting was renamed."}, S.RETRACTED),
    "confirm": ("flagged", {}, S.PUBLISHED),
}


def _reviewer_start(start, employee, engineering, eng_moderator, other_employee):
    if start != "flagged":
        return in_state(start, employee, engineering, reviewers=[eng_moderator])
    answer = in_state(S.PUBLISHED, employee, engineering, reviewers=[eng_moderator])
    ai_services.answer_report(acting_user=other_employee, answer=answer, reason="This no longer works.")
    return reload(answer)


@pytest.mark.parametrize("name", REVIEWER_VERBS)
@pytest.mark.parametrize("role", ROLES)
def test_the_reviewers_verbs(as_role, employee, engineering, eng_moderator, other_employee, role, name):
    start, body, after = REVIEWER_VERBS[name]
    answer = _reviewer_start(start, employee, engineering, eng_moderator, other_employee)
    before = reload(answer).status
    response = verb(as_role(role), answer, name, body)
    # Retracting is also always open to the category's moderators and administrators (reviewers or not).
    if role in REVIEWERS or (name == "retract" and role in {"eng_plain_moderator", "admin_user"}):
        assert response.status_code == 200, response.content
        data = response.json()
        if name == "retract" and role in {"eng_plain_moderator", "admin_user"}:  # may withdraw, may not read
            assert not {"body", "body_html", "original_body", "sources", "grounding"} & set(data), data
        else:
            assert_is_an_answer(data)
        assert data["status"] == after
        if name == "approve":
            assert [a["reviewer"] for a in data["approvals"]] == [{"eng_moderator": "maria",
                                                                   "security_reviewer": "sam"}[role]]
        if name == "confirm":
            assert data["attention_reason"] == ""
        assert reload(answer).status == after
        return
    if role == "asker":
        error = error_of(response, 403, "permission_denied")
        assert error["message"] == ("Only reviewers and moderators of this category may retract an answer."
                                    if name == "retract" else "Only reviewers of this category may do this.")
    else:
        error_of(response, 404, "not_found")
    assert reload(answer).status == before


@pytest.mark.parametrize("name", REVIEWER_VERBS)
@pytest.mark.parametrize("role", ["eng_moderator", "security_reviewer"])
def test_reviewers_cannot_act_on_a_private_draft(as_role, employee, engineering, role, name):
    answer = in_state(S.DRAFT, employee, engineering)
    error_of(verb(as_role(role), answer, name, REVIEWER_VERBS[name][1]), 404, "not_found")
    assert reload(answer).status == S.DRAFT


@pytest.mark.parametrize("name", ["approve", "reject"])
def test_the_asker_never_reviews_their_own_answer_even_as_a_superuser_with_review_grants(
        admin_user, engineering, name):
    grant(policy.REVIEW, admin_user, engineering)
    grant(policy.APPROVE_HIGH_RISK, admin_user, engineering)
    answer = in_state(S.IN_REVIEW, admin_user, engineering)
    client = client_for(admin_user)
    assert client.get(f"{V1}/ai-answers/{answer.pk}/").status_code == 200
    assert [a["id"] for a in client.get(f"{V1}/review-queue/").json()["results"]] == [answer.pk]
    error = error_of(verb(client, answer, name, REVIEWER_VERBS[name][1]), 403, "permission_denied")
    assert error["message"] == "You asked this question: someone else must review the answer."
    assert reload(answer).status == S.IN_REVIEW
    assert not Approval.objects.exists()


@pytest.mark.parametrize(("start", "name"), [
    (S.PUBLISHED, "approve"), (S.PUBLISHED, "reject"), (S.IN_REVIEW, "retract"), (S.IN_REVIEW, "confirm"),
    (S.PUBLISHED, "confirm"), (S.REJECTED, "approve"), (S.RETRACTED, "retract"), (S.RETRACTED, "approve"),
])
def test_illegal_transitions_of_the_reviewers_verbs_are_409(as_role, employee, engineering, eng_moderator,
                                                            start, name):
    answer = in_state(start, employee, engineering, reviewers=[eng_moderator])
    error_of(verb(as_role("security_reviewer"), answer, name, REVIEWER_VERBS[name][1]), 409, "conflict")
    assert reload(answer).status == start


@pytest.mark.parametrize(("start", "name"), [(S.IN_REVIEW, "reject"), (S.PUBLISHED, "retract")])
@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}, {"reason": "x" * 1001}, {"reason": None}])
def test_rejecting_and_retracting_need_a_reason(as_role, employee, engineering, eng_moderator, start, name, body):
    answer = in_state(start, employee, engineering, reviewers=[eng_moderator])
    error = error_of(verb(as_role("eng_moderator"), answer, name, body), 400, "invalid")
    assert list(error["details"]) == ["reason"]
    assert reload(answer).status == start


def test_an_approval_with_an_empty_edited_body_is_400(as_role, employee, engineering):
    answer = in_state(S.IN_REVIEW, employee, engineering)
    error = error_of(verb(as_role("eng_moderator"), answer, "approve", {"body": " \n "}), 400, "invalid")
    assert list(error["details"]) == ["body"]
    assert reload(answer).status == S.IN_REVIEW and not Approval.objects.exists()


def test_high_risk_needs_two_approvals_one_from_a_security_reviewer(as_role, employee, engineering, rita,
                                                                     security_reviewer):
    answer = in_state(S.IN_REVIEW, employee, engineering, risk="high")
    maria, sam = as_role("eng_moderator"), as_role("security_reviewer")
    data = maria.get(f"{V1}/ai-answers/{answer.pk}/").json()
    assert data["risk"] == "high" and "chmod -R 777" in data["risk_reasons"][0]
    assert data["risk_notice"].startswith("High-risk advice")

    data = verb(maria, answer, "approve").json()
    assert data["status"] == "in_review"
    assert data["approvals_needed"] == {"have": 1, "need": 2, "needs_security_reviewer": True, "complete": False}
    error = error_of(verb(maria, answer, "approve"), 409, "conflict")
    assert "already approved" in error["message"]

    data = verb(client_for(rita), answer, "approve").json()  # two people, neither a security reviewer
    assert data["status"] == "in_review"
    assert data["approvals_needed"] == {"have": 2, "need": 2, "needs_security_reviewer": True, "complete": False}

    data = verb(sam, answer, "approve").json()
    assert data["status"] == "published"
    assert [(a["reviewer"], a["high_risk_authority"], a["current"]) for a in data["approvals"]] == [
        ("maria", False, True), ("rita", False, True), ("sam", True, True)]
    post = Post.objects.get(pk=data["published_post"])
    assert post.kind == Post.Kind.ASSISTANT and post.body == answer.body


def test_a_high_risk_answer_approved_by_a_security_reviewer_alone_stays_in_review(as_role, employee, engineering):
    answer = in_state(S.IN_REVIEW, employee, engineering, risk="high")
    data = verb(as_role("security_reviewer"), answer, "approve").json()
    assert data["status"] == "in_review"
    assert data["approvals_needed"] == {"have": 1, "need": 2, "needs_security_reviewer": False, "complete": False}
    assert verb(as_role("eng_moderator"), answer, "approve").json()["status"] == "published"


# Reports -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_any_reader_of_a_published_ai_post_may_report_it_once(as_role, employee, engineering, eng_moderator,
                                                              role):
    answer = in_state(S.PUBLISHED, employee, engineering, reviewers=[eng_moderator])
    client = as_role(role)
    response = verb(client, answer, "report", {"reason": "The setting was renamed in Celery 6."})
    assert response.status_code == 204 and response.content == b""
    assert reload(answer).attention_reason.startswith("Reported by a reader")
    error = error_of(verb(client, answer, "report", {"reason": "Still wrong."}), 409, "conflict")
    assert "already reported" in error["message"]
    assert AnswerReport.objects.filter(answer=answer).count() == 1
    queue = [a["id"] for a in as_role("eng_moderator").get(f"{V1}/review-queue/").json()["results"]]
    assert queue == [answer.pk]


@pytest.mark.parametrize("state", [S.DRAFT, S.IN_REVIEW, S.REJECTED, S.RETRACTED])
@pytest.mark.parametrize("role", ["asker", "eng_moderator", "other_employee"])
def test_only_published_answers_can_be_reported(as_role, employee, engineering, eng_moderator, state, role):
    answer = in_state(state, employee, engineering, reviewers=[eng_moderator])
    error_of(verb(as_role(role), answer, "report", {"reason": "Wrong."}), 404, "not_found")
    assert not AnswerReport.objects.exists()


def test_a_published_answer_in_a_restricted_category_is_404_to_outsiders(as_role, secops_member, secops,
                                                                         security_reviewer, admin_user):
    answer = in_state(S.PUBLISHED, secops_member, secops, reviewers=[security_reviewer])
    for role in ("other_employee", "eng_moderator", "general_moderator"):
        response = verb(as_role(role), answer, "report", {"reason": "Wrong."})
        error_of(response, 404, "not_found")
    assert verb(client_for(admin_user), answer, "report", {"reason": "Wrong."}).status_code == 204


def test_a_report_needs_a_reason(as_role, employee, engineering, eng_moderator):
    answer = in_state(S.PUBLISHED, employee, engineering, reviewers=[eng_moderator])
    for body in ({}, {"reason": " "}, {"reason": "x" * 1001}):
        error = error_of(verb(as_role("other_employee"), answer, "report", body), 400, "invalid")
        assert list(error["details"]) == ["reason"]
    assert not AnswerReport.objects.exists()


# The review queue ----------------------------------------------------------------------------------


@pytest.mark.parametrize("role", [*ROLES, "secops_member"])
def test_the_review_queue_holds_only_the_categories_the_caller_reviews(as_role, employee, engineering, general,
                                                                       secops, secops_member, role, eng_moderator,
                                                                       security_reviewer):
    queued = {
        "engineering": [in_state(S.IN_REVIEW, employee, engineering, title="Engineering low"),
                        in_state(S.IN_REVIEW, employee, engineering, risk="high", title="Engineering high")],
        "general": [in_state(S.IN_REVIEW, employee, general, title="General low")],
        "security-ops": [in_state(S.IN_REVIEW, secops_member, secops, title="Secops low")],
    }
    in_state(S.DRAFT, employee, engineering)  # never in anyone's queue
    in_state(S.PUBLISHED, employee, engineering, reviewers=[eng_moderator])  # done: not in the queue
    in_state(S.REJECTED, employee, engineering, reviewers=[security_reviewer])
    reviews = {"eng_moderator": ["engineering"], "security_reviewer": ["engineering", "security-ops"],
               "general_moderator": ["general"]}.get(role, [])
    client = client_for(secops_member) if role == "secops_member" else as_role(role)

    results = walk(client, f"{V1}/review-queue/?page_size=2")
    expected = sorted((a for slug in reviews for a in queued[slug]), key=lambda a: (a.submitted_at, a.pk))
    assert [a["id"] for a in results] == [a.pk for a in expected]
    for data in results:
        assert_is_an_answer(data)
        assert data["status"] == "in_review"
        assert data["disclaimer"] == disclaimers.IN_REVIEW
    if role not in ("security_reviewer", "secops_member", "admin_user"):
        assert "Secops" not in json.dumps(results)


# Published AI posts in the thread -------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_published_ai_posts_are_marked_in_the_threads_posts(as_role, employee, engineering, eng_moderator,
                                                            security_reviewer, role):
    answer = in_state(S.PUBLISHED, employee, engineering, risk="high", reviewers=[eng_moderator, security_reviewer])
    posts = walk(as_role(role), f"{V1}/threads/{answer.thread_id}/posts/")
    human, ai = posts
    assert (human["is_ai_generated"], human["disclaimer"], human["reviewed_by"]) == (False, None, None)
    assert ai["id"] == answer.published_post_id
    assert (ai["is_ai_generated"], ai["kind"], ai["author"]) == (True, "assistant", "assistant")
    assert ai["disclaimer"] == disclaimers.PUBLISHED
    assert ai["reviewed_by"] == ["maria", "sam"]
    assert ai["body"] == answer.body


def test_a_retracted_ai_post_leaves_the_thread_for_readers(as_role, employee, engineering, eng_moderator):
    answer = in_state(S.RETRACTED, employee, engineering, reviewers=[eng_moderator])
    posts = walk(as_role("other_employee"), f"{V1}/threads/{answer.thread_id}/posts/")
    assert [p["is_ai_generated"] for p in posts] == [False]
    moderated = walk(as_role("eng_moderator"), f"{V1}/threads/{answer.thread_id}/posts/")
    assert [(p["is_ai_generated"], p["hidden"], p["disclaimer"]) for p in moderated] == [
        (False, False, None), (True, True, disclaimers.RETRACTED)]


# Query counts ----------------------------------------------------------------------------------------

QUERIES = {
    # The token (and its user); the page; its sources (and their categories); its approvals (and reviewers); its
    # claim confirmations that stand (what the grounding shows as confirmed: what the gate counts).
    "/ai-answers/": ("employee", 5),
    # The same; the page's query holds the categories the caller reviews as subqueries.
    "/review-queue/": ("eng_moderator", 5),
}


@pytest.mark.parametrize(("path_", "caller_and_queries"), QUERIES.items())
def test_answer_list_query_counts_do_not_grow_with_rows(django_assert_num_queries, request, employee, engineering,
                                                        eng_moderator, security_reviewer, path_,
                                                        caller_and_queries):
    caller, queries = caller_and_queries
    client = client_for(request.getfixturevalue(caller))
    thread, _ = ask(employee, engineering, risk="high")
    for count in (3, 12):
        for _ in range(count - AIAnswer.objects.filter(status=S.IN_REVIEW).count()):
            answer = drafted(employee, thread)
            ai_services.answer_submit(acting_user=employee, answer=answer)
            ai_services.answer_approve(acting_user=security_reviewer, answer=reload(answer))
        assert AIAnswer.objects.filter(status=S.IN_REVIEW).count() == count
        with django_assert_num_queries(queries):
            response = client.get(f"{V1}{path_}?page_size=100")
        results = response.json()["results"]
        assert len(results) == count
        assert all(len(a["sources"]) >= 1 and len(a["approvals"]) == 1 for a in results)


# Unexpected errors -----------------------------------------------------------------------------------


class Boom(APIView):
    """A view with a bug, reachable only through this module's test urlconf."""

    def get(self, request):
        raise RuntimeError("secret detail: quokka7traceback")


urlpatterns = [
    path("api/v1/boom/", Boom.as_view()),
    path("api/", include("config.api_urls")),
]


@pytest.mark.urls(__name__)
def test_an_unexpected_error_is_a_json_500_in_the_error_format_and_is_logged(as_role, caplog):
    with caplog.at_level(logging.ERROR, logger="common.api"):
        response = as_role("asker").get(f"{V1}/boom/")
    error = error_of(response, 500, "server_error")
    assert error["details"] == {}
    assert "quokka7traceback" not in response.content.decode() and b"<html" not in response.content.lower()
    record = next(r for r in caplog.records if r.name == "common.api")
    assert record.getMessage() == "Unhandled RuntimeError in GET /api/v1/boom/"
    assert record.exc_info[0] is RuntimeError  # the traceback goes to the log, not to the client
    assert as_role("asker").get(f"{V1}/ai-answers/").status_code == 200  # the rest of the API is unchanged


def test_database_errors_are_left_to_the_unavailable_middleware():
    """An unreachable database is a 503 for every client (config.middleware), not the API's 500."""
    for error in (OperationalError("connection refused"), InterfaceError("connection already closed")):
        assert exception_handler(error, {}) is None
    assert exception_handler(RuntimeError("bug"), {}).status_code == 500


# The audit log ---------------------------------------------------------------------------------------


def test_audit_page_after_the_first_carries_no_chain(as_role, employee, engineering):
    in_state(S.DRAFT, employee, engineering)
    client = as_role("admin_user")
    first = client.get(f"{V1}/audit-events/?page_size=2").json()
    assert first["chain"]["ok"] is True and first["chain"]["checked"] == AuditEvent.objects.count()
    second = client.get(first["next"]).json()
    assert second["chain"] is None and len(second["results"]) == 2
