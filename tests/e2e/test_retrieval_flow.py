"""Retrieval in a real browser: similar threads while asking, grouped search, and the extractive drafts.

The passage index is built in the writing transaction and ranks lexically here (tests/conftest.py), and
the live server runs in this process, so the data the tests build through the services is searchable at
once. Drafts come from a real Celery worker running the default extractive engine. Screenshots land in
tests/e2e/screenshots/<screen>-retrieval-<step>.png.
"""
import re

import pytest
from playwright.sync_api import Page, expect

from aiassist.engines.extractive import NOTHING_FOUND
from aiassist.retrieval import search as retrieval_search
from forum import services

from ..factories import UserFactory, make_thread
from .conftest import DESKTOP_LIGHT, PHONE_DARK, SCREENS, Screen, save_screenshot

pytestmark = pytest.mark.e2e

DRAFT_TIMEOUT_MS = 20_000


def accept_last_reply(asker, thread):
    return services.thread_accept_answer(acting_user=asker, thread=thread, post=thread.posts.order_by("pk").last())


def shot(page: Page, screen: Screen, step: str):
    return save_screenshot(page, f"{screen.name}-retrieval-{step}")


# 1. Similar threads while typing a title ---------------------------------------------------------

CELERY_TITLE = "Celery retries flood Redis after a broker restart"
SECRET_CELERY_TITLE = "Celery task retry storm on the SIEM collector when Redis restarts"
TYPED_TITLE = "celery tasks retry storm when redis restarts"


@pytest.mark.parametrize("screen", [DESKTOP_LIGHT, PHONE_DARK], ids=lambda s: s.name)
def test_similar_threads_appear_while_typing_the_title(screen, logged_in_page, general, engineering, secops,
                                                       employee, other_employee, secops_member):
    carol = UserFactory(username="carol")
    answered = make_thread(carol, engineering, title=CELERY_TITLE,
                           body="When Redis comes back every task retries at once and the queue floods.",
                           replies=[(other_employee, "Set `retry_backoff=True` with `retry_jitter=True`: the "
                                                     "retries then spread out after a broker restart.")])
    accept_last_reply(carol, answered)
    make_thread(carol, general, title="Where do I request a second monitor?", body="The IT portal lists none.")
    secret = make_thread(secops_member, secops, title=SECRET_CELERY_TITLE,
                         body="Every Redis restart replays the collector's Celery task retries as a storm.")

    alice = logged_in_page(employee, screen)
    alice.get_by_role("banner").get_by_role("link", name="New thread").click()
    expect(alice.get_by_role("heading", level=1, name="Ask a question")).to_be_visible()
    suggestions = alice.locator("#similar-threads")
    expect(suggestions).to_be_empty()
    alice.get_by_label("Title").press_sequentially(TYPED_TITLE, delay=15)

    box = suggestions.get_by_role("region", name="Similar threads")
    expect(box).to_be_visible()  # htmx fills it once typing pauses
    expect(box).to_contain_text("Already asked?")
    expect(box.get_by_role("link", name=CELERY_TITLE)).to_have_attribute("href", f"/t/{answered.pk}/")
    answered_item = box.locator("li").filter(has=alice.get_by_role("link", name=CELERY_TITLE))
    expect(answered_item.locator(".badge-accepted")).to_have_text("Answered")
    expect(box.locator("li")).to_have_count(1)
    expect(box).not_to_contain_text(SECRET_CELERY_TITLE)
    assert "SIEM" not in alice.content()
    shot(alice, screen, "similar-threads")

    # The restricted thread does match (better than the public one): the group that may read it is offered it.
    priya = logged_in_page(secops_member, screen)
    priya.goto("/new/")
    priya.get_by_label("Title").fill(TYPED_TITLE)
    member_box = priya.get_by_role("region", name="Similar threads")
    expect(member_box.get_by_role("link", name=SECRET_CELERY_TITLE)).to_have_attribute("href", f"/t/{secret.pk}/")


# 2. Search: one result per thread, highlighted, filtered, paged ----------------------------------

QUERY = "pgbouncer timeout"
MIGRATIONS_TITLE = "PgBouncer timeout during long migrations"
REPORTS_TITLE = "Nightly reports stop at a timeout behind PgBouncer"
LAPTOPS_TITLE = "Which PgBouncer timeout should laptops use for the demo database?"
SECRET_DB_TITLE = "PgBouncer timeout on the payments database after the firewall change"


