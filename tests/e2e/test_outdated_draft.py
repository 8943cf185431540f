"""A source edited while its answer waits for review, in a real browser: the review desk says what changed, and the
approval button is disabled, and an approval sent anyway is refused with the reason. Photographs the desk under
tests/e2e/screenshots/<screen>-review-outdated.png.
"""
import pytest
from playwright.sync_api import expect

from aiassist import services
from aiassist.models import AIAnswer
from forum import services as forum_services

from ..aiassist.test_review_services import SCENARIOS, submitted
from .conftest import DESKTOP_LIGHT, PHONE_DARK, save_screenshot

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("screen", [DESKTOP_LIGHT, PHONE_DARK], ids=lambda s: s.name)
def test_the_desk_says_a_source_changed_and_refuses_the_approval(logged_in_page, screen, employee, eng_moderator,
                                                                 engineering):
    answer = submitted(employee, engineering)
    source = answer.sources.get(cited=True).post
    forum_services.post_edit(acting_user=source.author, post=source, body=f"{SCENARIOS['low']['source_reply']} Or not.")
    page = logged_in_page(eng_moderator, screen)
    page.goto(f"/ai/review/{answer.pk}/")
    notice = page.get_by_role("alert").filter(has_text="Written from what has changed since")
    expect(notice).to_contain_text("source [1]")
    expect(notice).to_contain_text(f"so that {employee.username} can ask for a new draft")
    save_screenshot(page, f"{screen.name}-review-outdated")
    button = page.get_by_role("button", name="Approve and publish")
    expect(button).to_be_disabled()
    button.evaluate("b => b.disabled = false")  # a stale page, or a hand-made request: the server refuses it too
    button.click()
    expect(page.get_by_text("cannot be approved: source [1] changed since it was drafted")).to_be_visible()
    answer.refresh_from_db()
    assert answer.status == AIAnswer.Status.IN_REVIEW and not services.approvals_needed(answer)["have"]


@pytest.mark.parametrize("screen", [DESKTOP_LIGHT, PHONE_DARK], ids=lambda s: s.name)
def test_a_closed_answers_page_shows_the_question_as_it_now_stands(logged_in_page, screen, employee, eng_moderator,
                                                                   engineering):
    answer = submitted(employee, engineering)
    services.answer_reject(acting_user=eng_moderator, answer=answer, reason="Not what was asked.")
    opening = answer.thread.posts.order_by("created_at", "id").first()
    forum_services.post_edit(acting_user=employee, post=opening, body="Rewritten: which retry settings are safe?")
    page = logged_in_page(eng_moderator, screen)
    page.goto(f"/ai/review/{answer.pk}/")
    question = page.locator("section.card", has=page.get_by_role("heading", name="Question"))
    expect(question).to_contain_text("Edited since this answer was drafted: shown as it now stands.")
    expect(question).to_contain_text("Rewritten: which retry settings are safe?")
    save_screenshot(page, f"{screen.name}-review-closed-question-edited")
