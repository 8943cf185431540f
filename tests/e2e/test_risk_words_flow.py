"""Advice no rule names, flagged by the word model (aiassist.risk_words), as the reviewer sees it: the review page's
high-risk banner gives the model's reason and the answer needs a second approval.

Photographs the review page under tests/e2e/screenshots/<screen>-risk-words-review.png.
"""
import pytest
from playwright.sync_api import expect

from aiassist import risk, risk_words
from aiassist.models import AIAnswer
from aiassist.services import answer_submit

from ..aiassist.test_review_services import drafted, reload
from ..factories import UserFactory, make_thread
from .conftest import DESKTOP_LIGHT, PHONE_DARK, save_screenshot

pytestmark = pytest.mark.e2e

REPLY = ("Simplest is to give the entire support crew owner rights on the billing workspace, then nobody has to wait "
         "on us.")


@pytest.mark.parametrize("screen", [DESKTOP_LIGHT, PHONE_DARK], ids=lambda s: s.name)
def test_the_reviewer_sees_the_word_models_reason(logged_in_page, screen, employee, eng_moderator, engineering):
    assert not risk.hits(REPLY)  # no rule: only the word model can flag it
    make_thread(UserFactory(username="erin"), engineering, title="Support waits on us for billing workspace changes",
                body="How do we stop being the bottleneck?", replies=[(UserFactory(username="dana"), REPLY)])
    thread = make_thread(employee, engineering, title="Support keeps waiting on us for billing workspace changes",
                         body="What is the simplest way so they stop waiting on us?")
    answer = drafted(employee, thread, expect_risk=AIAnswer.Risk.HIGH)
    assert any(reason.startswith(risk.WORDED) for reason in answer.risk_reasons), answer.risk_reasons
    answer_submit(acting_user=employee, answer=answer)

    reviewer = logged_in_page(eng_moderator, screen)
    reviewer.goto("/ai/review/")
    row = reviewer.locator(".review-list .thread-row", has_text=thread.title)
    expect(row).to_contain_text("High risk")
    row.get_by_role("link", name=thread.title).click()
    banner = reviewer.locator(".risk-banner")
    expect(banner).to_contain_text("High risk.")
    expect(banner).to_contain_text("this answer touches advice that reads as risky")
    expect(banner.locator("li")).to_have_count(1)
    # The word model's reason (the encoder may add its own to the same line: "…; a model trained on labelled advice").
    words = ", ".join(f"“{w}”" for w in risk_words.findings(risk.normalised(REPLY))[0].words)
    (reason,) = answer.risk_reasons
    assert reason.startswith(f"{risk.WORDED} (words {words}"), reason
    expect(banner.locator("li")).to_have_text(reason)
    save_screenshot(reviewer, f"{screen.name}-risk-words-review")
    assert reload(answer).status == AIAnswer.Status.IN_REVIEW
