"""axe-core over the main pages, as each role sees them, in light and dark: no serious or critical violation.

axe-core (MPL 2.0, vendored under ``vendor/`` so the check runs offline and never changes under us) is
evaluated through the DevTools protocol, which the page's Content-Security-Policy does not govern; the
pages themselves stay CSP-strict. "Serious" and "critical" are axe's own impact levels: missing names
and labels, contrast below WCAG AA, broken ARIA, duplicate ids that break labels, and the like.

Covered: the forum's pages (home, category, thread, new thread, search, grouped notifications, a profile, the
watch list, the branded 404) as an employee; the review queue, a review page and the metrics as a reviewer;
a draft marked claim by claim (every status, a confirmed claim, the passage shown beside a focused claim) in
the asker's panel and on the review page; the admin's grants page as a superuser.
"""
from pathlib import Path

import pytest
from django.urls import reverse

from aiassist import services
from aiassist.models import AIAnswer
from forum import services as forum_services

from ..aiassist.test_engines_openai import chat_server, completion, openai_settings  # noqa: F401 - fixtures
from ..aiassist.test_grounding_gate import DRAFT, SOURCE, SOURCE_TITLE
from ..factories import UserFactory, make_thread
from .conftest import DESKTOP_DARK, DESKTOP_LIGHT, PHONE_DARK, PHONE_LIGHT

pytestmark = pytest.mark.e2e

AXE = (Path(__file__).parent / "vendor" / "axe-4.10.2.min.js").read_text()
BLOCKING = {"serious", "critical"}


def violations(page, context: str = "document") -> list[str]:
    """axe's serious and critical findings on the page, or within the elements ``context`` selects."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE + "\n;undefined")
    found = page.evaluate(
        """async (context) => {
            const scope = context === 'document' ? document : {include: [[context]]};
            const result = await axe.run(scope, {resultTypes: ['violations']});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }""", context)
    return [f"{v['id']} ({v['impact']}): {v['help']} at {v['nodes']}" for v in found if v["impact"] in BLOCKING]


@pytest.fixture
def world(employee, other_employee, eng_moderator, engineering):
    """A thread answered by a colleague, and the employee's private draft and submitted answer on a question."""
    source = forum_services.thread_start(
        acting_user=other_employee, category=engineering, title="Celery retries: backoff settings",
        body="What should the retry settings be for a flaky API?")
    forum_services.post_reply(
        acting_user=UserFactory(username="carol"), thread=source,
        body="Declare `autoretry_for` with `retry_backoff=True` so retries back off exponentially.\n\n"
             "```python\n@app.task(autoretry_for=(IOError,), retry_backoff=True, max_retries=5)\ndef call(): ...\n```")
    question = forum_services.thread_start(
        acting_user=employee, category=engineering, title="How should Celery retries back off?",
        body="Our tasks call a flaky API. How should the retries back off?")
    answer = services.answer_request(acting_user=employee, thread=question)
    answer = services.answer_generate(answer_id=answer.pk)
    assert answer.status == AIAnswer.Status.DRAFT
    submitted = services.answer_submit(acting_user=employee, answer=answer)
    # Notices for alice in two threads (grouped on her notifications page), a helpful vote, a watched thread.
    forum_services.post_reply(acting_user=employee, thread=source, body="We use the same settings, thanks.")
    helpful = forum_services.post_reply(acting_user=other_employee, thread=source,
                                        body="Cap the delay with `retry_backoff_max=600` as well.")
    forum_services.post_vote(acting_user=employee, post=helpful)
    forum_services.post_reply(acting_user=other_employee, thread=question, body="Following: we have the same.")
    # A rejected draft, counted by reason on the metrics page.
    other = forum_services.thread_start(acting_user=employee, category=engineering,
                                        title="Do Celery retries keep the task id?", body="Or is it a new task?")
    other_answer = services.answer_generate(
        answer_id=services.answer_request(acting_user=employee, thread=other).pk)
    other_answer = services.answer_submit(acting_user=employee, answer=other_answer)
    services.answer_reject(acting_user=eng_moderator, answer=AIAnswer.objects.get(pk=other_answer.pk),
                           code="incomplete", reason="It says nothing about the task id.")
    return {"source": source, "question": question, "answer": submitted, "category": engineering}


def _pages(world) -> dict[str, list[str]]:
    thread = reverse("forum:thread", args=[world["question"].pk])
    return {
        "employee": [reverse("forum:home"), reverse("forum:category", args=[world["category"].slug]), thread,
                     reverse("forum:thread_start"), reverse("retrieval:search") + "?q=celery+retries",
                     reverse("forum:notifications"), reverse("forum:profile", args=["bob"]),
                     reverse("forum:watching"), "/no-such-page/"],
        "moderator": [reverse("assistant:queue"), reverse("assistant:review", args=[world["answer"].pk]),
                      reverse("forum:thread", args=[world["source"].pk]), reverse("assistant:metrics")],
    }


