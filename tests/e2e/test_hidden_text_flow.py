"""A code line padded with blanks, in a real browser: the review desk wraps AI text's code, so the command after the
blanks is in the reviewer's view, not scrolled out of a block that looks whole (round 45's review: "celery -A proj
purge", 160 spaces, "&& celery -A proj control shutdown"; every reader who copied the block got both). Photographs the
desk under tests/e2e/screenshots/<screen>-review-desk-padded-code.png.
"""
import pytest
from playwright.sync_api import expect

from aiassist import services

from ..aiassist.test_review_services import submitted
from .conftest import DESKTOP_LIGHT, PHONE_DARK, save_screenshot

pytestmark = pytest.mark.e2e

HIDDEN_STEP = "celery -A proj control shutdown"


@pytest.mark.parametrize("screen", [DESKTOP_LIGHT, PHONE_DARK], ids=lambda s: s.name)
def test_a_padded_code_line_is_in_the_reviewers_view(logged_in_page, screen, employee, eng_moderator, engineering):
    answer = submitted(employee, engineering)
    body = f"{answer.body}\n\n```\ncelery -A proj purge{' ' * 160}&& {HIDDEN_STEP}\n```\n"
    services.answer_edit(acting_user=eng_moderator, answer=answer, body=body, text_hash=services.body_hash(answer.body))
    page = logged_in_page(eng_moderator, screen)
    page.goto(f"/ai/review/{answer.pk}/")
    block = page.locator(".claims-draft pre").filter(has_text="celery -A proj purge")
    expect(block).to_be_visible()
    sizes = block.evaluate("pre => ({scroll: pre.scrollWidth, client: pre.clientWidth})")
    assert sizes["scroll"] <= sizes["client"] + 1, sizes  # nothing of the line is out of the box
    expect(block).to_contain_text(HIDDEN_STEP)
    save_screenshot(page, f"{screen.name}-review-desk-padded-code")
