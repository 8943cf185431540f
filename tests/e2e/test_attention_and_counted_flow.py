"""Round 44 in a real browser: a reported answer says "being checked again" beside its snippet in search, and the
desk of a published answer says which approval did not count (its reviewer had lost the grant before publication)."""
import pytest
from playwright.sync_api import expect

from aiassist import services as ai_services
from aiassist.models import AIAnswer
from forum import policy
from forum import services as forum_services
from forum.models import CategoryUserObjectPermission, Post

from ..api.conftest import in_state, make_reviewer, reload
from .conftest import DESKTOP_LIGHT, PHONE_LIGHT, save_screenshot

pytestmark = pytest.mark.e2e
S = AIAnswer.Status


@pytest.mark.parametrize("screen", [DESKTOP_LIGHT, PHONE_LIGHT], ids=lambda s: s.name)
def test_search_says_checked_again_and_the_desk_says_which_approval_counted(
        logged_in_page, screen, admin_user, employee, other_employee, engineering, security_reviewer):
    rita, tom = make_reviewer("rita", engineering), make_reviewer("tom", engineering)
    answer = in_state(S.IN_REVIEW, employee, engineering, risk="high")
    ai_services.answer_approve(acting_user=rita, answer=reload(answer))
    row = CategoryUserObjectPermission.objects.get(user_id=rita.pk, content_object=engineering,
                                                   permission__codename=policy.REVIEW)
    forum_services.category_grant_remove(acting_user=admin_user, category=engineering, grant=row)
    ai_services.answer_approve(acting_user=security_reviewer, answer=reload(answer))
    ai_services.answer_approve(acting_user=tom, answer=reload(answer))
    answer = reload(answer)
    assert answer.status == S.PUBLISHED
    ai_services.answer_report(acting_user=other_employee, answer=answer, reason="It opens the data to everyone.",
                              code="unsafe")
    author = Post.objects.get(pk=answer.published_post_id).author.username

    reader = logged_in_page(other_employee, screen)
    reader.goto(f"/t/{answer.thread_id}/")
    expect(reader.locator(".disclaimer .meta").first).to_contain_text("Reviewed and approved by sam, tom.")
    reader.goto(f"/search/?q=chmod+777+srv+data&author={author}")
    hit = reader.locator(".search-hit").filter(has=reader.locator(".badge-ai"))
    expect(hit.locator(".alert")).to_contain_text("This answer is being checked again by a reviewer.")
    expect(hit).not_to_contain_text("opens the data to everyone")  # the report's reason is the reviewers'
    save_screenshot(reader, f"{screen.name}-search-checked-again")

    desk = logged_in_page(security_reviewer, screen)
    desk.goto(f"/ai/review/{answer.pk}/")
    approvals = desk.locator(".approval-list li")
    expect(approvals.filter(has_text="rita")).to_contain_text("did not count")
    expect(approvals.filter(has_text="tom")).not_to_contain_text("did not count")
    save_screenshot(desk, f"{screen.name}-review-desk-approval-not-counted")
