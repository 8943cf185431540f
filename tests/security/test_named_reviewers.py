"""A published AI answer names the reviewers whose approvals counted, and no one else (round 43's review).

The gate counts an approval only while its reviewer still reviews the category (``policy.standing_approvals``): a
grant withdrawn between approving and publishing takes the approval's weight away, and the answer waits for another
reviewer. The published post's "Reviewed and approved by" (thread page and API) still listed every approval of the
published text, the one that did not count included: readers were told a person vouched for the text who, for the
gate, did not."""
import importlib

import pytest
from django.apps import apps

from aiassist import services
from aiassist.models import AIAnswer, Approval
from forum import policy
from forum import services as forum_services
from forum.models import AuditEvent, CategoryUserObjectPermission, Post

from ..api.conftest import V1, ask, client_for, drafted, in_state, make_reviewer, reload
from ..factories import UserFactory, grant, signed_in

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


def test_the_review_desk_says_which_approvals_counted(security_reviewer, published_after_a_lost_grant):
    """Web/API parity for reviewers. `GET /api/v1/ai-answers/{id}/` says rita's approval did not count
    (`counted: false`: she no longer reviewed Engineering when it was published, and the post does not name her); the
    review desk of the same published answer lists "rita" among the approvals exactly as it lists sam and tom (no
    "of an earlier text", nothing else). A reviewer checking who vouched for the published text reads three names on
    the desk and two on the post. Fix: aiassist/views.py ``_review_page`` / answer_review.html mark an approval of a
    published or retracted answer that did not count ("did not count: no longer a reviewer when published")."""
    api = client_for(security_reviewer).get(f"{V1}/ai-answers/{published_after_a_lost_grant.pk}/").json()
    assert {a["reviewer"]: a["counted"] for a in api["approvals"]} == {"rita": False, "sam": True, "tom": True}
    html = signed_in(security_reviewer).get(f"/ai/review/{published_after_a_lost_grant.pk}/").content.decode()
    approvals = html.split('<ul class="approval-list">', 1)[1].split("</ul>", 1)[0]
    (rita_line,) = [line for line in approvals.split("<li>") if line.strip().startswith("rita")]
    assert "count" in rita_line, f"the desk lists rita's approval as any other: {rita_line!r}"


def test_a_withdrawn_post_names_no_reviewers_in_the_api(employee, engineering, eng_moderator):
    """Web/API parity. A retracted AI post is, for every reader, moderators too, a placeholder: the thread page shows
    the retraction's reason and no "Reviewed and approved by" (thread_posts.html), and the API's post list blanks its
    `body` and gives `risk_notice`, `claims_notice`, `edited_in_review` and `sources` as null ("null where the text is
    not shown"). `reviewed_by` alone still names the approvers of the withdrawn text (to the category's moderators,
    who get hidden posts in the API). Fix: aiassist/serializers.py ``AIPostSerializer.get_reviewed_by``: None when
    ``post.hidden``, as its siblings."""
    answer = in_state(S.RETRACTED, employee, engineering, reviewers=[make_reviewer("rita", engineering)])
    html = signed_in(eng_moderator).get(f"/t/{answer.thread_id}/").content.decode()
    assert "Reviewed and approved by" not in html
    posts = client_for(eng_moderator).get(f"{V1}/threads/{answer.thread_id}/posts/").json()["results"]
    (ai,) = [post for post in posts if post["is_ai_generated"]]
    assert ai["hidden"] and ai["body"] == "" and ai["risk_notice"] is None and ai["sources"] is None
    assert ai["reviewed_by"] is None, f"the withdrawn post still names {ai['reviewed_by']}"


def test_the_migration_marks_no_approval_of_an_answer_back_in_review(admin_user, employee, engineering,
                                                                    security_reviewer):
    """0014_approval_counted marks every approval of the current text of any answer with a `published_post`. An
    answer withdrawn back to review (``answer_unpublish``: its source hidden, or its question edited) keeps its
    `published_post` (the hidden one) and loses its approvals; a reviewer's fresh approval of it (one of the two a
    high-risk answer needs) is then marked `counted` by the migration although the answer was never published with it.
    The API's answer detail then says `counted: true` for an approval that never counted, and the moderators' post
    list names that reviewer under the withdrawn post (`reviewed_by`), as having approved text withdrawn before they
    approved anything. Fix: the migration's ``mark_published`` filters ``status__in=("published", "retracted")``."""
    rita = make_reviewer("rita", engineering)
    thread, source = ask(employee, engineering, risk="high")
    answer = drafted(employee, thread)
    services.answer_submit(acting_user=employee, answer=answer)
    services.answer_approve(acting_user=rita, answer=reload(answer))
    services.answer_approve(acting_user=security_reviewer, answer=reload(answer))
    assert reload(answer).status == S.PUBLISHED
    moderator = UserFactory(username="mo")
    grant(policy.MODERATE, moderator, engineering)
    forum_services.post_hide(acting_user=moderator, post=source, hidden=True, reason="Leaked a host name.")
    answer = reload(answer)
    assert answer.status == S.IN_REVIEW and answer.published_post_id and not answer.approvals.exists()
    forum_services.post_hide(acting_user=moderator, post=Post.objects.get(pk=source.pk), hidden=False)
    services.answer_approve(acting_user=rita, answer=reload(answer))
    assert reload(answer).status == S.IN_REVIEW, "one of the two approvals a high-risk answer needs"
    migration = importlib.import_module("aiassist.migrations.0014_approval_counted")
    migration.mark_published(apps, None)
    assert not Approval.objects.filter(answer=answer, counted=True).exists(), \
        "an approval of an answer back in review, never published with it, is marked counted"
