"""Helpers for the API tests: token clients, the error-format assertion, cursor walking, and AI answers
built through the real services (``answer_request`` then ``answer_generate``, as the worker would)."""
import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from aiassist import services as ai_services
from aiassist.models import AIAnswer
from forum import policy
from forum import services as forum_services

from ..factories import UserFactory, grant, make_thread

V1 = "/api/v1"
S = AIAnswer.Status


def client_for(user=None, **kwargs) -> APIClient:
    """A client that authenticates as ``user`` with its API token, as a real client does."""
    client = APIClient(**kwargs)
    if user is not None:
        token, _ = Token.objects.get_or_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


def error_of(response, status: int, code: str) -> dict:
    """The response is an error in the one format, with this status and code; returns its body."""
    assert response.status_code == status, (response.status_code, response.content)
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert set(body) == {"error"}
    assert set(body["error"]) == {"code", "message", "details"}
    assert body["error"]["code"] == code, body
    assert isinstance(body["error"]["message"], str) and body["error"]["message"]
    assert isinstance(body["error"]["details"], dict)
    return body["error"]


def walk(client, url) -> list[dict]:
    """Every result of a cursor-paginated list, following ``next``."""
    results = []
    while url:
        response = client.get(url)
        assert response.status_code == 200, response.content
        body = response.json()
        assert {"next", "previous", "results"} <= set(body)
        results += body["results"]
        url = body["next"]
    return results


# AI answers, built through the services --------------------------------------------------------

# A question, the title of a colleague's earlier thread asking the same (so it is clearly relevant), and
# the reply that answers it. The extractive engine quotes the reply whole; "{extra}" lets a test put a
# marker or a risky command into it.
LOW_RISK_REPLY = "Set retry_backoff=True so celery retries back off{extra}; the countdown doubles."
HIGH_RISK_REPLY = "When nightly batch jobs cannot write the shared data directory, run `chmod -R 777 /srv/data`{extra}."
QUESTIONS = {
    "low": ("How should celery retries back off?", "My celery tasks fail on network errors. How do retries back off?",
            "My celery tasks fail on network errors: how should retries back off?", LOW_RISK_REPLY),
    "high": ("Nightly batch jobs cannot write the shared data directory",
             "The nightly batch jobs fail writing the shared data directory. What fixes it?",
             "The nightly batch jobs fail writing the shared data directory: what fixes it?", HIGH_RISK_REPLY),
}


def source_author():
    """The colleague whose reply the assistant quotes; plays no other part."""
    return UserFactory(username="dana")


def source_asker():
    """The colleague who asked the source thread's question (a question is never quoted, only answers)."""
    return UserFactory(username="erin")


def ask(asker, category, *, risk="low", extra="", title=None):
    """The asker's thread in ``category``, and the source thread (same category) that answers it: erin's
    question with dana's reply.

    Returns ``(question thread, source reply post)``."""
    question_title, question_body, source_title, reply = QUESTIONS[risk]
    dana, erin = source_author(), source_asker()
    if category.restricted:
        grant(policy.POST, dana, category)
        grant(policy.POST, erin, category)
    source = make_thread(erin, category, title=source_title, body="Which settings matter here?",
                         replies=[(dana, reply.format(extra=extra))])
    thread = make_thread(asker, category, title=title or question_title, body=question_body)
    return thread, source.posts.order_by("id").last()


def reload(answer) -> AIAnswer:
    return AIAnswer.objects.select_related("thread", "thread__category", "asker").get(pk=answer.pk)


def drafted(asker, thread) -> AIAnswer:
    """A private draft, as the worker leaves it."""
    answer = ai_services.answer_request(acting_user=asker, thread=thread)
    answer = ai_services.answer_generate(answer_id=answer.pk)
    assert answer is not None and answer.status == S.DRAFT
    return reload(answer)


def in_state(state, asker, category, *, risk="low", reviewers=(), extra="", title=None) -> AIAnswer:
    """An answer of ``asker`` in ``category`` moved through the services to ``state``.

    ``reviewers`` approve (for published and beyond) and reject; a failed answer failed in the worker."""
    thread, _ = ask(asker, category, risk=risk, extra=extra, title=title)
    if state in (S.QUEUED, S.FAILED):
        answer = ai_services.answer_request(acting_user=asker, thread=thread)
        if state == S.FAILED:
            ai_services.answer_fail(answer_id=answer.pk, message="The engine timed out.")
        return reload(answer)
    answer = drafted(asker, thread)
    assert answer.risk == risk, answer.risk_reasons
    if state == S.DRAFT:
        return answer
    if state == S.DISCARDED:
        ai_services.answer_discard(acting_user=asker, answer=answer)
        return reload(answer)
    ai_services.answer_submit(acting_user=asker, answer=answer)
    if state == S.REJECTED:
        ai_services.answer_reject(acting_user=reviewers[0], answer=reload(answer), reason="Not what was asked.")
    elif state in (S.PUBLISHED, S.RETRACTED):
        for reviewer in reviewers:
            ai_services.answer_approve(acting_user=reviewer, answer=reload(answer))
        if state == S.RETRACTED:
            ai_services.answer_retract(acting_user=reviewers[0], answer=reload(answer), reason="Outdated.")
    answer = reload(answer)
    assert answer.status == state, answer.status
    return answer


def make_reviewer(username, category, *, high_risk=False):
    user = UserFactory(username=username)
    grant(policy.REVIEW, user, category)
    if high_risk:
        grant(policy.APPROVE_HIGH_RISK, user, category)
    return user


@pytest.fixture
def rita(engineering):
    """A second ordinary reviewer of Engineering (no approve_high_risk)."""
    return make_reviewer("rita", engineering)


@pytest.fixture
def eng_plain_moderator(engineering):
    """Moderates Engineering's posts but does not review AI answers there."""
    user = UserFactory(username="mo")
    grant(policy.MODERATE, user, engineering)
    return user


def edit_out(post, text: str) -> None:
    """The source's author takes ``text`` out of their reply again (after the assistant quoted it)."""
    forum_services.post_edit(acting_user=post.author, post=post, body=post.body.replace(text, ""))