def seed_search(engineering, general, secops, secops_member, bob):
    carol, dave = UserFactory(username="carol"), UserFactory(username="dave")
    migrations = make_thread(
        carol, engineering, title=MIGRATIONS_TITLE,
        body="Our `migrate` step dies after 30 seconds with a PgBouncer timeout. Is it the pooler?",
        replies=[(bob, "It is PgBouncer's `query_timeout`: run migrations on a direct connection to port 5432, "
                       "which has no pooler timeout."),
                 (dave, "If you must go through PgBouncer, raise its timeout for the migration role only.")])
    services.thread_accept_answer(acting_user=carol, thread=migrations, post=migrations.posts.order_by("pk")[1])
    make_thread(dave, engineering, title=REPORTS_TITLE,
                body="The finance report runs for 40 minutes and PgBouncer cuts it off with a timeout.")
    make_thread(carol, general, title=LAPTOPS_TITLE,
                body="The onboarding guide says to use PgBouncer but gives no timeout for it.")
    make_thread(dave, general, title="Where do I request a second monitor?", body="The IT portal lists none.")
    make_thread(secops_member, secops, title=SECRET_DB_TITLE,
                body="Since the change PgBouncer logs a timeout for every payments connection.")


def search_form(page: Page):
    return page.locator("form.search-form")


def hit_titles(page: Page) -> list[str]:
    return page.locator(".search-hit .thread-title").all_text_contents()


@pytest.mark.parametrize("screen", SCREENS, ids=lambda s: s.name)
def test_search_groups_by_thread_highlights_and_filters(screen, settings, logged_in_page, general, engineering,
                                                        secops, employee, other_employee, secops_member):
    seed_search(engineering, general, secops, secops_member, other_employee)
    alice = logged_in_page(employee, screen)
    search = alice.get_by_role("searchbox", name="Search posts")
    search.fill(QUERY)
    search.press("Enter")
    expect(alice).to_have_url(re.compile(r"/search/\?q=pgbouncer\+timeout$"))
    expect(alice.get_by_role("heading", level=1, name="Search")).to_be_visible()

    # Three posts of the migrations thread match: it is one result, as are the two other threads.
    hits = alice.locator(".search-hit")
    expect(hits).to_have_count(3)
    assert sorted(hit_titles(alice)) == sorted([MIGRATIONS_TITLE, REPORTS_TITLE, LAPTOPS_TITLE])
    expect(alice.get_by_role("status").filter(has_text="3 results")).to_contain_text("“pgbouncer timeout”")
    for index in range(3):
        expect(hits.nth(index).locator("p mark").first).to_be_visible()
    marked = {text.lower() for text in alice.locator(".search-hit p mark").all_text_contents()}
    assert marked == {"pgbouncer", "timeout"}, marked
    # The title links to the best post of the thread, not just the thread.
    migrations_link = hits.get_by_role("link", name=MIGRATIONS_TITLE)
    expect(migrations_link).to_have_attribute("href", re.compile(r"^/t/\d+/\?post=(\d+)#post-\1$"))
    expect(alice.get_by_role("main")).not_to_contain_text(SECRET_DB_TITLE)
    assert "payments" not in alice.content()
    shot(alice, screen, "search")

    # The category filter narrows to Engineering.
    form = search_form(alice)
    form.get_by_label("Category").select_option(engineering.slug)
    form.get_by_role("button", name="Search").click()
    expect(alice).to_have_url(re.compile(rf"category={engineering.slug}"))
    expect(hits).to_have_count(2)
    assert sorted(hit_titles(alice)) == sorted([MIGRATIONS_TITLE, REPORTS_TITLE])
    expect(alice.get_by_role("status").filter(has_text="2 results")).to_contain_text("in Engineering")
    expect(form.get_by_label("Category")).to_have_value(engineering.slug)
    shot(alice, screen, "search-filtered")

    # The author filter: dave wrote the reports thread and a reply in the migrations thread.
    form.get_by_label("Category").select_option("")
    form.get_by_label("Author").fill("dave")
    form.get_by_role("button", name="Search").click()
    expect(alice).to_have_url(re.compile(r"author=dave"))
    expect(hits).to_have_count(2)
    assert sorted(hit_titles(alice)) == sorted([MIGRATIONS_TITLE, REPORTS_TITLE])
    expect(hits.filter(has_text=MIGRATIONS_TITLE)).to_contain_text("raise its timeout for the migration role")

    # Paging keeps the query and its filters, and a thread never shows up twice.
    settings.FORUM_SEARCH_RESULTS = 1
    alice.goto(f"/search/?q=pgbouncer+timeout&category={engineering.slug}")
    expect(hits).to_have_count(1)
    first_page = hit_titles(alice)
    alice.get_by_role("link", name="More results →").click()
    expect(alice.locator(".page-status")).to_have_text("Page 2 of 2")
    expect(alice).to_have_url(re.compile(rf"page=2&.*category={engineering.slug}"))
    expect(hits).to_have_count(1)
    assert sorted(first_page + hit_titles(alice)) == sorted([MIGRATIONS_TITLE, REPORTS_TITLE])

    # An empty query says what to type instead of listing everything.
    form.get_by_role("searchbox", name="Search terms").fill("")
    form.get_by_role("button", name="Search").click()
    expect(alice.get_by_role("status").filter(has_text="Type a few words to search for")).to_be_visible()
    expect(hits).to_have_count(0)
    shot(alice, screen, "search-empty")

    # A member of the security group finds the restricted thread with the same words.
    settings.FORUM_SEARCH_RESULTS = 20
    priya = logged_in_page(secops_member, screen)
    priya.goto("/search/?q=pgbouncer+timeout")
    expect(priya.locator(".search-hit")).to_have_count(4)
    secret_hit = priya.locator(".search-hit").filter(has_text=SECRET_DB_TITLE)
    expect(secret_hit.locator(".badge-restricted")).to_have_text("Restricted")


