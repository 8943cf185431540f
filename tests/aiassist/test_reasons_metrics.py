"""Structured reasons for rejecting, retracting and reporting AI answers, and the reviewers' metrics page.

Decisions: a reason is a code (incorrect, unsafe, outdated, incomplete, other) and a text. The text is
required for "other" and optional for the others (the code's label then stands in, so the asker and
readers are always told something). A call without a code (the API and forms before codes existed)
means "other": its text is all there is to go on, and it stays valid exactly as before.
"""
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from aiassist import services
from aiassist.models import AIAnswer, AnswerReport
from forum.models import AuditEvent

from ..api.conftest import V1, client_for
from ..factories import signed_in
from .test_review_services import approve, ask, drafted, reload, submitted

pytestmark = pytest.mark.django_db
S = AIAnswer.Status


def last_event(verb):
    return AuditEvent.objects.filter(verb=verb).latest("id")


# Reasons on the web -----------------------------------------------------------------------------------


def test_a_reviewer_rejects_with_a_code_and_a_text(employee, eng_moderator, engineering, general):
    answer = submitted(employee, engineering, sources_in=general)
    response = signed_in(eng_moderator).post(reverse("assistant:reject", args=[answer.pk]),
                                             {"code": "outdated", "reason": "Celery 5 changed the defaults."})
    assert response.status_code == 302
    answer = reload(answer)
    assert (answer.status, answer.reject_code, answer.reject_reason) == (S.REJECTED, "outdated",
                                                                         "Celery 5 changed the defaults.")
    assert answer.rejected_at is not None
    assert last_event("ai_answer.reject").data == {"reason": "Celery 5 changed the defaults.", "code": "outdated"}
    # The asker's panel says it was rejected, why, and no longer "submitted for review".
    panel = signed_in(employee).get(reverse("forum:thread", args=[answer.thread_id])).content.decode()
    assert "Rejected by a reviewer (outdated):</strong> Celery 5 changed the defaults." in panel
    assert "submitted for review" not in panel.lower()


def test_a_code_without_text_is_enough_except_for_other(employee, eng_moderator, engineering, general):
    answer = submitted(employee, engineering, sources_in=general)
    client = signed_in(eng_moderator)
    refused = client.post(reverse("assistant:reject", args=[answer.pk]), {"code": "other", "reason": "  "})
    assert refused.status_code == 400 and "A reason is required to reject an answer." in refused.content.decode()
    assert reload(answer).status == S.IN_REVIEW
    client.post(reverse("assistant:reject", args=[answer.pk]), {"code": "incorrect"})
    answer = reload(answer)
    assert (answer.reject_code, answer.reject_reason) == ("incorrect", "Incorrect")


@pytest.mark.parametrize("code", ["wrong", "INCORRECT", "x" * 300, "other\x00"])
def test_an_unknown_code_is_a_clear_400(employee, eng_moderator, engineering, general, code):
    answer = submitted(employee, engineering, sources_in=general)
    response = signed_in(eng_moderator).post(reverse("assistant:reject", args=[answer.pk]),
                                             {"code": code, "reason": "Because."})
    assert response.status_code == 400
    assert "Choose a reason from the list." in response.content.decode()
    assert reload(answer).status == S.IN_REVIEW


def test_the_old_free_text_form_still_works_as_other(employee, eng_moderator, engineering, general):
    answer = submitted(employee, engineering, sources_in=general)
    signed_in(eng_moderator).post(reverse("assistant:reject", args=[answer.pk]), {"reason": "Duplicate."})
    answer = reload(answer)
    assert (answer.reject_code, answer.reject_reason) == ("other", "Duplicate.")


def test_retract_and_report_take_codes_too(employee, other_employee, eng_moderator, engineering, general):
    answer = approve(eng_moderator, submitted(employee, engineering, sources_in=general))
    post = answer.published_post
    reader = signed_in(other_employee)
    assert reader.post(reverse("assistant:report", args=[post.pk]), {"code": "unsafe"}).status_code == 302
    report = AnswerReport.objects.get(answer=answer)
    assert (report.code, report.reason) == ("unsafe", "Unsafe")
    assert reload(answer).attention_reason == "Reported by a reader: Unsafe"
    signed_in(eng_moderator).post(reverse("assistant:retract", args=[answer.pk]),
                                  {"code": "incorrect", "reason": "The cap is max_retries, not 3."})
    answer = reload(answer)
    assert (answer.status, answer.retract_code) == (S.RETRACTED, "incorrect")
    assert last_event("ai_answer.retract").data["code"] == "incorrect"


