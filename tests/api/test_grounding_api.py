"""The API's view of grounding: each answer's claims and summary, and confirming a claim (same rules as the
web: reviewers only, never the asker, a reason, only a blocking claim of the current text)."""
import pytest

from aiassist import services
from aiassist.models import AIAnswer, ClaimConfirmation

from ..aiassist.test_engines_openai import chat_server, completion, openai_settings  # noqa: F401 - fixtures
from ..aiassist.test_grounding_gate import DRAFT, SOURCE, SOURCE_TITLE, key_of, reload
from ..factories import UserFactory, make_thread
from .conftest import client_for, error_of

pytestmark = pytest.mark.django_db
S = AIAnswer.Status


@pytest.fixture
def in_review(openai_settings, chat_server, employee, other_employee, engineering):  # noqa: F811
    make_thread(other_employee, engineering, title=SOURCE_TITLE,
                body="Which settings control retry backoff?", replies=[(UserFactory(username="carol"), SOURCE)])
    thread = make_thread(employee, engineering, title="How should celery retries back off?",
                         body="My celery tasks fail on network errors. How do retries back off?")
    chat_server.reply(completion(DRAFT))
    answer = services.answer_generate(answer_id=services.answer_request(acting_user=employee, thread=thread).pk)
    services.answer_submit(acting_user=employee, answer=answer)
    return reload(answer)


def url(answer, verb=""):
    return f"/api/v1/ai-answers/{answer.pk}/" + (f"{verb}/" if verb else "")


def test_the_answer_carries_its_claims_and_summary(in_review, employee, eng_moderator):
    for user in (employee, eng_moderator):
        grounding = client_for(user).get(url(in_review)).json()["grounding"]
        assert grounding["summary"] == ("2 of 6 claims supported; 1 invented command; 1 invented path; 1 contradicted; "
                                        "1 uncited")
        assert grounding["unresolved"] == 3 and grounding["confirmed"] == 0
        flag = next(c for c in grounding["claims"] if "--force-all" in c["text"] and c["kind"] == "command")
        assert flag["status"] == "invented" and flag["blocking"] and not flag["confirmed"]
        assert flag["citations"] == [1] and flag["passage"] == 1
        reversed_ = next(c for c in grounding["claims"] if c["status"] == "contradicted")
        assert reversed_["matched"].startswith("Don't raise worker_prefetch_multiplier for long tasks")
        assert len(reversed_["passage_span"]) == 2
        body = in_review.body
        assert body[reversed_["start"]:reversed_["end"]].startswith("For long tasks, raise worker_prefetch_multiplier")


def test_approve_is_a_409_listing_the_claims_until_they_are_confirmed(in_review, eng_moderator):
    client = client_for(eng_moderator)
    error = error_of(client.post(url(in_review, "approve"), {"body_hash": services.body_hash(in_review.body)},
                                 format="json"), 409, "unresolved_claims")
    assert len(error["details"]["claims"]) == 3 and "--force-all" in error["message"]
    for claim in error["details"]["claims"]:
        response = client.post(url(in_review, "confirm-claim"), {"key": claim["key"], "reason": "Checked by hand."},
                               format="json")
        assert response.status_code == 200, response.content
    grounding = response.json()["grounding"]
    assert grounding["unresolved"] == 0 and grounding["confirmed"] == 3
    assert all(c["confirmed"] for c in grounding["claims"] if c["blocking"])
    response = client.post(url(in_review, "approve"), {"body_hash": services.body_hash(in_review.body)}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "published"


def test_the_asker_gets_403_and_strangers_404_without_the_text(in_review, employee, other_employee,
                                                                general_moderator):
    key = key_of(in_review, "--force-all")
    error_of(client_for(employee).post(url(in_review, "confirm-claim"), {"key": key, "reason": "Mine."},
                                       format="json"), 403, "permission_denied")
    for user in (other_employee, general_moderator):
        response = client_for(user).post(url(in_review, "confirm-claim"), {"key": key, "reason": "Fine."},
                                         format="json")
        error_of(response, 404, "not_found")
        assert b"force-all" not in response.content and b"prefetch_multiplier" not in response.content
        response = client_for(user).get(url(in_review))
        error_of(response, 404, "not_found")
        assert b"force-all" not in response.content
    assert client_for().post(url(in_review, "confirm-claim"), {"key": key, "reason": "x"},
                             format="json").status_code in (401, 403)
    assert not ClaimConfirmation.objects.exists()


@pytest.mark.parametrize("payload, field", [
    ({"reason": "Checked."}, "key"),
    ({"key": "not-a-key", "reason": "Checked."}, "key"),
    ({"key": ["0123456789abcdef"], "reason": "Checked."}, "key"),
    ({"key": "0123456789abcdef", "reason": "Checked."}, "key"),  # well-formed, no such claim
    ({"key": "FORCE", "reason": ""}, "reason"),
    ({"key": "FORCE"}, "reason"),
    ({"key": "FORCE", "reason": "x" * 1001}, "reason"),
    ({"key": "SUPPORTED", "reason": "Checked."}, "key"),  # a supported claim: nothing to confirm
])
def test_bad_input_is_a_clear_400(in_review, eng_moderator, payload, field):
    keys = {"FORCE": key_of(in_review, "--force-all"),
            "SUPPORTED": next(c["key"] for c in in_review.grounding["claims"] if c["status"] == "supported")}
    payload = {name: keys.get(value, value) if isinstance(value, str) else value for name, value in payload.items()}
    error = error_of(client_for(eng_moderator).post(url(in_review, "confirm-claim"), payload, format="json"),
                     400, "invalid")
    assert field in error["details"], error
    assert not ClaimConfirmation.objects.exists()


def test_confirming_twice_is_a_conflict(in_review, eng_moderator):
    client, key = client_for(eng_moderator), key_of(in_review, "--force-all")
    assert client.post(url(in_review, "confirm-claim"), {"key": key, "reason": "Ok."}, format="json").status_code == 200
    error_of(client.post(url(in_review, "confirm-claim"), {"key": key, "reason": "Ok."}, format="json"),
             409, "conflict")


def test_listing_answers_does_not_query_per_claim(django_assert_max_num_queries, in_review, employee):
    client = client_for(employee)
    client.get("/api/v1/ai-answers/")
    with django_assert_max_num_queries(8):
        results = client.get("/api/v1/ai-answers/").json()["results"]
    assert results[0]["grounding"]["claims"]
