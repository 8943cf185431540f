"""The review desk (issue 14): the header's review link and its count, the queue's approvals and filters.

Decisions: the header link is shown only to someone who holds review_ai_answers on some category; its
count is what awaits *them* (submitted or flagged answers in their categories, not their own question,
not a text they have already approved), asked in one query per page and never cached across users.
The queue page itself stays as before for someone who reviews nothing: 200 and an empty list.
"""
import re

import pytest
from django.urls import reverse

from aiassist import selectors, services
from aiassist.models import AIAnswer

from ..factories import signed_in
from .test_review_services import QUOTED, approve, reload, submitted

pytestmark = pytest.mark.django_db


def header_count(client) -> int | None:
    """The header's review count on the home page, or None when there is no review link."""
    html = client.get(reverse("forum:home")).content.decode()
    link = re.search(
        r'<a href="/ai/review/" class="nav-link review-link" aria-label="Review queue, (\d+) awaiting you"', html)
    return int(link.group(1)) if link else None


def queue_rows(client, params=None) -> dict[int, str]:
    response = client.get(reverse("assistant:queue"), params or {})
    assert response.status_code == 200
    rows = re.findall(r'<li class="thread-row">.*?</li>', response.content.decode(), re.S)
    return {int(re.search(r'href="/ai/review/(\d+)/"', row).group(1)): row for row in rows}


@pytest.fixture
def desk(employee, other_employee, eng_moderator, general_moderator, engineering, general):
    """Engineering: a low-risk and a high-risk answer waiting; General: one waiting; a draft nobody sees."""
    low = submitted(employee, engineering, sources_in=general, title="Low: how should celery retries back off?")
    high = submitted(employee, engineering, risk="high", sources_in=general,
                     title="High: nightly batch jobs cannot write to the shared data directory")
    in_general = submitted(other_employee, general, title="General: how should celery retries back off?")
    return {"low": low, "high": high, "general": in_general}


def test_reviewers_get_a_header_link_counting_what_awaits_them_in_their_categories(
        desk, eng_moderator, general_moderator, security_reviewer):
    assert header_count(signed_in(eng_moderator)) == 2
    assert header_count(signed_in(security_reviewer)) == 2  # reviews Engineering (and Security Ops: empty)
    assert header_count(signed_in(general_moderator)) == 1


@pytest.mark.parametrize("who", ["employee", "other_employee", "admin_user", "secops_member"])
def test_people_who_review_nothing_get_no_review_link(request, who, desk):
    client = signed_in(request.getfixturevalue(who))
    html = client.get(reverse("forum:home")).content.decode()
    assert header_count(client) is None
    assert 'href="/ai/review/"' not in html
    assert "AI review queue" not in html  # nor the old user-menu link


@pytest.mark.parametrize("who", ["employee", "other_employee", "admin_user", "secops_member"])
def test_the_queue_and_metrics_show_nothing_to_people_who_review_nothing(request, who, desk):
    client = signed_in(request.getfixturevalue(who))
    response = client.get(reverse("assistant:queue"), {"category": "engineering", "risk": "high"})
    html = response.content.decode()
    assert response.status_code == 200 and "Nothing to review." in html
    assert not re.search(r"/ai/review/\d+/", html)
    assert QUOTED["low"] not in html and QUOTED["high"] not in html
    assert desk["low"].thread.title not in html
    assert 'name="category"' not in html  # no filter listing categories they do not review
    metrics = client.get(reverse("assistant:metrics"))
    assert metrics.status_code == 404
    assert "Engineering" not in metrics.content.decode().split("<main", 1)[1]


def test_an_approval_takes_the_answer_off_the_approvers_count_only(desk, eng_moderator, security_reviewer):
    approve(eng_moderator, desk["high"])  # high risk: still needs a security reviewer
    assert header_count(signed_in(eng_moderator)) == 1
    assert header_count(signed_in(security_reviewer)) == 2
    row = queue_rows(signed_in(eng_moderator))[desk["high"].pk]
    assert "approvals 1 of 2" in row and "needs a security reviewer" in row
    assert "you approved; waiting for another reviewer" in row
    other = queue_rows(signed_in(security_reviewer))[desk["high"].pk]
    assert "approvals 1 of 2" in other and "you approved" not in other


def test_an_edit_after_an_approval_puts_the_answer_back_on_the_approvers_count(desk, eng_moderator,
                                                                                 security_reviewer):
    approve(eng_moderator, desk["high"])
    answer = reload(desk["high"])
    services.answer_edit(acting_user=security_reviewer, answer=answer, body=answer.body + "\n\nChecked by sam.")
    assert header_count(signed_in(eng_moderator)) == 2
    assert "approvals 0 of 2" in queue_rows(signed_in(eng_moderator))[desk["high"].pk]