# 3. A draft that quotes a YAML block ---------------------------------------------------------------

HELM_TITLE = "Celery worker autoscaling in the Helm chart values"
YAML = """worker:
  replicas: 2
  autoscaling:
    enabled: true
    minReplicas: 2
    maxReplicas: 8
    metrics:
      - type: Resource
        resource:
          name: cpu
          target:
            type: Utilization
            averageUtilization: 70
"""
HELM_REPLY = ("Turn on the chart's autoscaler in `values.yaml`; the worker block nests like this:\n\n"
              f"```yaml\n{YAML}```\n\nThen run `helm upgrade` for the release and watch the HPA scale it.")

# The text of an element as the reader sees and copies it: without the grounding marks' status words.
WITHOUT_CLAIM_LABELS = """el => {
    const copy = el.cloneNode(true);
    copy.querySelectorAll('.claim > .visually-hidden, .claim-tag').forEach(node => node.remove());
    return copy.textContent;
}"""

# What a reader who selects the element's text would copy.
SELECTED_TEXT = """el => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    return selection.toString();
}"""


def ask(page: Page, category, title: str, body: str):
    page.goto(f"/new/?category={category.slug}")
    expect(page.get_by_label("Get a private AI draft")).to_be_checked()
    page.get_by_label("Title").fill(title)
    page.get_by_label("Question").fill(body)
    page.get_by_role("button", name="Post question").click()
    expect(page).to_have_url(re.compile(r"/t/\d+/"))
    panel = page.locator("#ai-panel")
    expect(panel.locator("[data-status]")).to_have_attribute("data-status", "draft", timeout=DRAFT_TIMEOUT_MS)
    return panel


