"""The reviewers' pages: the review queue and the review page, their contents, their query counts, and how
they answer bad input, wrong methods and malformed ids.

Decision: the queue is a page every signed-in person may open (the user menu links it for everyone);
someone who reviews nothing gets an empty queue (200), not an error.
"""
import re

import pytest
from django.urls import reverse
from django.utils.html import escape

from aiassist import services
from aiassist.models import AIAnswer
from forum import policy
from forum import services as forum_services

from ..factories import grant, signed_in
from .test_review_services import (
    QUOTED,
    SCENARIOS,
    approve,
    ask,
    cited_post,
    drafted,
    reload,
    source_author,
    submitted,
)

pytestmark = pytest.mark.django_db

S = AIAnswer.Status


def queue_rows(client) -> dict[int, str]:
    """Answer id -> its row's HTML, for the rows of the review queue page."""
    response = client.get(reverse("assistant:queue"))
    assert response.status_code == 200
    rows = re.findall(r'<li class="thread-row">.*?</li>', response.content.decode(), re.S)
    return {int(re.search(r'href="/ai/review/(\d+)/"', row).group(1)): row for row in rows}


@pytest.fixture
def answers(employee, other_employee, eng_moderator, engineering, general):
    """Answers in every state, in Engineering and in General."""
    made = {
        "low": submitted(employee, engineering, sources_in=general),
        "high": submitted(employee, engineering, risk="high", sources_in=general,
                          title="Nightly batch jobs cannot write to the shared data directory again"),
        "draft": drafted(employee, ask(employee, engineering, sources_in=general,
                                       title="Draft: how should celery retries back off?")),
        "rejected": submitted(employee, engineering, sources_in=general, title="Rejected: celery retries back off?"),
        "published": approve(eng_moderator, submitted(employee, engineering, sources_in=general,
                                                      title="Published: celery retries back off?")),
        "flagged": approve(eng_moderator, submitted(employee, engineering, sources_in=general,
                                                    title="Flagged: celery retries back off?")),
        "general": submitted(other_employee, general, title="General: how should celery retries back off?"),
    }
    services.answer_reject(acting_user=eng_moderator, answer=made["rejected"], reason="Duplicate.")
    services.answer_report(acting_user=other_employee, answer=reload(made["flagged"]), reason="Wrong broker.")
    return {name: reload(answer) for name, answer in made.items()}


def test_the_queue_lists_exactly_the_submitted_answers_in_the_categories_the_user_reviews(
        answers, eng_moderator, security_reviewer, general_moderator):
    for reviewer in (eng_moderator, security_reviewer):
        rows = queue_rows(signed_in(reviewer))
        assert set(rows) == {answers["low"].pk, answers["high"].pk, answers["flagged"].pk}
    rows = queue_rows(signed_in(eng_moderator))
    assert "Low risk" in rows[answers["low"].pk] and "High risk" not in rows[answers["low"].pk]
    assert "High risk" in rows[answers["high"].pk]
    assert "⚑ Reported by a reader: Wrong broker." in rows[answers["flagged"].pk]
    assert "Published · flagged" in rows[answers["flagged"].pk]
    assert "Engineering · asked by alice" in rows[answers["low"].pk]
    assert set(queue_rows(signed_in(general_moderator))) == {answers["general"].pk}