def _check_what_is_shown(page, url: str) -> None:
    """The page under test holds what it is there to show (a check of an empty page proves little)."""
    if url == reverse("forum:notifications"):
        assert page.locator(".notification-group").count() >= 2
        assert page.locator(".notification.is-unread").count() >= 2
    elif url == reverse("forum:profile", args=["bob"]):
        assert page.get_by_role("heading", name="bob", exact=True).is_visible()
    elif url == reverse("forum:watching"):
        assert page.get_by_text("Celery retries: backoff settings").first.is_visible()
    elif url == reverse("assistant:metrics"):
        assert page.locator(".metrics-card", has_text="Engineering").is_visible()
    elif url.startswith("/ai/review/") and url.rstrip("/").split("/")[-1].isdigit():
        assert page.locator(".claims-draft .claim").count() >= 1


@pytest.mark.parametrize("screen", [DESKTOP_LIGHT, DESKTOP_DARK, PHONE_LIGHT], ids=lambda s: s.name)
def test_main_pages_have_no_serious_accessibility_violation(live_server, new_context, logged_in_page, world,
                                                            employee, eng_moderator, screen):
    anonymous = new_context(screen).new_page()
    anonymous.goto("/accounts/login/")
    problems = {"/accounts/login/ (anonymous)": violations(anonymous)}

    pages = _pages(world)
    for role, user in (("employee", employee), ("moderator", eng_moderator)):
        page = logged_in_page(user, screen)
        for url in pages[role]:
            page.goto(url)
            _check_what_is_shown(page, url)
            problems[f"{url} ({role})"] = violations(page)

    failing = {url: found for url, found in problems.items() if found}
    assert not failing, "\n".join(f"{url}:\n  " + "\n  ".join(found) for url, found in failing.items())


@pytest.fixture
def grounded(openai_settings, chat_server, employee, other_employee, engineering):  # noqa: F811 - fixtures
    """A draft whose claims take every status: supported, invented (a command and a path), contradicted,
    uncited; drafted by the OpenAI-compatible engine on a loopback server."""
    make_thread(other_employee, engineering, title=SOURCE_TITLE,
                body="Which settings control retry backoff?", replies=[(UserFactory(username="carol"), SOURCE)])
    thread = make_thread(employee, engineering, title="How should celery retries back off?",
                         body="My celery tasks fail on network errors. How do retries back off?")
    chat_server.reply(completion(DRAFT))
    return services.answer_generate(answer_id=services.answer_request(acting_user=employee, thread=thread).pk)


def _focus_claim(page, status: str) -> None:
    page.locator(f".claims-draft .claim.claim-{status}").first.focus()
    page.locator(".claim-popover").wait_for(state="visible")


@pytest.mark.parametrize("screen", [DESKTOP_LIGHT, DESKTOP_DARK, PHONE_DARK], ids=lambda s: s.name)
def test_claims_marked_by_grounding_have_no_serious_accessibility_violation(logged_in_page, grounded, employee,
                                                                           eng_moderator, screen):
    statuses = ("supported", "invented", "contradicted", "uncited")
    problems = {}
    asker = logged_in_page(employee, screen)
    asker.goto(reverse("forum:thread", args=[grounded.thread_id]))
    for status in statuses:
        assert asker.locator(f"#ai-panel .claims-draft .claim.claim-{status}").count() >= 1, status
    problems["asker's panel"] = violations(asker)
    _focus_claim(asker, "contradicted")
    problems["asker's panel, a contradicted claim's passage shown"] = violations(asker)

    answer = services.answer_submit(acting_user=employee, answer=AIAnswer.objects.get(pk=grounded.pk))
    blocking = next(claim for claim in answer.grounding["claims"] if claim["status"] == "invented")
    services.answer_confirm_claim(acting_user=eng_moderator, answer=answer, key=blocking["key"],
                                  reason="The runbook has it.")
    reviewer = logged_in_page(eng_moderator, screen)
    reviewer.goto(reverse("assistant:review", args=[grounded.pk]))
    assert reviewer.locator(".claims-draft .claim.claim-confirmed").count() >= 1
    assert reviewer.locator(".claim-confirm-form").count() >= 1
    problems["review page"] = violations(reviewer)
    for status in ("invented", "uncited", "supported"):
        _focus_claim(reviewer, status)
        problems[f"review page, a {status} claim's passage shown"] = violations(reviewer)

    failing = {where: found for where, found in problems.items() if found}
    assert not failing, "\n".join(f"{where}:\n  " + "\n  ".join(found) for where, found in failing.items())


@pytest.mark.parametrize("screen", [DESKTOP_LIGHT, DESKTOP_DARK, PHONE_LIGHT], ids=lambda s: s.name)
def test_the_admin_grants_page_has_no_serious_accessibility_violation(logged_in_page, admin_user, secops,
                                                                      secops_member, screen):
    page = logged_in_page(admin_user, screen)
    page.goto(f"/admin/forum/category/{secops.pk}/grants/")
    assert page.get_by_role("heading", name="Grants: Security Ops").is_visible()
    assert page.locator(".grants-table tbody tr").count() >= 1
    found = violations(page)
    assert not found, "\n".join(found)


def test_the_check_catches_a_violation(live_server, new_context):
    """The harness itself: an image without alternative text and an unlabeled field are reported."""
    page = new_context().new_page()
    page.goto("/accounts/login/")
    page.evaluate("""() => {
        const img = document.createElement('img'); img.src = '/static/favicon.svg';
        const input = document.createElement('input'); input.type = 'text';
        const main = document.querySelector('main'); main.append(img, input);
    }""")
    found = violations(page)
    assert any(v.startswith("image-alt") for v in found), found
    assert any(v.startswith("label") for v in found), found
