"""axe-core over the main pages, as each role sees them, in light and dark: no serious or critical violation.

axe-core (MPL 2.0, vendored under ``vendor/`` so the check runs offline and never changes under us) is
evaluated through the DevTools protocol, which the page's Content-Security-Policy does not govern; the
pages themselves stay CSP-strict. "Serious" and "critical" are axe's own impact levels: missing names
and labels, contrast below WCAG AA, broken ARIA, duplicate ids that break labels, and the like.
"""
from pathlib import Path

import pytest
from django.urls import reverse

from aiassist import services
from aiassist.models import AIAnswer
from forum import services as forum_services

from ..factories import UserFactory
from .conftest import DESKTOP_DARK, DESKTOP_LIGHT, PHONE_LIGHT

pytestmark = pytest.mark.e2e

AXE = (Path(__file__).parent / "vendor" / "axe-4.10.2.min.js").read_text()
BLOCKING = {"serious", "critical"}


def violations(page) -> list[str]:
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE + "\n;undefined")
    found = page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}));
        }""")
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
    return {"source": source, "question": question, "answer": submitted, "category": engineering}


def _pages(world) -> dict[str, list[str]]:
    thread = reverse("forum:thread", args=[world["question"].pk])
    return {
        "employee": [reverse("forum:home"), reverse("forum:category", args=[world["category"].slug]), thread,
                     reverse("forum:thread_start"), reverse("retrieval:search") + "?q=celery+retries",
                     reverse("forum:notifications"), "/no-such-page/"],
        "moderator": [reverse("assistant:queue"), reverse("assistant:review", args=[world["answer"].pk]),
                      reverse("forum:thread", args=[world["source"].pk])],
    }


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
            problems[f"{url} ({role})"] = violations(page)

    failing = {url: found for url, found in problems.items() if found}
    assert not failing, "\n".join(f"{url}:\n  " + "\n  ".join(found) for url, found in failing.items())


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
