"""``POST /api/v1/ai-answers/{id}/edit/``: the review page's "Save edit and check again", for REST reviewers
(round 44's review: a REST reviewer could change the text only by approving it). The same service as the page
(``answer_edit``): reviewers of the category only, never the asker, only in review, from the text the edit read."""
import pytest

from aiassist import services as ai_services
from aiassist.models import AIAnswer, Approval
from forum.models import AuditEvent

from .conftest import V1, client_for, error_of, in_state, make_reviewer, reload

pytestmark = pytest.mark.django_db
S = AIAnswer.Status
EDIT = "Set retry_backoff=True on the task; it doubles the delay between retries [1].\n\nAsk #platform first."


@pytest.fixture
def in_review(employee, engineering):
    return in_state(S.IN_REVIEW, employee, engineering)


def _edit(user, answer, body=EDIT, body_hash=None):
    return client_for(user).post(f"{V1}/ai-answers/{answer.pk}/edit/", {
        "body": body, "body_hash": body_hash or ai_services.body_hash(answer.body)}, format="json")


def test_a_reviewer_edits_without_approving_and_the_text_is_checked_again(in_review, engineering):
    maria = make_reviewer("maria", engineering)
    response = _edit(maria, in_review)
    assert response.status_code == 200, response.content
    data = response.json()
    assert data["body"] == EDIT and data["status"] == S.IN_REVIEW
    assert data["approvals"] == [] and data["approvals_needed"]["have"] == 0
    answer = reload(in_review)
    assert answer.body == EDIT and answer.edited_by == maria and answer.original_body == in_review.body
    assert answer.grounding["claims"] and any("#platform" in claim["text"] for claim in answer.grounding["claims"])
    assert AuditEvent.objects.filter(verb="ai_answer.edit", target_id=str(answer.pk), actor=maria).exists()


def test_an_edit_makes_earlier_approvals_stale(employee, engineering, security_reviewer):
    answer = in_state(S.IN_REVIEW, employee, engineering, risk="high")
    rita = make_reviewer("rita", engineering)
    ai_services.answer_approve(acting_user=rita, answer=reload(answer))
    assert _edit(security_reviewer, reload(answer)).status_code == 200
    current = ai_services.body_hash(reload(answer).body)
    assert not Approval.objects.filter(answer=answer, body_hash=current).exists()
    assert reload(answer).status == S.IN_REVIEW


@pytest.mark.parametrize("who, status, code", [
    ("asker", 403, "permission_denied"), ("other_employee", 404, "not_found"),
    ("eng_plain_moderator", 404, "not_found"),
])
def test_only_the_categorys_reviewers_edit(who, status, code, request, in_review):
    user = in_review.asker if who == "asker" else request.getfixturevalue(who)
    response = _edit(user, in_review)
    error_of(response, status, code)
    if who != "asker":  # not theirs to see: nothing of the text in the refusal
        assert in_review.body.split("\n")[0][:40] not in response.content.decode()
    assert reload(in_review).body == in_review.body


def test_an_edit_from_an_older_read_is_refused_and_loses_nothing(in_review, engineering):
    maria, rita = make_reviewer("maria", engineering), make_reviewer("rita", engineering)
    read = ai_services.body_hash(in_review.body)
    assert _edit(maria, in_review, body_hash=read).status_code == 200
    response = _edit(rita, in_review, body="Something else entirely [1].", body_hash=read)
    assert error_of(response, 409, "text_changed")
    assert reload(in_review).body == EDIT


@pytest.mark.parametrize("payload, field", [
    ({"body_hash": "0" * 64}, "body"), ({"body": EDIT}, "body_hash"), ({"body": "", "body_hash": "0" * 64}, "body"),
    ({"body": EDIT, "body_hash": "not-a-hash"}, "body_hash"),
])
def test_bad_input_is_a_clear_400(payload, field, in_review, engineering):
    maria = make_reviewer("maria", engineering)
    response = client_for(maria).post(f"{V1}/ai-answers/{in_review.pk}/edit/", payload, format="json")
    assert field in error_of(response, 400, "invalid")["details"]
    assert reload(in_review).body == in_review.body


def test_a_published_answer_cannot_be_edited(employee, engineering):
    maria = make_reviewer("maria", engineering)
    answer = in_state(S.PUBLISHED, employee, engineering, reviewers=[maria])
    error_of(_edit(maria, answer), 409, "conflict")
    assert reload(answer).body == answer.body
