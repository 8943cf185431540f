"""The forum's main path in a real browser: sign in, browse, ask (with a live preview), get a reply, search.

Runs once per screen (desktop and phone, light and dark) and photographs each step under
tests/e2e/screenshots/<screen>-<step>.png.
"""
import re

import pytest
from playwright.sync_api import Page, expect

from forum import services

from ..factories import UserFactory, make_thread
from .conftest import SCREENS, Screen, log_in, save_screenshot

pytestmark = [pytest.mark.e2e]

TITLE = "Staging migrations time out behind the connection pooler"
BODY = """Since Tuesday `manage.py migrate` on staging stops with:

```
canceling statement due to statement timeout
```

- Django 5.2, **PostgreSQL 16**
- PgBouncer in transaction mode

What is the supported way to run a long migration?"""
REPLY = ("Run long migrations on a direct connection (port 5432, not the pooler) and raise the limit for that "
         "session only: `SET statement_timeout = '15min';`. The platform runbook has the exact steps.")
SEARCH_WORD = "runbook"
SECRET_TITLE = "Quarterly firewall exception review for the payments VPC"


def seed(admin, general, engineering, secops, secops_member, replier):
    """A forum that looks lived-in: a few threads per category, one answered, one in a restricted category."""
    services.category_update(acting_user=admin, category=engineering,
                             description="Builds, deploys, databases and the services we run.")
    services.category_update(acting_user=admin, category=general,
                             description="Tools, onboarding, office life: anything that fits nowhere else.")
    services.category_update(acting_user=admin, category=secops,
                             description="Incident notes and access reviews for the security team.")
    carol, dave = UserFactory(username="carol"), UserFactory(username="dave")
    answered = make_thread(carol, engineering, title="Celery task retries with exponential backoff",
                           body="How do I configure **retry_backoff** for a flaky HTTP call?",
                           replies=[(replier, "Use `autoretry_for=(HTTPError,)` with `retry_backoff=True` "
                                              "and cap it with `retry_backoff_max`.")])
    services.thread_accept_answer(acting_user=carol, thread=answered, post=answered.posts.order_by("pk").last())
    make_thread(dave, engineering, title="Which Python version do the build agents run?",
                body="Our CI image says 3.11 but `pyproject.toml` allows 3.12. Which one is authoritative?")
    make_thread(dave, general, title="Where do I request a second monitor?",
                body="The IT portal lists keyboards and headsets only.",
                replies=[(carol, "Ask in the *Facilities* form: hardware over 100 EUR goes through there.")])
    make_thread(secops_member, secops, title=SECRET_TITLE, body="Exceptions expiring this quarter: see the sheet.")


def expect_unread(page: Page, count: int):
    expect(page.get_by_role("link", name=f"Notifications, {count} unread")).to_be_visible()
    badge = page.locator(".notif-link .badge-count")
    if count:
        expect(badge).to_have_text(str(count))
    else:
        expect(badge).to_have_count(0)


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: s.name)
def test_ask_reply_search(screen: Screen, new_context, logged_in_page, admin_user, general, engineering, secops,
                          secops_member, employee, other_employee):
    seed(admin_user, general, engineering, secops, secops_member, other_employee)
    shot = f"{screen.name}-{{}}".format

    # Sign in through the real form and see only the categories this employee may read.
    alice = log_in(new_context(screen).new_page(), employee, screenshot=shot("login"))
    main = alice.get_by_role("main")
    expect(main.get_by_role("heading", name="Engineering")).to_be_visible()
    expect(main.get_by_role("heading", name="General")).to_be_visible()
    expect(main).not_to_contain_text(secops.name)
    expect(main).not_to_contain_text(SECRET_TITLE)
    assert secops.name not in alice.content()
    expect_unread(alice, 0)
    save_screenshot(alice, shot("home"))

    # Engineering, then "New thread" from the category page (which preselects the category).
    main.get_by_role("link", name="Engineering", exact=True).click()
    expect(alice.get_by_role("heading", level=1)).to_contain_text("Engineering")
    expect(main.get_by_role("link", name="Celery task retries with exponential backoff")).to_be_visible()
    save_screenshot(alice, shot("category"))
    main.get_by_role("link", name="New thread").click()
    expect(alice.get_by_role("heading", level=1, name="Ask a question")).to_be_visible()
    expect(alice.get_by_label("Category")).to_have_value(str(engineering.pk))

    alice.get_by_label("Title").fill(TITLE)
    alice.get_by_label("Question").fill(BODY)
    # The assistant's draft needs a worker; this test is about the forum, so it opts out.
    alice.get_by_label("Get a private AI draft").uncheck()
    alice.locator("summary", has_text="Preview").click()
    preview = alice.locator("#preview-id_body")
    expect(preview.locator("strong")).to_have_text("PostgreSQL 16")
    expect(preview.locator("pre code")).to_contain_text("statement timeout")
    expect(preview.locator("li")).to_have_count(2)
    save_screenshot(alice, shot("new-thread"))

    alice.get_by_role("button", name="Post question").click()
    expect(alice).to_have_url(re.compile(r"/t/\d+/$"))
    expect(alice.get_by_role("heading", level=1)).to_have_text(TITLE)
    expect(alice.locator(".post .prose strong").first).to_have_text("PostgreSQL 16")
    thread_url = alice.url

    # A colleague replies from their own browser session.
    bob = logged_in_page(other_employee, screen)
    bob.goto(thread_url)
    bob.get_by_label("Your reply").fill(REPLY)
    bob.get_by_role("button", name="Post reply").click()
    expect(bob.locator(".post").last).to_contain_text("The platform runbook has the exact steps.")

    # The asker sees one unread notification and the reply on the thread page.
    alice.reload()
    expect_unread(alice, 1)
    expect(alice.locator(".post")).to_have_count(2)
    expect(alice.locator(".post").last.locator("code")).to_have_text("SET statement_timeout = '15min';")
    save_screenshot(alice, shot("thread"))

    # Search from the header finds the thread by a word that is only in the reply.
    search = alice.get_by_role("searchbox", name="Search posts")
    search.fill(SEARCH_WORD)
    search.press("Enter")
    expect(alice).to_have_url(re.compile(r"/search/\?q=runbook$"))
    hits = alice.locator(".search-hit")
    expect(hits).to_have_count(1)
    expect(hits.get_by_role("link", name=TITLE)).to_be_visible()
    expect_unread(alice, 1)
    save_screenshot(alice, shot("search"))

    hits.get_by_role("link", name=TITLE).click()
    expect(alice.get_by_role("heading", level=1)).to_have_text(TITLE)
