"""A published AI answer names the reviewers whose approvals counted, and no one else (round 43's review).

The gate counts an approval only while its reviewer still reviews the category (``policy.standing_approvals``): a
grant withdrawn between approving and publishing takes the approval's weight away, and the answer waits for another
reviewer. The published post's "Reviewed and approved by" (thread page and API) still listed every approval of the
published text, the one that did not count included: readers were told a person vouched for the text who, for the
gate, did not."""
import pytest

from aiassist import services
from aiassist.models import AIAnswer
from forum import policy
from forum import services as forum_services
from forum.models import AuditEvent, CategoryUserObjectPermission

from ..api.conftest import V1, client_for, in_state, make_reviewer, reload
from ..factories import signed_in

pytestmark = pytest.mark.django_db
S = AIAnswer.Status


def _withdraw_review_grant(admin, category, user):
    row = CategoryUserObjectPermission.objects.get(user_id=user.pk, content_object=category,
                                                   permission__codename=policy.REVIEW)
    forum_services.category_grant_remove(acting_user=admin, category=category, grant=row)


@pytest.fixture
def published_after_a_lost_grant(admin_user, employee, engineering, security_reviewer):
    """High risk: rita approves, loses Engineering's review grant, then sam (security) and tom approve."""
    rita, tom = make_reviewer("rita", engineering), make_reviewer("tom", engineering)
    answer = in_state(S.IN_REVIEW, employee, engineering, risk="high")
    services.answer_approve(acting_user=rita, answer=reload(answer))
    _withdraw_review_grant(admin_user, engineering, rita)
    services.answer_approve(acting_user=security_reviewer, answer=reload(answer))
    assert reload(answer).status == S.IN_REVIEW, "rita's approval no longer counts: one more reviewer is needed"
    services.answer_approve(acting_user=tom, answer=reload(answer))
    answer = reload(answer)
    assert answer.status == S.PUBLISHED
    assert answer.approvals.filter(reviewer=rita, body_hash=services.body_hash(answer.body)).exists()
    return answer


def test_the_thread_page_names_only_the_approvals_that_counted(other_employee, published_after_a_lost_grant):
    html = signed_in(other_employee).get(f"/t/{published_after_a_lost_grant.thread_id}/").content.decode()
    assert "Reviewed and approved by sam, tom" in html
    assert "rita" not in html


def test_the_api_names_only_the_approvals_that_counted(other_employee, published_after_a_lost_grant):
    posts = client_for(other_employee).get(
        f"{V1}/threads/{published_after_a_lost_grant.thread_id}/posts/").json()["results"]
    (ai,) = [post for post in posts if post["is_ai_generated"]]
    assert ai["reviewed_by"] == ["sam", "tom"]


def test_the_audit_entry_names_the_same_reviewers(published_after_a_lost_grant):
    entry = AuditEvent.objects.get(verb="ai_answer.publish", target_id=str(published_after_a_lost_grant.pk))
    assert entry.data["reviewers"] == ["sam", "tom"]


def test_the_answer_detail_says_which_approvals_counted(security_reviewer, published_after_a_lost_grant):
    detail = client_for(security_reviewer).get(f"{V1}/ai-answers/{published_after_a_lost_grant.pk}/").json()
    assert {(a["reviewer"], a["counted"]) for a in detail["approvals"]} >= {("sam", True), ("tom", True)}
    assert all(not a["counted"] for a in detail["approvals"] if a["reviewer"] == "rita")


def test_a_plain_publication_names_its_reviewers(other_employee, employee, engineering):
    answer = in_state(S.PUBLISHED, employee, engineering, reviewers=[make_reviewer("maria", engineering)])
    html = signed_in(other_employee).get(f"/t/{answer.thread_id}/").content.decode()
    assert "Reviewed and approved by maria." in html