@pytest.mark.parametrize("screen", [DESKTOP_LIGHT, PHONE_DARK], ids=lambda s: s.name)
def test_draft_quotes_the_yaml_block_verbatim_and_links_the_post(celery_worker, screen, logged_in_page, engineering,
                                                                employee, other_employee):
    carol = UserFactory(username="carol")
    source = make_thread(carol, engineering, title=HELM_TITLE,
                         body="The worker deployment never scales past two pods. Where does autoscaling go?",
                         replies=[(other_employee, HELM_REPLY)])
    accept_last_reply(carol, source)
    reply = source.posts.order_by("pk").last()
    make_thread(carol, engineering, title="Which Python version do the build agents run?",
                body="Our CI image says 3.11 but `pyproject.toml` allows 3.12.")

    alice = logged_in_page(employee, screen)
    panel = ask(alice, engineering, "How do I enable autoscaling for the Celery worker in our Helm chart?",
                "The worker deployment is stuck at two replicas. Where in `values.yaml` does autoscaling go?")
    body = panel.locator(".ai-body")
    code = body.locator("pre > code")
    expect(code).to_have_count(1)
    expect(code).to_have_class(re.compile(r"\blanguage-yaml\b"))
    # Every space of the nesting kept. The block is one claim, checked against its source: supported, so
    # marked with no visible tag, only a status word for screen readers that is not part of the code.
    expect(code.locator(".claim.claim-supported")).to_have_count(1)
    assert code.evaluate(WITHOUT_CLAIM_LABELS) == YAML
    assert code.evaluate(SELECTED_TEXT) == YAML.rstrip("\n")  # a copy holds no status word either
    text = body.evaluate(WITHOUT_CLAIM_LABELS)
    assert "Turn on the chart's autoscaler in values.yaml" in text
    assert "Then run helm upgrade for the release" in text

    exact_post = f"/t/{source.pk}/?post={reply.pk}#post-{reply.pk}"
    attribution = body.get_by_role("link", name=HELM_TITLE)
    expect(attribution.first).to_be_visible()
    assert {link.get_attribute("href") for link in attribution.all()} == {exact_post}
    credit = body.locator("p").filter(has=alice.get_by_role("link", name=HELM_TITLE)).first
    expect(credit).to_contain_text(f"— {other_employee.username}, accepted answer in {HELM_TITLE}")
    sources = panel.locator(".ai-sources li")
    expect(sources).to_have_count(1)
    expect(sources.get_by_role("link", name=HELM_TITLE)).to_have_attribute("href", exact_post)
    panel.scroll_into_view_if_needed()
    alice.evaluate("window.getSelection().removeAllRanges()")  # the copy check's selection is not the page's look
    shot(alice, screen, "draft-code")

    # The link opens the quoted post itself.
    attribution.first.click()
    expect(alice).to_have_url(re.compile(re.escape(exact_post) + "$"))
    quoted = alice.locator(f"#post-{reply.pk} pre code")
    expect(quoted).to_be_visible()
    assert quoted.text_content() == YAML


# 4. An abstention --------------------------------------------------------------------------------

FIREWALL_TITLE = "Firewall exceptions for the payments VPC"
FIREWALL_ANSWER = "File an FW-EXC ticket with the port list; priya approves exceptions within a day."
FIREWALL_QUESTION = ("How do I request a firewall exception for the payments VPC?",
                     "Our new service needs port 8443 open to the payments VPC. Who approves that?")


@pytest.mark.parametrize("screen", [DESKTOP_LIGHT, PHONE_DARK], ids=lambda s: s.name)
def test_draft_abstains_when_nothing_readable_answers(celery_worker, screen, logged_in_page, engineering, secops,
                                                      employee, other_employee, secops_member, security_reviewer):
    # Only a restricted thread answers the question; alice cannot read it, so it is no source of hers.
    secret = make_thread(secops_member, secops, title=FIREWALL_TITLE,
                         body="How do I request a firewall exception for the payments VPC?",
                         replies=[(security_reviewer, FIREWALL_ANSWER)])
    accept_last_reply(secops_member, secret)
    carol = UserFactory(username="carol")
    make_thread(carol, engineering, title="Celery retries flood Redis after a broker restart",
                body="Every task retries at once.", replies=[(other_employee, "Use `retry_backoff=True`.")])

    # The restricted thread does answer it, for those who may read it (the same ranking and threshold).
    for_member = retrieval_search.similar_threads(secops_member, "\n\n".join(FIREWALL_QUESTION))
    assert [result.thread for result in for_member] == [secret]

    alice = logged_in_page(employee, screen)
    panel = ask(alice, engineering, *FIREWALL_QUESTION)
    body = panel.locator(".ai-body")
    expect(body).to_have_text(NOTHING_FOUND)
    expect(body).to_contain_text("Nothing in the posts you can read answers this question")
    expect(body.locator("a")).to_have_count(0)
    expect(panel.locator(".ai-sources li")).to_have_count(0)
    expect(panel.locator(".ai-sources")).to_contain_text("No post you can read was relevant.")
    # Nothing in it for a reviewer to check: not offered for review; asking again is.
    expect(panel.get_by_role("button", name="Submit for review")).to_have_count(0)
    expect(panel.locator("[data-declined]")).to_contain_text("Nothing to submit for review")
    expect(panel.get_by_role("button", name="Regenerate")).to_be_visible()
    page_text = alice.content()
    assert "FW-EXC" not in page_text and FIREWALL_TITLE not in page_text
    panel.scroll_into_view_if_needed()
    shot(alice, screen, "abstention")