def test_the_review_page_and_thread_page_offer_the_codes(employee, other_employee, eng_moderator, engineering,
                                                         general):
    answer = submitted(employee, engineering, sources_in=general)
    page = signed_in(eng_moderator).get(reverse("assistant:review", args=[answer.pk])).content.decode()
    for value in ("incorrect", "unsafe", "outdated", "incomplete", "other"):
        assert f'<option value="{value}">' in page
    published = approve(eng_moderator, answer)
    thread = signed_in(other_employee).get(reverse("forum:thread", args=[published.thread_id])).content.decode()
    assert f'id="report-{published.published_post_id}-code"' in thread and '<option value="unsafe">' in thread


# Reasons in the API -----------------------------------------------------------------------------------


def test_the_api_takes_a_code_and_keeps_the_old_calls_working(employee, other_employee, eng_moderator, engineering,
                                                              general):
    api = client_for(eng_moderator)
    coded = submitted(employee, engineering, sources_in=general, title="Coded: how should celery retries back off?")
    response = api.post(f"{V1}/ai-answers/{coded.pk}/reject/", {"code": "incomplete"}, format="json")
    assert response.status_code == 200
    assert (response.json()["reject_code"], response.json()["reject_reason"]) == ("incomplete", "Incomplete")

    old = submitted(employee, engineering, sources_in=general, title="Old: how should celery retries back off?")
    response = api.post(f"{V1}/ai-answers/{old.pk}/reject/", {"reason": "Wrong queue."}, format="json")
    assert response.status_code == 200 and response.json()["reject_code"] == "other"

    missing = submitted(employee, engineering, sources_in=general, title="Missing: celery retries back off?")
    for body in ({}, {"code": "other"}, {"code": "nonsense", "reason": "x"}, {"code": 3, "reason": "x"}):
        response = api.post(f"{V1}/ai-answers/{missing.pk}/reject/", body, format="json")
        assert response.status_code == 400, body
        assert set(response.json()["error"]) == {"code", "message", "details"}
    assert reload(missing).status == S.IN_REVIEW

    published = approve(eng_moderator, submitted(employee, engineering, sources_in=general,
                                                 title="Published: celery retries back off?"))
    reader = client_for(other_employee)
    assert reader.post(f"{V1}/ai-answers/{published.pk}/report/", {"code": "outdated"},
                       format="json").status_code == 204
    assert AnswerReport.objects.get(answer=published).code == "outdated"
    response = api.post(f"{V1}/ai-answers/{published.pk}/retract/", {"code": "unsafe", "reason": "Opens a port."},
                        format="json")
    assert response.status_code == 200 and response.json()["retract_code"] == "unsafe"


# Metrics ----------------------------------------------------------------------------------------------


def figures(html: str, slug: str) -> dict[str, str]:
    section = re.search(rf'<section class="card metrics-card" aria-labelledby="metrics-{slug}">(.*?)</section>',
                        html, re.S).group(1)
    pairs = re.findall(r"<dt>(.*?)</dt><dd>(.*?)</dd>", section)
    reasons = re.findall(r'<th scope="row">(.*?)</th><td>(\d+)</td>', section)
    return {**dict(pairs), **{f"rejected {label.lower()}": count for label, count in reasons}}


