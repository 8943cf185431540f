"""The review desk and the reader's thread page in a real browser (issue 14), as a reviewer, an asker and a
colleague: the header's review count, the filtered queue, the metrics, the question before the folded
panel, a rejected draft, a withdrawn answer's placeholder, deep links below the sticky header, discard
with confirmation and undo, and a refused reply beside its form.

Photographs each step under tests/e2e/screenshots/<screen>-reader-*.png and <screen>-desk-*.png.
"""
import pytest
from playwright.sync_api import expect

from aiassist import services as ai_services
from forum import services

from ..aiassist.test_review_services import approve, ask, drafted, reload, submitted
from .conftest import DESKTOP_DARK, DESKTOP_LIGHT, PHONE_DARK, PHONE_LIGHT, SCREENSHOTS, save_screenshot
from .test_accessibility import violations

pytestmark = pytest.mark.e2e

SCREENS = [DESKTOP_LIGHT, DESKTOP_DARK, PHONE_LIGHT, PHONE_DARK]


@pytest.fixture
def world(employee, other_employee, eng_moderator, security_reviewer, engineering, general):
    low = submitted(other_employee, engineering, sources_in=general, title="Low: how should celery retries back off?")
    high = submitted(other_employee, engineering, risk="high", sources_in=general,
                     title="High: nightly batch jobs cannot write to the shared data directory")
    approve(security_reviewer, high)  # approvals 1 of 2 for maria's queue
    read = drafted(employee, ask(employee, engineering, sources_in=general,
                                 title="Read: how should celery retries back off?"))
    ai_services.answer_feedback(acting_user=employee, answer=read, rating="helpful")
    for n in range(6):
        services.post_reply(acting_user=other_employee, thread=read.thread,
                            body=f"Reply {n}: we set `retry_backoff_max` to 600 seconds in our workers.\n\n" * 3)
    rejected = submitted(employee, engineering, sources_in=general, title="Rejected: celery retries back off?")
    ai_services.answer_reject(acting_user=eng_moderator, answer=reload(rejected), code="outdated",
                              reason="Celery 5 changed the retry defaults; ask again.")
    retracted = approve(eng_moderator, submitted(employee, engineering, sources_in=general,
                                                 title="Retracted: celery retries back off?"))
    services.post_reply(acting_user=other_employee, thread=retracted.thread, body="Thanks, that worked for us.")
    ai_services.answer_retract(acting_user=eng_moderator, answer=reload(retracted), code="incorrect",
                               reason="It skips the max_retries cap.")
    published = submitted(employee, engineering, sources_in=general, title="Published: celery retries back off?")
    for n in range(5):  # the AI post comes after these, far down the page
        services.post_reply(acting_user=other_employee, thread=published.thread,
                            body=f"Reply {n}: our workers cap the delay at 600 seconds.\n\n" * 3)
    published = approve(eng_moderator, published)
    return {"low": low, "high": high, "read": read, "rejected": rejected, "retracted": retracted,
            "published": published}


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: s.name)
def test_the_review_desk(logged_in_page, screen, world, eng_moderator, employee):
    reviewer = logged_in_page(eng_moderator, screen)
    link = reviewer.locator("a.review-link")
    expect(link).to_be_visible()
    expect(link).to_have_attribute("aria-label", "Review queue, 2 awaiting you")
    expect(link.locator(".badge-count")).to_have_text("2")
    link.click()
    expect(reviewer.get_by_role("heading", name="Review queue")).to_be_visible()
    rows = reviewer.locator(".review-list .thread-row")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(world["low"].thread.title)  # oldest first
    expect(rows.nth(1)).to_contain_text("approvals 1 of 2")
    expect(rows.nth(1)).to_contain_text("High risk")
    save_screenshot(reviewer, f"{screen.name}-desk-queue")
    reviewer.get_by_label("Risk").select_option("high")
    reviewer.get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    expect(rows.first).to_contain_text(world["high"].thread.title)
    reviewer.goto("/ai/review/?risk=extreme&category=nope")
    expect(reviewer.locator(".queue-filter-error")).to_contain_text("ignored")
    expect(rows).to_have_count(2)
    save_screenshot(reviewer, f"{screen.name}-desk-queue-bad-filter")
    reviewer.get_by_role("link", name="Metrics").click()
    expect(reviewer.get_by_role("heading", name="Review metrics")).to_be_visible()
    card = reviewer.locator(".metrics-card", has_text="Engineering")
    expect(card).to_contain_text("Rejected")
    expect(card.locator("tr", has_text="Outdated")).to_contain_text("1")
    save_screenshot(reviewer, f"{screen.name}-desk-metrics")
    assert not violations(reviewer), violations(reviewer)  # axe-core: no serious or critical violation
    reviewer.goto("/ai/review/")
    assert not violations(reviewer), violations(reviewer)

    asker = logged_in_page(employee, screen)
    expect(asker.locator("a.review-link")).to_have_count(0)


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: s.name)
def test_the_readers_thread_page(logged_in_page, screen, world, employee, other_employee):
    asker = logged_in_page(employee, screen)
    read = world["read"]
    asker.goto(f"/t/{read.thread_id}/")
    question = asker.locator("article.post").first
    panel = asker.locator("#ai-panel")
    expect(question).to_contain_text("Question")
    assert question.bounding_box()["y"] < panel.bounding_box()["y"]  # the question first
    fold = panel.locator("details.ai-panel-fold")
    expect(fold).not_to_have_attribute("open", "")  # read (rated): folded
    expect(panel).to_contain_text("Your private AI draft")
    save_screenshot(asker, f"{screen.name}-reader-question-first")
    panel.locator("summary").first.click()
    expect(panel.get_by_role("button", name="Submit for review")).to_be_visible()

    # Discard asks first, then offers to undo.
    panel.get_by_text("Discard…").click()
    expect(panel.get_by_text("Discard this draft? You can restore it for 10 minutes.")).to_be_visible()
    panel.get_by_role("button", name="Yes, discard").click()
    expect(panel).to_contain_text("You discarded your draft.")
    panel.scroll_into_view_if_needed()
    save_screenshot(asker, f"{screen.name}-reader-discarded-undo")
    panel.get_by_role("button", name="Undo: restore the draft").click()
    expect(panel.locator("[data-status]")).to_have_attribute("data-status", "draft")

    # A deep link to the last reply lands with its header below the sticky site header.
    last = read.thread.posts.order_by("pk").last()
    asker.goto(f"/t/{read.thread_id}/?post={last.pk}#post-{last.pk}")
    header_bottom = asker.locator(".site-header").bounding_box()["height"]
    post_head = asker.locator(f"#post-{last.pk} .post-head")
    expect(post_head).to_be_visible()
    assert asker.evaluate(f"document.querySelector('#post-{last.pk} .post-head').getBoundingClientRect().top") \
        >= header_bottom - 1

    # An empty reply is refused beside the form, on the same page.
    asker.locator("#id_body").fill("   ")
    asker.get_by_role("button", name="Post reply").click()
    reply = asker.locator("#reply")
    expect(reply).to_contain_text("Your reply was not posted.")
    expect(reply).to_contain_text("This field is required.")
    expect(asker.get_by_role("heading", name=read.thread.title)).to_be_visible()
    save_screenshot(asker, f"{screen.name}-reader-reply-refused")

    # A rejected draft says so, with the reviewer's reason.
    asker.goto(f"/t/{world['rejected'].thread_id}/")
    expect(asker.locator("#ai-panel")).to_contain_text("Rejected by a reviewer (outdated):")
    expect(asker.locator("#ai-panel")).to_contain_text("Celery 5 changed the retry defaults")
    expect(asker.locator("#ai-panel")).not_to_contain_text("Submitted for review")
    save_screenshot(asker, f"{screen.name}-reader-rejected-panel")
    assert not [v for v in violations(asker) if ".claim-" not in v], violations(asker)  # claims: not this test's

    # A colleague finds the withdrawn answer's placeholder, and the count agrees.
    colleague = logged_in_page(other_employee, screen)
    colleague.goto(f"/t/{world['retracted'].thread_id}/")
    placeholder = colleague.locator("article.post-withdrawn")
    expect(placeholder).to_contain_text("An AI answer was withdrawn by a reviewer: It skips the max_retries cap.")
    expect(colleague.locator("article.post-ai")).to_have_count(0)
    expect(colleague.locator(".page-head .meta")).to_contain_text("3 posts")
    save_screenshot(colleague, f"{screen.name}-reader-retracted-placeholder")

    # A report redirects to the post far down the page: the confirmation is shown next to it, in view,
    # and the post's header (its AI badge) is not under the sticky header.
    published = world["published"]
    colleague.goto(f"/t/{published.thread_id}/")
    post = colleague.locator(f"#post-{published.published_post_id}")
    post.get_by_text("Report this answer").click()
    post.get_by_label("Reason").select_option("outdated")
    post.get_by_role("button", name="Send report").click()
    message = colleague.get_by_text("Thank you. The reviewers will look at this answer again.")
    expect(message).to_be_in_viewport()
    expect(colleague.locator(f"#post-{published.published_post_id} .badge-ai").first).to_be_in_viewport()
    badge_top = colleague.evaluate(
        f"document.querySelector('#post-{published.published_post_id} .post-head').getBoundingClientRect().top")
    assert badge_top >= colleague.locator(".site-header").bounding_box()["height"] - 1
    SCREENSHOTS.mkdir(exist_ok=True)  # what the reader sees where the redirect lands, not the whole page
    colleague.screenshot(path=str(SCREENSHOTS / f"{screen.name}-reader-report-message.png"), animations="disabled")
