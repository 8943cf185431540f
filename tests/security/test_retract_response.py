"""What retract/ answers (security review F1): the category's moderators and administrators may withdraw a
published AI answer they may not read, and are then told only that it is done and where. Never the answer's
text: not the machine's unreviewed original (``original_body``), not the published or edited text, not one
source passage (cited or not), not its grounding. Its reviewers, who may read it, still get the whole answer.

The answer is drafted by the OpenAI-compatible engine against a loopback server, so that it carries what a
model really leaves behind: a sentence the reviewer edits away before publishing, and a passage it was given
but did not cite.
"""
import pytest
from drf_spectacular.generators import SchemaGenerator

from aiassist import services as ai_services
from aiassist.models import AIAnswer, AnswerSource
from forum import policy
from forum.models import Notification

from ..aiassist.test_engines_openai import chat_server, completion  # noqa: F401 - fixture
from ..api.conftest import V1, client_for, error_of, reload
from ..factories import UserFactory, grant, make_thread
from .test_uncited_sources import openai_engine  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db

S = AIAnswer.Status
# One token each ([a-z0-9]): the machine's sentence the reviewer takes out, the cited and the uncited passage.
UNREVIEWED = "zqunreviewed4sentence"
CITED = "zqcited4passage"
UNCITED = "zquncited4passage"
RETRACTED_FIELDS = {"id", "thread", "status", "published_post", "retracted_at", "retract_reason", "retract_code",
                    "url"}


def _requested(employee, engineering) -> AIAnswer:
    """alice asks in Engineering, where one reply holds CITED and another UNCITED (both given to the engine)."""
    erin, dana, ole = UserFactory(username="erin"), UserFactory(username="dana"), UserFactory(username="ole")
    make_thread(erin, engineering, title="Celery retry backoff settings", body="Which settings matter here?",
                replies=[(dana, f"Set retry_backoff=True so celery retries back off ({CITED}); the countdown "
                                "doubles."),
                         (ole, f"Celery retries back off up to retry_backoff_max, which caps the delay "
                               f"({UNCITED}).")])
    thread = make_thread(employee, engineering, title="How should celery retries back off?",
                         body="My celery tasks fail on network errors. How do retries back off?")
    answer = ai_services.answer_request(acting_user=employee, thread=thread)
    return answer


@pytest.fixture
def published(openai_engine, employee, engineering, eng_moderator) -> AIAnswer:  # noqa: F811 - fixture
    """alice's answer in Engineering: the model cites one passage, ignores the other and adds a sentence of its
    own; maria edits that sentence away and publishes."""
    answer = _requested(employee, engineering)
    openai_engine.reply(completion(f"Set retry_backoff=True [1].\n\n{UNREVIEWED} retries never stop."))
    answer = ai_services.answer_generate(answer_id=answer.pk)
    assert answer.status == S.DRAFT and UNREVIEWED in answer.body, answer.body
    sources = {source.cited: source.text for source in AnswerSource.objects.filter(answer=answer)}
    assert CITED in sources[True] and UNCITED in sources[False], sources

    ai_services.answer_submit(acting_user=employee, answer=reload(answer))
    answer = reload(answer)
    ai_services.answer_approve(acting_user=eng_moderator, answer=answer, body=answer.body.split("\n\n")[0])
    answer = reload(answer)
    assert answer.status == S.PUBLISHED and UNREVIEWED in answer.original_body
    assert UNREVIEWED not in answer.published_post.body
    return answer


def _moderator(engineering):
    user = UserFactory(username="mo")
    grant(policy.MODERATE, user, engineering)
    return user


def _retract(user, answer):
    response = client_for(user).post(f"{V1}/ai-answers/{answer.pk}/retract/",
                                     {"reason": "Superseded by the runbook.", "code": "outdated"}, format="json")
    assert response.status_code == 200, response.content
    return response