@pytest.mark.parametrize("who", ["employee", "other_employee", "admin_user", "secops_member"])
def test_someone_who_reviews_nothing_gets_an_empty_queue(request, who, answers):
    response = signed_in(request.getfixturevalue(who)).get(reverse("assistant:queue"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nothing to review." in html
    assert not re.search(r"/ai/review/\d+/", html)
    assert QUOTED["low"] not in html and QUOTED["high"] not in html


def test_the_queue_sends_anonymous_visitors_to_sign_in(client, answers):
    response = client.get(reverse("assistant:queue"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_the_review_page_shows_everything_a_reviewer_decides_on(answers, eng_moderator, security_reviewer):
    answer = approve(eng_moderator, answers["high"])
    html = signed_in(security_reviewer).get(reverse("assistant:review", args=[answer.pk])).content.decode()
    # The question, as asked.
    assert escape(SCENARIOS["high"]["body"]) in html
    # The text, editable, with the machine's text kept.
    textarea = re.search(r'<textarea id="id_body" name="body"[^>]*>(.*?)</textarea>', html, re.S)
    assert textarea and escape(answer.body) in textarea.group(1)
    # The sources, and whether the thread's whole audience may read each.
    assert escape(SCENARIOS["high"]["source_title"]) in html and "in General" in html
    assert "✓ The thread's whole audience may read it" in html
    # The risk and its reasons.
    assert "High risk" in html
    for reason in answer.risk_reasons:
        assert escape(reason) in html
    # The approvals so far and what is still needed; this reviewer's approval completes them.
    assert re.search(r'<ul class="approval-list">\s*<li>maria', html)
    assert "1 of 2 needed; a security reviewer must be one of them" in html
    assert ">Approve and publish</button>" in html
    assert f'action="/ai/review/{answer.pk}/reject/"' in html


def test_the_review_page_says_when_an_approval_will_not_yet_publish(answers, eng_moderator):
    html = signed_in(eng_moderator).get(reverse("assistant:review", args=[answers["high"].pk])).content.decode()
    assert ">Approve</button>" in html
    assert "two different reviewers must approve, one of them a security reviewer" in html
    low = signed_in(eng_moderator).get(reverse("assistant:review", args=[answers["low"].pk])).content.decode()
    assert ">Approve and publish</button>" in low and "One approval publishes it." in low


def test_the_review_page_marks_a_source_outside_the_audience(answers, admin_user, eng_moderator, secops):
    forum_services.thread_move(acting_user=admin_user, thread=cited_post(answers["low"]).thread, category=secops)
    # A reviewer who may not read the source any more does not see the answer (tests/security/
    # test_source_visibility.py); one who may sees the source marked.
    assert signed_in(eng_moderator).get(reverse("assistant:review", args=[answers["low"].pk])).status_code == 404
    grant(policy.VIEW, eng_moderator, secops)
    html = signed_in(eng_moderator).get(reverse("assistant:review", args=[answers["low"].pk])).content.decode()
    assert "✗ Not everyone who reads the thread may read it" in html


def test_the_review_page_shows_rejection_and_retraction_reasons(answers, eng_moderator):
    services.answer_retract(acting_user=eng_moderator, answer=answers["published"], reason="Superseded by v5.")
    client = signed_in(eng_moderator)
    retracted = client.get(reverse("assistant:review", args=[answers["published"].pk])).content.decode()
    assert "Superseded by v5." in retracted and 'name="reason"' not in retracted
    rejected = client.get(reverse("assistant:review", args=[answers["rejected"].pk])).content.decode()
    assert "Rejected: Duplicate." in rejected


def test_an_earlier_texts_approval_is_marked(answers, eng_moderator, security_reviewer):
    answer = approve(eng_moderator, answers["high"])
    approve(security_reviewer, answer, body=answer.body + "\n\nAsk the data team first.")
    html = signed_in(security_reviewer).get(reverse("assistant:review", args=[answer.pk])).content.decode()
    assert re.search(r"<li>maria.*?\(of an earlier text\)", html)
    assert "The machine's original text" in html


# Query counts ---------------------------------------------------------------------------------------------

# session, user, the page's count and rows (with approvals counted), the rows' standing approvals, the reviewed
# categories (the filter), the header's review count and unread notifications
QUEUE_QUERIES = 8


def test_the_queue_page_runs_the_same_queries_for_3_or_15_answers(django_assert_num_queries, employee,
                                                                   eng_moderator, engineering, general):
    def add(count, start):
        for n in range(start, start + count):
            risk = "high" if n % 3 == 0 else "low"
            answer = submitted(employee, engineering, risk=risk, sources_in=general,
                               title=f"{SCENARIOS[risk]['title']} (case {n})")
            # Dana answers each case as well: a later case's best match is an earlier case, which then has
            # an answer to quote like the source thread.
            forum_services.post_reply(acting_user=source_author(), thread=answer.thread,
                                      body=SCENARIOS[risk]["source_reply"])

    client = signed_in(eng_moderator)
    add(3, 0)
    client.get(reverse("assistant:queue"))
    with django_assert_num_queries(QUEUE_QUERIES):
        assert len(queue_rows(client)) == 3
    add(12, 3)
    with django_assert_num_queries(QUEUE_QUERIES):
        assert len(queue_rows(client)) == 15


# Bad input, wrong methods, malformed ids ---------------------------------------------------------------------


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_rejecting_without_a_reason_is_refused_clearly(answers, eng_moderator, reason):
    data = {} if reason is None else {"reason": reason}
    response = signed_in(eng_moderator).post(reverse("assistant:reject", args=[answers["low"].pk]), data)
    assert response.status_code == 400
    assert "A reason is required to reject an answer." in response.content.decode()
    answer = reload(answers["low"])
    assert answer.status == S.IN_REVIEW and answer.reject_reason == ""


@pytest.mark.parametrize("reason", [None, "", "   "])
def test_retracting_without_a_reason_is_refused_clearly(answers, eng_moderator, reason):
    data = {} if reason is None else {"reason": reason}
    response = signed_in(eng_moderator).post(reverse("assistant:retract", args=[answers["published"].pk]), data)
    assert response.status_code == 400
    assert "A reason is required to retract an answer." in response.content.decode()
    answer = reload(answers["published"])
    assert answer.status == S.PUBLISHED and not answer.published_post.hidden


def test_a_reason_that_is_too_long_is_refused(answers, eng_moderator):
    response = signed_in(eng_moderator).post(reverse("assistant:reject", args=[answers["low"].pk]),
                                             {"reason": "x" * 1001})
    assert response.status_code == 400
    assert "Reasons are at most 1000 characters." in response.content.decode()
    assert reload(answers["low"]).status == S.IN_REVIEW


def test_approving_an_empty_text_is_refused(answers, eng_moderator):
    response = signed_in(eng_moderator).post(reverse("assistant:approve", args=[answers["low"].pk]), {"body": "  "})
    assert response.status_code == 400
    assert "The answer cannot be empty." in response.content.decode()
    answer = reload(answers["low"])
    assert answer.status == S.IN_REVIEW and not answer.approvals.exists()


ACTIONS = ["approve", "reject", "retract", "confirm", "submit", "withdraw"]


@pytest.mark.parametrize("verb", ACTIONS)
def test_action_urls_refuse_get(answers, eng_moderator, employee, verb):
    user = employee if verb in ("submit", "withdraw") else eng_moderator
    answer = answers["published"] if verb in ("retract", "confirm") else answers["low"]
    before = reload(answer).status
    assert signed_in(user).get(reverse(f"assistant:{verb}", args=[answer.pk])).status_code == 405
    assert reload(answer).status == before


def test_the_report_url_refuses_get(answers, other_employee):
    url = reverse("assistant:report", args=[answers["published"].published_post_id])
    assert signed_in(other_employee).get(url).status_code == 405


@pytest.mark.parametrize("path", ["/ai/review/abc/", "/ai/review/1x/approve/", "/ai/review/-1/reject/",
                                  "/ai/review/%201/retract/", "/ai/answers/abc/submit/", "/ai/posts/abc/report/"])
def test_malformed_or_unknown_ids_are_not_found(answers, eng_moderator, path):
    client = signed_in(eng_moderator)
    assert client.get(path).status_code == 404
    assert client.post(path, {"reason": "x"}).status_code == 404


def main_of(response) -> str:
    html = response.content.decode()
    return html[html.index('<main'):html.index("</main>")]


def test_a_missing_answer_is_not_found_like_a_hidden_one(answers, eng_moderator, general_moderator):
    client = signed_in(general_moderator)
    hidden = client.get(reverse("assistant:review", args=[answers["low"].pk]))
    missing = client.get(reverse("assistant:review", args=[answers["low"].pk + 1000]))
    huge = client.get("/ai/review/99999999999999999999/")
    assert hidden.status_code == missing.status_code == huge.status_code == 404
    assert main_of(hidden) == main_of(missing) == main_of(huge)
    assert client.post(f"/ai/review/{answers['low'].pk}/approve/").status_code == 404
    assert reload(answers["low"]).status == S.IN_REVIEW


def test_an_answer_outside_review_has_no_review_page(answers, eng_moderator, employee):
    # The asker's own draft: theirs to see on the thread page, not a review page.
    assert signed_in(employee).get(reverse("assistant:review", args=[answers["draft"].pk])).status_code == 404
    assert signed_in(eng_moderator).get(reverse("assistant:review", args=[answers["draft"].pk])).status_code == 404


def test_reporting_the_published_post_from_its_page(answers, other_employee, eng_moderator):
    post_id = answers["published"].published_post_id
    client = signed_in(other_employee)
    page = client.get(reverse("forum:thread", args=[answers["published"].thread_id])).content.decode()
    assert f'action="{reverse("assistant:report", args=[post_id])}"' in page
    assert "Reviewed and approved by maria" in page
    response = client.post(reverse("assistant:report", args=[post_id]), {"reason": "Outdated."}, follow=True)
    assert "Thank you. The reviewers will look at this answer again." in response.content.decode()


def test_a_published_answers_sources_are_filtered_per_reader_on_a_shared_thread_page(
        employee, other_employee, eng_moderator, general_moderator, engineering, general):
    """The thread page's posts are rendered once for readers with the same rights (forum.fragments);
    an AI post is rendered for each reader, so a source hidden from a reader's sight stays hidden from
    them even right after someone who may open it filled the cache. (A source moved out of the
    audience takes the answer down with it: tests/security/test_withdrawal.py.)"""
    answer = approve(eng_moderator, submitted(employee, engineering, sources_in=general))
    assert answer.status == S.PUBLISHED
    source = cited_post(answer)
    url = reverse("forum:thread", args=[answer.thread_id])
    link = f"?post={source.pk}#post-{source.pk}"
    # gus moderates General, bob does not: the same rights in Engineering, so one cached rendering of the posts.
    for reader in (general_moderator, other_employee, general_moderator):
        html = signed_in(reader).get(url).content.decode()
        listed = re.search(r'<div class="ai-sources">.*?</div>', html, re.S)
        assert listed is not None and link in listed.group(0)  # the per-reader sources list
    # Hidden, the source is gus's to open and not bob's: the answer that quotes it leaves the thread for both.
    forum_services.post_hide(acting_user=general_moderator, post=source, reason="Outdated.")
    assert reload(answer).status == S.IN_REVIEW
    for reader in (general_moderator, other_employee):
        html = signed_in(reader).get(url).content.decode()
        listed = re.search(r'<div class="ai-sources">.*?</div>', html, re.S)
        assert listed is None or link not in listed.group(0)
