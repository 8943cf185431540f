"""The review desk on the review page: the approval state in words, the diff of an edit, the live preview,
sources told apart by author and date, and citation markers that link to the sources on every page."""
import re

import pytest
from django.test import Client
from django.urls import reverse

from aiassist import services
from aiassist.models import AIAnswer, Approval
from forum.models import Post

from .test_review_services import approve, make_reviewer, reload, submitted

pytestmark = pytest.mark.django_db

S = AIAnswer.Status


def page(user, answer) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(reverse("assistant:review", args=[answer.pk]))
    assert response.status_code == 200
    return response.content.decode()


def test_a_reviewer_who_approved_sees_who_the_answer_waits_for_and_no_approve_button(employee, engineering):
    first = make_reviewer("rita", engineering)
    make_reviewer("sam", engineering, high_risk=True)
    answer = approve(first, submitted(employee, engineering, risk="high"))
    assert answer.status == S.IN_REVIEW

    html = page(first, answer)
    assert "You approved this text; waiting for a security reviewer (sam)." in html
    assert ">Approve<" not in html and "Approve and publish" not in html
    assert "Save edit and check again" in html  # editing is still possible, and says what it costs

    tom = make_reviewer("tom", engineering, high_risk=True)
    other = page(tom, answer)
    assert "Approved 1 of 2; waiting for a security reviewer (sam, tom)." in other
    assert "Approve and publish" in other  # tom's approval completes it


def test_the_diff_shows_a_reviewers_edit_line_by_line(employee, eng_moderator, engineering):
    answer = submitted(employee, engineering)
    edited = answer.body.replace("\n\n", "\n\nReviewer's note: check the queue first.\n\n", 1)
    services.answer_edit(acting_user=eng_moderator, answer=reload(answer), body=edited)

    html = page(eng_moderator, reload(answer))
    rows = re.findall(r'<tr class="diff-(added|removed)">.*?<code>(.*?)</code>', html, re.S)
    assert ("added", "Reviewer&#x27;s note: check the queue first.") in rows
    assert all(kind == "added" for kind, _ in rows)
    assert '<span class="visually-hidden">Added</span>' in html  # not by colour alone


def test_no_diff_before_any_edit_and_the_live_preview_is_wired(employee, eng_moderator, engineering):
    answer = submitted(employee, engineering)
    html = page(eng_moderator, answer)
    assert "review-diff" not in html
    assert 'hx-post="/preview/"' in html and 'hx-include="#id_body"' in html


def test_sources_are_told_apart_and_markers_link_to_them(employee, eng_moderator, engineering):
    answer = submitted(employee, engineering)
    source = answer.sources.select_related("post__author").get(number=1)
    html = page(eng_moderator, answer)
    anchor = f"answer-{answer.pk}-source-1"
    assert f'id="{anchor}"' in html
    assert f"post by {source.post.author.username}," in html
    assert f'href="#{anchor}"' in html  # the [1] in the marked draft


def test_the_published_post_links_its_markers_to_its_sources(employee, eng_moderator, engineering, other_employee):
    answer = approve(eng_moderator, submitted(employee, engineering))
    assert answer.status == S.PUBLISHED
    post = Post.objects.get(pk=answer.published_post_id)
    anchor = f"answer-{answer.pk}-source-1"
    assert f'href="#{anchor}"' in post.body_html

    client = Client()
    client.force_login(other_employee)
    html = client.get(reverse("forum:thread", args=[answer.thread_id])).content.decode()
    assert f'href="#{anchor}"' in html and f'id="{anchor}"' in html


def test_the_review_page_query_count_does_not_grow_with_approvals_and_reviewers(
        employee, engineering, django_assert_max_num_queries):
    small = approve(make_reviewer("r1", engineering), submitted(employee, engineering, risk="high", title="One"))
    for name in ("s1", "s2", "s3", "s4", "s5", "s6"):
        make_reviewer(name, engineering, high_risk=True)
    big = submitted(employee, engineering, risk="high", title="Two")
    for name in ("r2", "r3", "r4"):
        approve(make_reviewer(name, engineering), big)

    viewer = make_reviewer("v", engineering)
    client = Client()
    client.force_login(viewer)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = []
    for answer in (small, big):
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("assistant:review", args=[answer.pk])).status_code == 200
        counts.append(len(captured))
    assert counts[0] == counts[1], counts


def test_the_review_page_reads_the_approvals_once(employee, engineering):
    """The approvals listed, the counts of what the text still needs and the "Approve and publish" label
    come from one read of the approvals with their standing (it was three reads)."""
    answer = approve(make_reviewer("r1", engineering), submitted(employee, engineering, risk="high"))
    security = make_reviewer("s1", engineering, high_risk=True)
    client = Client()
    client.force_login(security)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        html = client.get(reverse("assistant:review", args=[answer.pk])).content.decode()
    table = Approval._meta.db_table
    reads = [q["sql"] for q in captured if q["sql"].lstrip().startswith(f'SELECT "{table}".')]
    assert len(reads) == 1, reads
    assert "Approve and publish" in html  # the label still counts this reviewer's approval in
