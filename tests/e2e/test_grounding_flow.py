"""Grounding in the browser: the asker's panel and the review page mark each claim; focusing one shows
the passage it rests on beside it, its matched span highlighted; the reviewer confirms the blocking
claims with reasons, approves, and the published post says claims were confirmed. Screenshots on
desktop, light and dark."""
import pytest
from playwright.sync_api import expect

from aiassist import services
from aiassist.models import AIAnswer

from ..aiassist.test_engines_openai import chat_server, completion, openai_settings  # noqa: F401 - fixtures
from ..aiassist.test_grounding_gate import DRAFT, SOURCE, SOURCE_TITLE
from ..factories import UserFactory, make_thread
from .conftest import DESKTOP_DARK, DESKTOP_LIGHT, PHONE_LIGHT, save_screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def drafted(openai_settings, chat_server, employee, other_employee, engineering):  # noqa: F811
    make_thread(other_employee, engineering, title=SOURCE_TITLE,
                body="Which settings control retry backoff?", replies=[(UserFactory(username="carol"), SOURCE)])
    thread = make_thread(employee, engineering, title="How should celery retries back off?",
                         body="My celery tasks fail on network errors. How do retries back off?")
    chat_server.reply(completion(DRAFT))
    return services.answer_generate(answer_id=services.answer_request(acting_user=employee, thread=thread).pk)


def focus_claim(page, status, text):
    claim = page.locator(f".claims-draft .claim.claim-{status}", has_text=text).first
    claim.focus()
    popover = page.locator(".claim-popover")
    expect(popover).to_be_visible()
    # Beside the claim, not over it.
    box, pop = claim.bounding_box(), popover.bounding_box()
    assert pop["x"] >= box["x"] + box["width"] or pop["y"] >= box["y"] + box["height"] - 1 \
        or pop["x"] + pop["width"] <= box["x"], (box, pop)
    return popover


@pytest.mark.parametrize("screen", [DESKTOP_LIGHT, DESKTOP_DARK], ids=lambda s: s.name)
def test_the_askers_panel_marks_the_draft_and_shows_the_passage_of_a_focused_claim(logged_in_page, drafted,
                                                                                    employee, screen):
    page = logged_in_page(employee, screen)
    page.goto(f"/t/{drafted.thread_id}/")
    panel = page.locator("#ai-panel")
    expect(panel.get_by_text("2 of 6 claims supported; 1 invented command; 1 invented path; 1 contradicted; "
                             "1 uncited")).to_be_visible()
    expect(panel.locator(".claim-tag", has_text="contradicted")).to_be_visible()
    expect(panel.locator(".claim-tag", has_text="uncited")).to_be_visible()
    popover = focus_claim(page, "contradicted", "raise worker_prefetch_multiplier")
    expect(popover).to_contain_text("contradicted")
    expect(popover.locator("mark")).to_contain_text("Don't raise worker_prefetch_multiplier for long tasks")
    save_screenshot(page, f"grounding-panel-{screen.name}")


def test_the_reviewer_sees_the_passage_beside_a_claim_confirms_the_blocking_ones_and_publishes(
        logged_in_page, drafted, employee, eng_moderator, other_employee):
    services.answer_submit(acting_user=employee, answer=AIAnswer.objects.get(pk=drafted.pk))
    for screen in (DESKTOP_LIGHT, DESKTOP_DARK, PHONE_LIGHT):
        page = logged_in_page(eng_moderator, screen)
        page.goto(f"/ai/review/{drafted.pk}/")
        expect(page.get_by_role("heading",
                                name="3 claims must be edited away or confirmed before approval")).to_be_visible()
        popover = focus_claim(page, "invented", "--force-all")
        expect(popover).to_contain_text("--force-all")
        expect(popover).to_contain_text("Rests on [1]")
        expect(popover.locator("mark")).to_be_visible()
        save_screenshot(page, f"grounding-review-{screen.name}")

    # Approval is not offered while claims block it (the service refuses it too: test_grounding_gate.py);
    # each is confirmed with a reason.
    expect(page.get_by_role("button", name="Approve and publish")).to_be_disabled()
    expect(page.locator("#approve-blocked")).to_contain_text("the 3 flagged claims above are edited away")
    for n in range(3):
        form = page.locator(".claim-confirm-form").first
        form.get_by_label("Why may it stand?").fill(f"Checked against the runbook ({n}).")
        form.get_by_role("button", name="Confirm this claim").click()
        expect(page.get_by_text("Claim confirmed; your reason is in the audit log.")).to_be_visible()
    expect(page.get_by_role("heading", name="Every blocking claim is confirmed")).to_be_visible()
    page.get_by_role("button", name="Approve and publish").click()
    expect(page.get_by_text("A reviewer confirmed 3 claims not found in the sources.")).to_be_visible()
    assert AIAnswer.objects.get(pk=drafted.pk).status == "published"

    reader = logged_in_page(other_employee)
    reader.goto(f"/t/{drafted.thread_id}/")
    expect(reader.get_by_text("A reviewer confirmed 3 claims not found in the sources.")).to_be_visible()
