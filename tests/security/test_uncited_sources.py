"""Issue 12, finding 1: a model that copies a source it does not cite must not carry restricted text to readers.

The OpenAI-compatible engine runs against a real HTTP server on loopback. Its reply cites only the open
source, [2], while pasting the restricted Security Ops runbook line given to it as [1]. Every passage
the engine was given counts: it is stored (cited or not), shown to the reviewer, and submit and publish
refuse while any lies outside the thread's audience.
"""
import pytest
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from aiassist import services
from aiassist.models import AIAnswer, AnswerSource
from aiassist.sources import retrieve
from common.exceptions import NotFound
from forum import policy

from ..aiassist.test_engines_openai import chat_server, completion, user_message  # noqa: F401 - fixture
from ..factories import UserFactory, fresh, grant, make_thread

pytestmark = pytest.mark.django_db

RUNBOOK = "zqrunbookline: break-glass root credentials live in vault path secops/root/zq"
QUESTION = "How do we recover the flux capacitor cluster after an outage?"


@pytest.fixture
def openai_engine(settings, chat_server):  # noqa: F811 - the fixture imported above
    settings.ASSISTANT_ENGINE = "openai"
    settings.ASSISTANT_ENGINE_CONFIG = {"openai": {"base_url": chat_server.url, "api_key": "k", "model": "m",
                                                   "timeout": 2}}
    return chat_server


@pytest.fixture
def scenario(secops, secops_member, engineering, eng_moderator, openai_engine):
    colleague = UserFactory(username="sec-colleague")
    colleague.groups.add(*secops_member.groups.all())
    make_thread(colleague, secops, title="Recovering the flux capacitor cluster after an outage",
                body="What is the recovery procedure?",
                replies=[(secops_member, f"Recover the flux capacitor cluster from the runbook. {RUNBOOK}")])
    make_thread(eng_moderator, engineering, title="Recovering the flux capacitor cluster after an outage (notes)",
                body="What is the recovery procedure?",
                replies=[(UserFactory(username="ops"), "Recover the flux capacitor cluster after an outage by "
                                                       "restarting the nodes one at a time.")])
    return make_thread(secops_member, engineering, title=QUESTION, body="It went down again last night.")


def open_source_number(asker, thread, audience="asker") -> int:
    """The number retrieval gives the open passage (retrieval is deterministic): the one the model cites."""
    given = retrieve(asker=asker, thread=thread, question=AIAnswer(thread=thread).question or
                     f"{thread.title}\n\n{thread.posts.order_by('id').first().body}", audience=audience)
    return next(r.doc.number for r in given if r.doc.category == "Engineering")


def test_an_uncited_restricted_source_blocks_submission_and_is_shown_to_the_reviewer(
        scenario, openai_engine, secops_member, eng_moderator, client):
    question = scenario
    answer = services.answer_request(acting_user=secops_member, thread=question)
    # The loopback model cites the open passage only, while pasting the restricted one word for word.
    cited = open_source_number(secops_member, question)
    openai_engine.reply(completion(f"Restart the nodes one at a time [{cited}]. Also: {RUNBOOK}"))
    answer = services.answer_generate(answer_id=answer.pk)
    prompt = user_message(openai_engine.requests[-1])
    assert RUNBOOK in prompt  # the restricted passage was given to the engine (the asker may read it)
    assert answer.status == AIAnswer.Status.DRAFT and RUNBOOK in answer.body

    given = list(AnswerSource.objects.filter(answer=answer).select_related("category").order_by("number"))
    assert {s.category.slug for s in given} == {"security-ops", "engineering"}
    uncited = [s for s in given if not s.cited]
    assert [s.category.slug for s in uncited] == ["security-ops"]
    assert RUNBOOK in uncited[0].text

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=secops_member).key}")
    response = api.post(f"/api/v1/ai-answers/{answer.pk}/submit/")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "sources_outside_audience"
    assert error["details"]["sources"] == [uncited[0].number]
    answer.refresh_from_db()
    assert answer.status == AIAnswer.Status.DRAFT  # nothing reached the reviewers, let alone the readers

    # The asker's own view says which passages were given without being cited.
    detail = api.get(f"/api/v1/ai-answers/{answer.pk}/").json()
    assert {(s["cited"], s["category"]) for s in detail["sources"]} == {(True, "engineering"),
                                                                       (False, "security-ops")}


def test_publishing_refuses_an_uncited_source_that_moved_out_of_the_audience(
        scenario, openai_engine, secops_member, eng_moderator, admin_user, engineering, client):
    """A source that was readable at submission but is no longer so at approval blocks publication too."""
    from forum import services as forum_services

    question = scenario
    # A draft for the thread's audience: only open passages are given.
    answer = services.answer_request(acting_user=secops_member, thread=question, audience="thread")
    openai_engine.reply(completion("Restart the nodes one at a time [1]. As the notes say, after an outage."))
    answer = services.answer_generate(answer_id=answer.pk)
    assert not answer.sources.filter(category__restricted=True).exists()
    services.answer_submit(acting_user=secops_member, answer=answer)
    # The reviewer's page shows every passage, with the one that was given.
    client.force_login(eng_moderator)
    page = client.get(reverse("assistant:review", args=[answer.pk])).content.decode()
    assert "Every passage the assistant was given" in page and "restarting the" in page
    # The open source thread moves into a restricted category before approval.
    source = answer.sources.get(number=1)
    restricted = forum_services.category_create(acting_user=admin_user, name="Vault", restricted=True)
    forum_services.thread_move(acting_user=admin_user, thread=source.thread, category=restricted)
    # maria may not read it any more: the answer is out of her sight (tests/security/test_source_visibility.py);
    # a reviewer who may read the source is refused by the publishing gate.
    with pytest.raises(NotFound):
        services.answer_approve(acting_user=eng_moderator, answer=AIAnswer.objects.get(pk=answer.pk))
    grant(policy.VIEW, eng_moderator, restricted)
    with pytest.raises(services.SourcesOutsideAudience):
        services.answer_approve(acting_user=fresh(eng_moderator), answer=AIAnswer.objects.get(pk=answer.pk))
    assert AIAnswer.objects.get(pk=answer.pk).status == AIAnswer.Status.IN_REVIEW
