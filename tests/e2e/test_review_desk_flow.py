"""The review desk in a real browser: edit with a live preview, see the diff, approve, and see what the
answer still waits for; a citation marker jumps to its source."""
import pytest
from playwright.sync_api import expect

from aiassist.models import AIAnswer

from ..aiassist.test_review_services import make_reviewer, submitted
from .conftest import DESKTOP_DARK, DESKTOP_LIGHT, PHONE_LIGHT, save_screenshot

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("screen", [DESKTOP_LIGHT, DESKTOP_DARK, PHONE_LIGHT], ids=lambda s: s.name)
def test_edit_preview_diff_and_approval_state(logged_in_page, screen, employee, engineering):
    rita = make_reviewer("rita", engineering)
    make_reviewer("sam", engineering, high_risk=True)
    answer = submitted(employee, engineering, risk="high")

    page = logged_in_page(rita, screen)
    page.goto(f"/ai/review/{answer.pk}/")
    preview = page.locator("#live-preview")
    page.get_by_label("Answer text (Markdown").fill(answer.body + "\n\n1. First check\n2. Second check\n")
    # The preview renders the list as readers will see it: numbered 1 and 2, not "1. … 1.".
    expect(preview.locator("ol li")).to_have_count(2)
    expect(preview.locator("ol li").nth(1)).to_have_text("Second check")
    save_screenshot(page, f"{screen.name}-review-desk-editing")

    page.get_by_role("button", name="Save edit and check again").click()
    expect(page.locator(".review-diff")).to_contain_text("What changed from the machine's text")
    expect(page.locator("tr.diff-added")).to_have_count(3)  # a blank line and the two items

    # A citation marker in the draft jumps to its source in the sidebar.
    page.locator(".claims-draft a.cite").first.click()
    expect(page.locator(f"#answer-{answer.pk}-source-1")).to_be_in_viewport()

    page.get_by_role("button", name="Approve", exact=True).click()
    expect(page.locator(".approval-state")).to_have_text(
        "✓ You approved this text; waiting for a security reviewer (sam).")
    expect(page.get_by_role("button", name="Approve", exact=True)).to_have_count(0)
    save_screenshot(page, f"{screen.name}-review-desk-approved")
    assert AIAnswer.objects.get(pk=answer.pk).status == AIAnswer.Status.IN_REVIEW


def test_a_stale_page_keeps_the_typed_text_and_undoes_nothing(logged_in_page, employee, engineering):
    """Two reviewers on one text: maria's page was served before rita's edit; her Approve is refused (409), her
    own edit comes back in the editor, rita's stands, and nothing is published."""
    maria, rita = make_reviewer("maria-r", engineering), make_reviewer("rita", engineering)
    answer = submitted(employee, engineering)

    page = logged_in_page(maria)
    page.goto(f"/ai/review/{answer.pk}/")
    editor = page.get_by_label("Answer text (Markdown")
    editor.fill(answer.body + "\n\nMaria's own addition.")
    from aiassist import services  # rita saves an edit meanwhile, from her own page
    services.answer_edit(acting_user=rita, answer=AIAnswer.objects.get(pk=answer.pk),
                         body=answer.body + "\n\nRita's correction.")

    page.get_by_role("button", name="Approve and publish").click()
    expect(page.locator(".messages, [role=alert]").first).to_contain_text("The text changed since you read it "
                                                                          "(rita edited it)")
    expect(page.get_by_label("Answer text (Markdown")).to_have_value(answer.body + "\n\nMaria's own addition.")
    expect(page.locator(".claims-draft")).to_contain_text("Rita's correction.")
    save_screenshot(page, "desktop-light-review-desk-text-changed")
    current = AIAnswer.objects.get(pk=answer.pk)
    assert current.status == AIAnswer.Status.IN_REVIEW and "Rita's correction." in current.body
    assert "Maria's own addition." not in current.body
