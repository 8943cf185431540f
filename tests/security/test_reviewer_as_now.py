"""Who acts, and who is told, as the database has them when the answer is locked (round 40's review).

A reviewer verb checks who may act twice, before the answer's lock and again under it, but the second check answered
from the access remembered on the request's user object and from its in-memory ``is_active``: a grant withdrawn or an
account deactivated while the request waited for the lock went unseen, and the former reviewer edited the text under
review, rejected the asker's answer or kept a reported one published. And an answer taken back to review deleted its
approvals before it asked who had read the text, so an approver who no longer reviews was never told.
"""
import pytest
from django.contrib.auth import get_user_model

from aiassist import selectors, services
from aiassist.models import AIAnswer, AnswerReport
from common.exceptions import Forbidden, NotFound
from forum import policy
from forum import services as forum_services
from forum.models import CategoryUserObjectPermission, Notification, Post, PostViewReceipt

from ..api.conftest import in_state, make_reviewer, reload
from ..factories import UserFactory, grant

pytestmark = pytest.mark.django_db
S = AIAnswer.Status
User = get_user_model()


def _withdraw_review_grant(world, user):
    row = CategoryUserObjectPermission.objects.get(user_id=user.pk, content_object=world.engineering,
                                                   permission__codename=policy.REVIEW)
    forum_services.category_grant_remove(acting_user=world.admin, category=world.engineering, grant=row)


@pytest.mark.parametrize("lost", ["grant withdrawn", "deactivated"])
@pytest.mark.parametrize("verb", ["edit", "reject", "keep published", "retract"])
def test_a_reviewer_who_lost_the_right_while_the_request_waited_cannot_act(verb, lost, world):
    conny = UserFactory(username="conny")
    grant(policy.REVIEW, conny, world.engineering)
    target = world.published if verb in ("keep published", "retract") else world.in_review
    before = reload(target)
    stale = selectors.reviewable_answer(conny, target.pk)  # the view's read: conny reviews Engineering
    if lost == "grant withdrawn":
        _withdraw_review_grant(world, conny)
    else:  # as the user admin does, on its own copy of the account
        account = User.objects.get(pk=conny.pk)
        account.is_active = False
        account.save(update_fields=["is_active"])
    act = {
        "edit": lambda: services.answer_edit(acting_user=conny, answer=stale, body=stale.body + "\n\nRun it as root.",
                                             text_hash=services.body_hash(stale.body)),
        "reject": lambda: services.answer_reject(acting_user=conny, answer=stale, reason="No.", code="other"),
        "keep published": lambda: services.answer_confirm(acting_user=conny, answer=stale),
        "retract": lambda: services.answer_retract(acting_user=conny, answer=stale, reason="No.", code="other"),
    }[verb]
    with pytest.raises((Forbidden, NotFound)):
        act()
    after = reload(target)
    assert (after.status, after.body, after.attention_reason) == (before.status, before.body, before.attention_reason)
    if verb == "keep published":
        assert AnswerReport.objects.filter(answer=target, resolved_at__isnull=True).exists()


def test_a_withdrawal_back_to_review_tells_every_approver(employee, engineering, eng_moderator, admin_user):
    """An approver who no longer reviews the category (so is not among the reviewers told "awaits review") and left no
    view receipt (approved in the API while the answer was in review) is told the text they approved was withdrawn,
    as ``answer_retract`` tells every approver (round 29)."""
    pat = make_reviewer("pat", engineering)
    sam = make_reviewer("sam", engineering, high_risk=True)
    answer = in_state(S.PUBLISHED, employee, engineering, risk="high", reviewers=(pat, sam))
    assert not PostViewReceipt.objects.filter(user=pat).exists()
    row = CategoryUserObjectPermission.objects.get(user=pat, content_object=engineering,
                                                   permission__codename=policy.REVIEW)
    forum_services.category_grant_remove(acting_user=admin_user, category=engineering, grant=row)
    source = answer.sources.get(number=1).post
    forum_services.post_hide(acting_user=eng_moderator, post=Post.objects.get(pk=source.pk), reason="a live token")
    assert reload(answer).status == S.IN_REVIEW
    assert Notification.objects.filter(recipient=pat, verb="ai_withdrawn").exists()
