"""The private AI panel in a real browser, with a real worker drafting the answer.

The asker starts a thread with "Get a private AI draft" on, sees the panel say it is drafting,
and watches it become the draft without reloading the page. A colleague on the same thread sees
only "Ask the assistant".
"""
import re

import pytest
from playwright.sync_api import expect

from forum import services

from ..engines import SlowEngine
from ..factories import UserFactory
from .conftest import DESKTOP_LIGHT, PHONE_DARK, save_screenshot

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize("screen", [DESKTOP_LIGHT, PHONE_DARK], ids=lambda s: s.name)
def test_panel_goes_from_drafting_to_draft_without_reload(celery_worker, settings, logged_in_page, screen,
                                                          employee, other_employee, engineering):
    settings.ASSISTANT_ENGINE = "tests.engines.SlowEngine"
    SlowEngine.delay = 2.5
    source = services.thread_start(
        acting_user=other_employee, category=engineering, title="Celery retries: backoff settings",
        body="What should the retry settings be for a flaky API?")
    services.post_reply(acting_user=UserFactory(username="carol"), thread=source,  # answers are quoted, not asks
                        body="Declare `autoretry_for` with `retry_backoff=True` so retries back off exponentially. "
                             "Keep max_retries bounded.")

    page = logged_in_page(employee, screen)
    page.goto(f"/new/?category={engineering.slug}")
    expect(page.get_by_label("Get a private AI draft")).to_be_checked()
    page.get_by_label("Title").fill("How should Celery retries back off?")
    page.get_by_label("Question").fill("Our tasks call a flaky API. How should the retries back off?")
    page.get_by_role("button", name="Post question").click()

    panel = page.locator("#ai-panel")
    expect(panel).to_contain_text("Only you can see it")
    expect(panel.locator("[data-status]")).to_have_attribute("data-status", re.compile("^(queued|generating)$"))
    save_screenshot(page, f"{screen.name}-ai-panel-drafting")
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads

    expect(panel.locator("[data-status]")).to_have_attribute("data-status", "draft", timeout=20_000)
    assert page.evaluate("window.__sameDocument === true"), "the panel must update without a page reload"
    expect(panel).to_contain_text("Only you can see this answer")
    expect(panel).to_contain_text("retry_backoff")
    # The quote's attribution line links the source, and so does the sources list.
    expect(panel.locator(".ai-body").get_by_role("link", name="Celery retries: backoff settings")).to_be_visible()
    expect(panel.locator(".ai-sources").get_by_role("link", name="Celery retries: backoff settings")).to_be_visible()
    expect(panel.get_by_text("Discard…")).to_be_visible()  # opens the confirmation (tests/e2e/test_reader_flow.py)
    panel.scroll_into_view_if_needed()
    save_screenshot(page, f"{screen.name}-ai-panel-draft")

    colleague = logged_in_page(other_employee, screen)
    colleague.goto(page.url)
    expect(colleague.locator("#ai-panel")).to_contain_text("Ask the assistant")
    assert "retry_backoff=True so retries" not in colleague.content()