def test_the_askers_own_answer_is_listed_but_not_counted(engineering, general, eng_moderator, employee):
    own = submitted(eng_moderator, engineering, sources_in=general, title="Maria's own: celery retries back off?")
    other = submitted(employee, engineering, sources_in=general)
    assert header_count(signed_in(eng_moderator)) == 1
    rows = queue_rows(signed_in(eng_moderator))
    assert "your question: not yours to review" in rows[own.pk]
    assert "not yours to review" not in rows[other.pk]


def test_the_queue_is_oldest_first_with_approvals_of_the_rule(desk, eng_moderator):
    rows = queue_rows(signed_in(eng_moderator))
    assert list(rows) == [desk["low"].pk, desk["high"].pk]
    assert "approvals 0 of 1" in rows[desk["low"].pk]
    assert "approvals 0 of 2" in rows[desk["high"].pk]


def test_the_queue_filters_by_category_and_risk(desk, security_reviewer, secops, secops_member, eng_moderator):
    client = signed_in(security_reviewer)
    assert set(queue_rows(client, {"risk": "high"})) == {desk["high"].pk}
    assert set(queue_rows(client, {"risk": "low"})) == {desk["low"].pk}
    assert set(queue_rows(client, {"category": "engineering"})) == {desk["low"].pk, desk["high"].pk}
    assert queue_rows(client, {"category": "security-ops"}) == {}
    html = client.get(reverse("assistant:queue"), {"category": "security-ops"}).content.decode()
    assert "Nothing matches these filters." in html
    # The filter offers only the categories the reviewer reviews.
    maria = signed_in(eng_moderator).get(reverse("assistant:queue")).content.decode()
    assert '<option value="engineering"' in maria and 'value="security-ops"' not in maria


@pytest.mark.parametrize("params", [
    {"category": "general"},  # exists, but not reviewed by maria: no way to list its answers
    {"category": "no-such-category"},
    {"risk": "extreme"},
    {"risk": "<script>alert(1)</script>"},
    {"category": "x" * 5000, "risk": "high\x00"},
    {"page": "abc"},
], ids=["unreviewed", "unknown", "bad-risk", "markup", "huge-nul", "bad-page"])
def test_bad_filters_are_ignored_with_a_clear_message(desk, eng_moderator, params):
    response = signed_in(eng_moderator).get(reverse("assistant:queue"), params)
    assert response.status_code == 200
    html = response.content.decode()
    rows = set(re.findall(r'href="/ai/review/(\d+)/"', html))
    assert rows == {str(desk["low"].pk), str(desk["high"].pk)}  # the filter is dropped, the queue shown
    assert desk["general"].thread.title not in html
    assert "<script>alert(1)" not in html
    if set(params) != {"page"}:
        assert "ignored." in html


def test_the_header_count_is_one_query(desk, eng_moderator, employee, django_assert_num_queries):
    with django_assert_num_queries(1):
        assert selectors.review_desk(eng_moderator) == (True, 2)
    with django_assert_num_queries(1):
        assert selectors.review_desk(employee) == (False, 0)


# session, user, reviewed categories, the page's count and rows, the rows' approvals, the header's desk,
# unread notifications
QUEUE_QUERIES = 8


def test_the_filtered_queue_runs_the_same_queries_for_few_or_many_answers(
        desk, employee, engineering, general, security_reviewer, eng_moderator, django_assert_num_queries):
    client = signed_in(security_reviewer)
    client.get(reverse("assistant:queue"))
    for params in ({}, {"risk": "high"}, {"category": "engineering", "risk": "low"}):
        with django_assert_num_queries(QUEUE_QUERIES):
            client.get(reverse("assistant:queue"), params)
    for n in range(4):
        answer = submitted(employee, engineering, risk="high" if n % 2 else "low", sources_in=general,
                           title=f"More: how should celery retries back off, case {n}?")
        if n % 2:  # high risk: one approval, still waiting for a security reviewer
            approve(eng_moderator, answer)
    for params in ({}, {"risk": "high"}, {"category": "engineering", "risk": "low"}):
        with django_assert_num_queries(QUEUE_QUERIES):
            assert client.get(reverse("assistant:queue"), params).status_code == 200
    assert len(queue_rows(client)) == 6


def test_published_and_flagged_answers_show_their_approvals(desk, eng_moderator, other_employee):
    answer = approve(eng_moderator, desk["low"])
    assert answer.status == AIAnswer.Status.PUBLISHED
    services.answer_report(acting_user=other_employee, answer=reload(answer), reason="Outdated.", code="outdated")
    row = queue_rows(signed_in(eng_moderator))[answer.pk]
    assert "Published · flagged" in row and "1 approval" in row
    assert "⚑ Reported by a reader: Outdated." in row
