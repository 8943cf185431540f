"""Review and promotion in a real browser, as three people.

The asker submits their private draft from the panel; the Engineering moderator finds it in the review
queue, edits the text and approves it; a colleague reads the published post (with its AI disclaimer
and the reviewer's name); the moderator retracts it with a reason; the colleague finds the notice in
their notifications and the post gone from the thread. The draft is generated in the test thread
through the worker's own service, so the browser path starts from a real draft.

Photographs each step under tests/e2e/screenshots/<screen>-review-*.png.
"""
import pytest
from playwright.sync_api import expect

from aiassist.models import AIAnswer

from ..aiassist.test_review_services import QUOTED, ask, drafted
from .conftest import DESKTOP_LIGHT, PHONE_DARK, save_screenshot

pytestmark = pytest.mark.e2e

ADDED = "Cap the delay with retry_backoff_max so a retry storm stays bounded."
REASON = "Our broker drops tasks past the visibility timeout; this advice is incomplete."


@pytest.mark.parametrize("screen", [DESKTOP_LIGHT, PHONE_DARK], ids=lambda s: s.name)
def test_submit_review_publish_read_retract(logged_in_page, screen, employee, eng_moderator, other_employee,
                                            engineering, general):
    thread = ask(employee, engineering, sources_in=general)
    answer = drafted(employee, thread)
    thread_url = f"/t/{thread.pk}/"

    # The asker submits the private draft from the panel.
    asker = logged_in_page(employee, screen)
    asker.goto(thread_url)
    panel = asker.locator("#ai-panel")
    expect(panel).to_contain_text("Only you can see this answer")
    submit = panel.get_by_role("button", name="Submit for review")
    expect(submit).to_be_visible()
    panel.scroll_into_view_if_needed()
    save_screenshot(asker, f"{screen.name}-review-panel-submit")
    submit.click()
    expect(panel.locator("[data-status]")).to_have_attribute("data-status", "in_review")
    expect(panel).to_contain_text("nobody else can until it is approved")

    # The moderator works the queue: opens the answer, edits it, approves it.
    moderator = logged_in_page(eng_moderator, screen)
    moderator.goto("/ai/review/")
    expect(moderator.get_by_role("heading", name="Review queue")).to_be_visible()
    row = moderator.locator(".thread-row", has_text=thread.title)
    expect(row).to_contain_text("Low risk")
    expect(row).to_contain_text("asked by alice")
    save_screenshot(moderator, f"{screen.name}-review-queue")
    row.get_by_role("link", name=thread.title).click()
    expect(moderator.get_by_role("heading", name=f"Review: {thread.title}")).to_be_visible()
    expect(moderator.get_by_text("The thread's whole audience may read it")).to_be_visible()
    body = moderator.locator("#id_body")
    body.fill(f"{body.input_value()}\n- {ADDED}")
    save_screenshot(moderator, f"{screen.name}-review-page")
    moderator.get_by_role("button", name="Approve and publish").click()
    expect(moderator.get_by_text("Approved and published.")).to_be_visible()

    # A colleague reads the public post: labelled, vetted, and carrying the reviewer's edit.
    colleague = logged_in_page(other_employee, screen)
    colleague.goto(thread_url)
    post = colleague.locator("article.post-ai")
    expect(post).to_contain_text("AI-generated")
    expect(post).to_contain_text("Reviewed and approved by maria (edited in review).")
    expect(post).to_contain_text(ADDED)
    expect(post).to_contain_text(QUOTED["low"].split(";")[0])
    expect(colleague.locator("#ai-panel")).to_contain_text("Ask the assistant")  # nobody else's draft
    post.scroll_into_view_if_needed()
    save_screenshot(colleague, f"{screen.name}-review-published-post")

    # The moderator retracts it with a reason, from the post's Review link.
    moderator.goto(thread_url)
    moderator.locator("article.post-ai").get_by_role("link", name="Review").click()
    moderator.get_by_label("Retract with a reason").fill(REASON)
    moderator.get_by_role("button", name="Retract").click()
    expect(moderator.get_by_text("Retracted; everyone who read it has been told.")).to_be_visible()
    expect(moderator.locator(".alert", has_text="Retracted")).to_contain_text(REASON)
    moderator.goto(thread_url)  # moderators too get the placeholder, with why it was withdrawn, not its text
    expect(moderator.locator("article.post-withdrawn")).to_contain_text(f"An AI answer was withdrawn by a reviewer: "
                                                                         f"{REASON}")
    expect(moderator.locator("article.post-ai")).to_have_count(0)

    # The colleague is told, and the post is gone for readers.
    colleague.goto("/notifications/")
    notice = colleague.locator(".notification", has_text="was withdrawn by a reviewer")
    expect(notice).to_contain_text(thread.title)
    expect(notice).to_contain_text(REASON)
    expect(notice).not_to_contain_text(ADDED)
    save_screenshot(colleague, f"{screen.name}-review-notifications")
    colleague.goto(thread_url)
    expect(colleague.locator("article.post-ai")).to_have_count(0)

    answer.refresh_from_db()
    assert answer.status == AIAnswer.Status.RETRACTED and answer.retract_reason == REASON