@pytest.mark.parametrize("who", ["moderator", "superuser"])
def test_a_retracter_who_may_not_read_the_answer_gets_none_of_its_text(who, published, engineering, admin_user):
    """A moderator who does not review the category, and a superuser without a review grant: neither may open
    the answer, both may withdraw it, and the response says only that it is done and where."""
    actor = _moderator(engineering) if who == "moderator" else admin_user
    error_of(client_for(actor).get(f"{V1}/ai-answers/{published.pk}/"), 404, "not_found")

    response = _retract(actor, published)

    data = response.json()
    assert set(data) == RETRACTED_FIELDS
    post = published.published_post_id
    assert data == {
        "id": published.pk, "thread": published.thread_id, "status": S.RETRACTED, "published_post": post,
        "retracted_at": data["retracted_at"], "retract_reason": "Superseded by the runbook.",
        "retract_code": "outdated", "url": f"/t/{published.thread_id}/?post={post}#post-{post}",
    }
    assert data["retracted_at"]
    content = response.content.decode()
    answer = reload(published)
    texts = [answer.original_body, answer.body, answer.published_post.body,
             *AnswerSource.objects.filter(answer=answer).values_list("text", flat=True)]
    for marker in (UNREVIEWED, CITED, UNCITED, "retry_backoff", *texts):
        assert marker not in content
    # It did take effect, and the readers were told as usual.
    assert answer.status == S.RETRACTED and answer.published_post.hidden
    assert Notification.objects.filter(verb="ai_retracted", recipient__username="alice").exists()
    error_of(client_for(actor).get(f"{V1}/ai-answers/{published.pk}/"), 404, "not_found")


@pytest.mark.parametrize("who", ["reviewer", "superuser with a review grant"])
def test_a_retracter_who_reviews_the_category_still_gets_the_whole_answer(who, published, engineering,
                                                                          admin_user):
    actor = UserFactory(username="rita") if who == "reviewer" else admin_user
    grant(policy.REVIEW, actor, engineering)

    data = _retract(actor, published).json()

    assert data["status"] == S.RETRACTED and data["is_ai_generated"] is True and data["disclaimer"]
    assert UNREVIEWED in data["original_body"] and UNREVIEWED not in data["body"]
    assert {source["cited"] for source in data["sources"]} == {True, False}
    assert any(UNCITED in source["text"] for source in data["sources"] if not source["cited"])
    assert data["grounding"] is not None


def test_the_schema_says_which_of_the_two_a_caller_gets():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    schemas = schema["components"]["schemas"]
    ok = schema["paths"]["/api/v1/ai-answers/{id}/retract/"]["post"]["responses"]["200"]
    assert ok["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/RetractResult"}
    assert schemas["RetractResult"] == {"oneOf": [{"$ref": "#/components/schemas/AIAnswer"},
                                                  {"$ref": "#/components/schemas/RetractedAnswer"}]}
    retracted = schemas["RetractedAnswer"]
    assert set(retracted["properties"]) == set(retracted["required"]) == RETRACTED_FIELDS
    # Exactly one of the two matches any response: the short one allows nothing more, the whole one needs more.
    assert retracted["additionalProperties"] is False
    assert not set(schemas["AIAnswer"]["required"]) <= RETRACTED_FIELDS
    # The other verbs act only for callers who may read the answer: the whole answer, as before.
    for verb in ("submit", "approve", "reject", "confirm", "confirm-claim", "withdraw", "discard", "feedback"):
        response = schema["paths"][f"/api/v1/ai-answers/{{id}}/{verb}/"]["post"]["responses"]["200"]
        assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/AIAnswer"}


def test_a_reviewer_citing_a_passage_the_machine_left_uncited_is_linked_for_readers_too(
        openai_engine, employee, engineering, eng_moderator):  # noqa: F811 - the fixture imported above
    """The review desk links every [n] of the passages the engine was given; the public page links (and lists)
    the cited ones. An edit that cites the uncited passage makes it cited, so both pages link it alike."""
    answer = _requested(employee, engineering)
    openai_engine.reply(completion("Set retry_backoff=True [1]."))
    answer = ai_services.answer_generate(answer_id=answer.pk)
    uncited = AnswerSource.objects.get(answer=answer, cited=False)
    ai_services.answer_submit(acting_user=employee, answer=reload(answer))
    answer = reload(answer)
    edited = f"{answer.body}\n\nThe delay is capped by retry_backoff_max [{uncited.number}]."
    answer = ai_services.answer_approve(acting_user=eng_moderator, answer=answer, body=edited,
                                        text_hash=ai_services.body_hash(answer.body))
    assert answer.status == S.PUBLISHED
    assert set(AnswerSource.objects.filter(answer=answer, cited=True).values_list("number", flat=True)) == {
        1, uncited.number}
    html = answer.published_post.body_html
    assert f'href="#answer-{answer.pk}-source-{uncited.number}"' in html