@pytest.fixture
def history(employee, other_employee, eng_moderator, general_moderator, engineering, general):
    """Engineering: a private draft, two rejected (incorrect, outdated), one published then retracted, one
    published, one waiting. General: one rejected (unsafe)."""
    drafted(employee, ask(employee, engineering, sources_in=general, title="Private: celery retries back off?"))
    made = [submitted(employee, engineering, sources_in=general, title=f"Case {n}: celery retries back off?")
            for n in range(5)]
    services.answer_reject(acting_user=eng_moderator, answer=reload(made[0]), reason="", code="incorrect")
    services.answer_reject(acting_user=eng_moderator, answer=reload(made[1]), reason="Old.", code="outdated")
    retracted = approve(eng_moderator, made[2])
    services.answer_retract(acting_user=eng_moderator, answer=reload(retracted), reason="Wrong.", code="incorrect")
    approve(eng_moderator, made[3])
    in_general = submitted(other_employee, general, title="General case: celery retries back off?")
    services.answer_reject(acting_user=general_moderator, answer=reload(in_general), reason="", code="unsafe")
    # Decisions an hour, two and three hours after submission: the median is two hours.
    now = timezone.now()
    for answer, hours in ((made[0], 1), (made[1], 2), (made[2], 3)):
        field = "rejected_at" if answer in made[:2] else "published_at"
        AIAnswer.objects.filter(pk=answer.pk).update(submitted_at=now - timedelta(hours=hours), **{field: now})
    AIAnswer.objects.filter(pk=made[3].pk).update(submitted_at=now - timedelta(hours=10), published_at=now)
    return made


def test_the_metrics_count_per_category_the_viewer_reviews(history, eng_moderator):
    response = signed_in(eng_moderator).get(reverse("assistant:metrics"))
    assert response.status_code == 200
    html = response.content.decode()
    eng = figures(html, "engineering")
    # The private draft is not counted anywhere: until its asker submits it, a draft leaves no trace.
    assert "Drafted" not in eng and eng["Submitted"] == "5" and eng["Published"] == "2"
    assert eng["Rejected"] == "2" and eng["Retracted"] == "1"
    assert eng["rejected incorrect"] == "1" and eng["rejected outdated"] == "1" and eng["rejected unsafe"] == "0"
    # Decided: 1 h, 2 h, 3 h and 10 h after submission.
    assert eng["Median time to decision"] == "2 h 30 min"
    assert 'aria-labelledby="metrics-general"' not in html  # maria does not review General
    for answer in history:
        assert answer.thread.title not in html  # counts only
    assert "Private: celery retries back off?" not in html


def test_each_reviewer_sees_only_their_categories(history, general_moderator, security_reviewer):
    general = signed_in(general_moderator).get(reverse("assistant:metrics")).content.decode()
    assert 'metrics-engineering"' not in general
    figures_general = figures(general, "general")
    assert figures_general["Rejected"] == "1" and figures_general["rejected unsafe"] == "1"
    assert figures_general["Median time to decision"] != "—"
    sam = signed_in(security_reviewer).get(reverse("assistant:metrics")).content.decode()
    assert figures(sam, "security-ops")["Submitted"] == "0"  # reviewed, empty: shown with zeros
    assert figures(sam, "security-ops")["Median time to decision"] == "—"
    assert 'metrics-general"' not in sam


def test_metrics_refuse_non_reviewers_and_anonymous_visitors(history, employee, admin_user, client):
    for user in (employee, admin_user):
        response = signed_in(user).get(reverse("assistant:metrics"))
        assert response.status_code == 404
        assert "Drafted" not in response.content.decode()
    anonymous = client.get(reverse("assistant:metrics"))
    assert anonymous.status_code == 302 and anonymous["Location"].startswith(reverse("login"))
    assert signed_in(employee).post(reverse("assistant:metrics")).status_code == 405


# session, user, reviewed categories, the figures of all of them, the header's desk, unread notifications;
# SQLite has no median aggregate: one more query reads the decision times (aiassist.selectors.review_metrics),
# still one whatever the number of categories and answers.
METRICS_QUERIES = 6


def metrics_queries():
    return METRICS_QUERIES + (connection.vendor != "postgresql")


def test_metrics_queries_do_not_grow_with_categories_or_answers(history, security_reviewer, employee, engineering,
                                                                general, secops, admin_user,
                                                                django_assert_num_queries):
    client = signed_in(security_reviewer)
    with django_assert_num_queries(metrics_queries()):
        assert client.get(reverse("assistant:metrics")).status_code == 200
    from forum import policy
    from forum.services import category_create

    from ..factories import grant
    for n in range(3):
        category = category_create(acting_user=admin_user, name=f"Extra {n}", slug=f"extra-{n}")
        grant(policy.REVIEW, security_reviewer, category)
    for n in range(3):
        submitted(employee, engineering, sources_in=general, title=f"More {n}: celery retries back off?")
    with django_assert_num_queries(metrics_queries()):
        html = client.get(reverse("assistant:metrics")).content.decode()
    assert html.count('class="card metrics-card"') == 5
