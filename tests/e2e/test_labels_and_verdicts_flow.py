"""Round 43 in a real browser: a high-risk answer's banner beside its snippet in search, and the desk of a draft
asked again after a retraction, saying why the earlier answer was retracted and that the text is the same."""
import pytest
from playwright.sync_api import expect

from aiassist import services as ai_services
from aiassist.models import AIAnswer
from forum.models import Post

from ..api.conftest import in_state, make_reviewer, reload
from .conftest import DESKTOP_LIGHT, PHONE_LIGHT, save_screenshot

pytestmark = pytest.mark.e2e
S = AIAnswer.Status


@pytest.mark.parametrize("screen", [DESKTOP_LIGHT, PHONE_LIGHT], ids=lambda s: s.name)
def test_search_banner_and_the_earlier_verdict_on_the_desk(logged_in_page, screen, employee, other_employee,
                                                           engineering, security_reviewer):
    rita = make_reviewer("rita", engineering)
    risky = in_state(S.PUBLISHED, employee, engineering, risk="high", reviewers=[rita, security_reviewer])
    author = Post.objects.get(pk=risky.published_post_id).author.username

    reader = logged_in_page(other_employee, screen)
    reader.goto(f"/search/?q=chmod+777+srv+data&author={author}")
    hit = reader.locator(".search-hit").filter(has=reader.locator(".badge-ai"))
    expect(hit.locator(".risk-banner")).to_contain_text("High risk.")
    expect(hit.locator(".ai-disclaimer")).to_be_visible()
    save_screenshot(reader, f"{screen.name}-search-high-risk-snippet")

    ai_services.answer_retract(acting_user=rita, answer=reload(risky), reason="Opens the data to everyone.")
    again = ai_services.answer_regenerate(acting_user=employee, answer=reload(risky))
    ai_services.answer_generate(answer_id=again.pk)
    ai_services.answer_submit(acting_user=employee, answer=reload(again))

    desk = logged_in_page(security_reviewer, screen)
    desk.goto(f"/ai/review/{again.pk}/")
    verdict = desk.locator(".earlier-verdict")
    expect(verdict).to_contain_text("was retracted")
    expect(verdict).to_contain_text("Opens the data to everyone.")
    expect(verdict).to_contain_text("This draft's text is the same as that answer's.")
    save_screenshot(desk, f"{screen.name}-review-desk-earlier-verdict")
    verdict.get_by_role("link", name="an earlier answer").click()
    expect(desk.locator("h1")).to_contain_text("Review:")
    expect(desk.locator(".alert-error")).to_contain_text("Retracted")
