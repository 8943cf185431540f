"""Watching, helpful votes, profiles and grouped notifications in a real browser, with htmx, on every screen.

Bob watches Alice's thread and marks her answer helpful (htmx swaps the controls in place), opens her profile,
then Carol replies and Bob finds the notice grouped under the thread. Photographed per screen under
tests/e2e/screenshots/<screen>-social-<step>.png.
"""
import pytest
from playwright.sync_api import expect

from forum import services
from forum.models import PostVote, ThreadWatch

from ..factories import UserFactory, make_thread
from .conftest import SCREENS, Screen, save_screenshot

pytestmark = [pytest.mark.e2e]

SECRET_TITLE = "Rotating the payments VPC firewall exceptions"


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: s.name)
def test_watch_vote_profile_and_grouped_notifications(logged_in_page, screen: Screen, employee, other_employee,
                                                      engineering, general, secops, secops_member):
    carol = UserFactory(username="carol")
    thread = make_thread(employee, engineering, title="Staging migrations time out behind the pooler",
                         body="`manage.py migrate` stops with a statement timeout. What is the supported way?",
                         replies=[(carol, "Run long migrations on a direct connection, not through PgBouncer.")])
    answer = thread.posts.order_by("pk").last()
    services.thread_accept_answer(acting_user=employee, thread=thread, post=answer)
    make_thread(employee, general, title="Where do I request a second monitor?", body="The IT portal lists none.")
    make_thread(secops_member, secops, title=SECRET_TITLE, body="Only for Security Ops.")
    older = make_thread(carol, general, title="Lunch and learn: profiling Django", body="Slides inside.")
    services.thread_watch(acting_user=other_employee, thread=older, watching=True)
    services.post_reply(acting_user=employee, thread=older, body="Count me in.")

    page = logged_in_page(other_employee, screen)
    page.goto(f"/c/{engineering.slug}/")
    row = page.locator(".thread-row", has_text="Staging migrations")
    expect(row.get_by_text("New", exact=True)).to_be_visible()
    save_screenshot(page, f"{screen.name}-social-category")

    page.goto(f"/t/{thread.pk}/")
    watch = page.locator(".watch-button")
    expect(watch).to_have_attribute("aria-pressed", "false")
    watch.click()
    expect(page.locator(".watch-button")).to_have_attribute("aria-pressed", "true")
    expect(page.locator(".watch-button")).to_contain_text("Watching")
    vote = page.locator(f"#vote-{answer.pk} .vote-button")
    expect(vote).to_have_attribute("aria-pressed", "false")
    vote.click()
    voted = page.locator(f"#vote-{answer.pk} .vote-button")
    expect(voted).to_have_attribute("aria-pressed", "true")
    expect(voted.locator(".vote-count")).to_have_text("1")
    expect(page.locator(f"#post-{answer.pk} .badge-accepted")).to_be_visible()
    assert ThreadWatch.objects.get(user=other_employee, thread=thread).watching
    assert PostVote.objects.filter(user=other_employee, post=answer).exists()
    page.locator(f"#post-{answer.pk}").scroll_into_view_if_needed()
    save_screenshot(page, f"{screen.name}-social-thread")

    page.locator(f"#post-{answer.pk} a.post-author-link").click()
    expect(page.get_by_role("heading", name="carol", exact=True)).to_be_visible()
    expect(page.get_by_role("link", name="Lunch and learn: profiling Django")).to_be_visible()
    page.get_by_role("link", name="Replies").click()
    expect(page.get_by_text("Run long migrations on a direct connection")).to_be_visible()
    assert SECRET_TITLE not in page.content()
    save_screenshot(page, f"{screen.name}-social-profile")

    services.post_reply(acting_user=carol, thread=thread, body="Also raise statement_timeout for that session.")
    page.goto("/notifications/")
    groups = page.locator(".notification-group")
    expect(groups).to_have_count(2)
    expect(groups.first.locator(".group-title")).to_contain_text("Staging migrations")
    link = groups.first.locator("a.notice-link").first
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_have_attribute("rel", "noopener")
    expect(page.locator(".notification.is-unread")).to_have_count(2)
    save_screenshot(page, f"{screen.name}-social-notifications")
    with page.context.expect_page() as opened:
        link.click()
    opened.value.close()
    expect(page.locator(".notification.is-unread")).to_have_count(1)  # marked read by social.js
    page.get_by_role("button", name="Mark all read").click()
    expect(page.locator(".notification.is-unread")).to_have_count(0)
    expect(page.get_by_role("link", name="Notifications, 0 unread")).to_be_visible()
