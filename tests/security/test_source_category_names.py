"""An AI answer's sources are named in the category each was drafted from (``AnswerSource.category``) only to a reader
who may read that category; otherwise in the one its post is in now (``aiassist.policy.shown_category``). Round 39
made the thread page's source list follow that rule; the review desk, the asker's panel and the API's answers (detail,
list, review queue, every verb's response) still named a restricted category to readers it was closed to: the source's
thread moved out of it since, or the reader lost it."""
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from guardian.shortcuts import remove_perm
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from aiassist import services as ai_services
from aiassist.models import AIAnswer
from forum import policy
from forum import services as forum_services
from tests.api.conftest import reload
from tests.factories import UserFactory, fresh, grant, make_category, make_thread, signed_in

pytestmark = pytest.mark.django_db
S = AIAnswer.Status
V1 = "/api/v1"
SECRET_NAME, SECRET_SLUG = "Project Falcon", "project-falcon"
QUESTIONS = [("How should celery retries back off?", "My tasks fail on network errors. How do retries back off?"),
             ("Celery retry backoff for flaky network calls", "Network calls fail at times: how should the celery "
                                                                  "task retry back off?"),
             ("Which setting makes celery retries back off?", "Celery retries hammer the service: which setting "
                                                              "makes the retry delay back off?")]


def api(user) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get_or_create(user=user)[0].key}")
    return client


def _drafts_quoting_a_thread_that_left_falcon(asker, engineering, admin_user, *, count=1):
    """``count`` drafts of ``asker`` (who reads Project Falcon, restricted), in Engineering (open), each quoting a
    reply in Project Falcon; the source thread then moves to Engineering, so every draft is submittable and every
    source readable by everyone concerned. Returns the drafts and Project Falcon."""
    falcon = make_category(admin_user, SECRET_NAME, restricted=True, slug=SECRET_SLUG)
    grant(policy.VIEW, asker, falcon)
    erin, dana = UserFactory(username="erin"), UserFactory(username="dana")
    for person in (erin, dana):
        grant(policy.POST, person, falcon)
    source = make_thread(erin, falcon, title="Celery retry backoff settings", body="Which settings control retry "
                                                                                    "backoff?",
                         replies=[(dana, "Set autoretry_for and retry_backoff=True; the delay doubles.")])
    answers = []
    for title, body in QUESTIONS[:count]:
        question = make_thread(asker, engineering, title=title, body=body)
        answer = ai_services.answer_generate(
            answer_id=ai_services.answer_request(acting_user=fresh(asker), thread=question).pk)
        assert answer.status == S.DRAFT and answer.sources.filter(cited=True, category=falcon).exists()
        answers.append(answer)
    forum_services.thread_move(acting_user=admin_user, thread=source, category=engineering)
    return [reload(answer) for answer in answers], falcon


def _leaks(**responses) -> list[str]:
    return [where for where, response in responses.items()
            if SECRET_NAME in response.content.decode() or SECRET_SLUG in response.content.decode()]


def _api_sources(data) -> set[tuple]:
    return {(source["category"], source["restricted"]) for source in data["sources"]}


def test_the_review_desk_and_the_api_name_the_category_a_reviewer_can_read(employee, engineering, eng_moderator,
                                                                           admin_user):
    """maria reviews Engineering and cannot read Project Falcon: the desk and the API name where the source is now
    (Engineering), and the desk still says the thread's whole audience may read it. A reviewer who also reads
    Project Falcon is shown it on the desk: it is where the reviewers' passage was drafted from."""
    (answer,), falcon = _drafts_quoting_a_thread_that_left_falcon(employee, engineering, admin_user)
    ai_services.answer_submit(acting_user=fresh(employee), answer=answer)
    assert not policy.can_view_category(fresh(eng_moderator), falcon)

    page = signed_in(eng_moderator).get(f"/ai/review/{answer.pk}/")
    detail = api(eng_moderator).get(f"{V1}/ai-answers/{answer.pk}/")
    queue = api(eng_moderator).get(f"{V1}/review-queue/")
    assert page.status_code == detail.status_code == queue.status_code == 200
    assert _leaks(review_page=page, api_answer=detail, api_queue=queue) == []
    html = page.content.decode()
    assert f"in {engineering.name}" in html and "The thread's whole audience may read it" in html
    assert "Not everyone who reads the thread may read it" not in html
    assert _api_sources(detail.json()) == {("engineering", False)}
    assert [_api_sources(row) for row in queue.json()["results"]] == [{("engineering", False)}]

    # A verb's response is the same representation: reject it with a reason.
    rejected = api(eng_moderator).post(f"{V1}/ai-answers/{answer.pk}/reject/", {"code": "incorrect"}, format="json")
    assert rejected.status_code == 200, rejected.content
    assert _leaks(api_reject=rejected) == [] and _api_sources(rejected.json()) == {("engineering", False)}

    rita = UserFactory(username="rita")
    grant(policy.REVIEW, rita, engineering)
    grant(policy.VIEW, rita, falcon)
    page = signed_in(rita).get(f"/ai/review/{answer.pk}/").content.decode()
    assert f"in {SECRET_NAME}" in page and "The thread's whole audience may read it" in page


def test_the_askers_panel_and_the_api_name_no_category_they_can_no_longer_read(employee, engineering, admin_user):
    """The asker left Project Falcon after the draft, and the source moved to Engineering: their panel, the answer in
    the API (detail, their list, a verb's response) name Engineering; while they still read Project Falcon the panel
    names it."""
    (answer,), falcon = _drafts_quoting_a_thread_that_left_falcon(employee, engineering, admin_user)
    page = signed_in(employee).get(f"/t/{answer.thread_id}/").content.decode()
    assert "the delay doubles" in page and f"in {SECRET_NAME}" in page, "they read it: it was drafted from there"

    remove_perm(policy.VIEW, employee, falcon)
    page = signed_in(employee).get(f"/t/{answer.thread_id}/")
    panel = signed_in(employee).get(f"/ai/answers/{answer.pk}/panel/")
    detail = api(employee).get(f"{V1}/ai-answers/{answer.pk}/")
    listed = api(employee).get(f"{V1}/ai-answers/")
    rated = api(employee).post(f"{V1}/ai-answers/{answer.pk}/feedback/", {"rating": "helpful"}, format="json")
    assert page.status_code == panel.status_code == detail.status_code == listed.status_code == 200
    assert rated.status_code == 200, rated.content
    assert "the delay doubles" in page.content.decode(), "the draft is shown"
    assert _leaks(thread_page=page, panel=panel, api_answer=detail, api_list=listed, api_feedback=rated) == []
    assert f"in {engineering.name}" in page.content.decode()
    assert _api_sources(detail.json()) == _api_sources(rated.json()) == {("engineering", False)}
    assert [_api_sources(row) for row in listed.json()["results"]] == [{("engineering", False)}]


def test_the_review_queue_names_them_at_a_cost_that_does_not_grow_with_its_answers(
        employee, engineering, eng_moderator, admin_user):
    """Where a source is now costs the API one query for a whole page of answers, not one per answer or source."""
    answers, _ = _drafts_quoting_a_thread_that_left_falcon(employee, engineering, admin_user, count=3)
    client = api(eng_moderator)

    def queue_queries():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(f"{V1}/review-queue/")
        assert response.status_code == 200 and _leaks(api_queue=response) == []
        return len(queries), response.json()["results"]

    ai_services.answer_submit(acting_user=fresh(employee), answer=answers[0])
    one, rows = queue_queries()
    assert [_api_sources(row) for row in rows] == [{("engineering", False)}]
    for answer in answers[1:]:
        ai_services.answer_submit(acting_user=fresh(employee), answer=answer)
    three, rows = queue_queries()
    assert [_api_sources(row) for row in rows] == [{("engineering", False)}] * 3
    assert three == one
