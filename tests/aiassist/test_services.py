"""The answer lifecycle through the services: transitions, who may act, the worker's claim, quota, kill switch,
sweeper, database constraints and the audit trail."""
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from aiassist import services
from aiassist.engines import Draft
from aiassist.engines.extractive import NOTHING_FOUND, ExtractiveEngine
from aiassist.models import AIAnswer, AnswerSource
from common.exceptions import Forbidden, InvalidInput, InvalidTransition, NotFound, RateLimited
from config.celery import app
from forum.models import AuditEvent, Notification

from ..factories import UserFactory, fresh, make_thread

pytestmark = pytest.mark.django_db

S = AIAnswer.Status


@pytest.fixture
def question(employee, other_employee, engineering):
    """Alice's question; Bob asked the same before and Carol answered him (only answers are quoted)."""
    make_thread(other_employee, engineering,
                title="My celery tasks fail on network errors: how should retries back off?",
                body="Which settings control retry backoff?",
                replies=[(UserFactory(username="carol"), "Set autoretry_for and retry_backoff=True; the countdown "
                                                         "doubles.")])
    return make_thread(employee, engineering, title="How should celery retries back off?",
                       body="My tasks fail on network errors. How do retries back off?")


@pytest.fixture
def draft(employee, question):
    answer = services.answer_request(acting_user=employee, thread=question)
    return services.answer_generate(answer_id=answer.pk)


def events(answer, verb=None):
    rows = AuditEvent.objects.filter(target_type="aiassist.aianswer", target_id=str(answer.pk))
    return rows.filter(verb=verb) if verb else rows


def verbs(answer):
    return list(events(answer).order_by("id").values_list("verb", flat=True))


def reload(answer):
    return AIAnswer.objects.get(pk=answer.pk)


# Asking -------------------------------------------------------------------------------------------


def test_request_creates_a_queued_answer_with_the_question(employee, question):
    answer = services.answer_request(acting_user=employee, thread=question)
    answer = reload(answer)
    assert answer.status == S.QUEUED
    assert answer.asker == employee
    assert answer.audience == AIAnswer.Audience.ASKER
    assert answer.question == ("How should celery retries back off?\n\n"
                               "My tasks fail on network errors. How do retries back off?")
    assert answer.enqueued_at is not None
    assert answer.body == "" and answer.attempts == 0
    event = events(answer).get()
    assert (event.verb, event.actor, event.category) == ("ai_answer.request", employee, question.category)


def test_generation_stores_a_private_draft_with_its_sources(employee, question, draft):
    assert draft.status == S.DRAFT
    assert "retry_backoff=True" in draft.body
    assert draft.body_html.startswith("<p>")
    assert draft.risk == AIAnswer.Risk.LOW and draft.risk_reasons == []
    assert draft.engine == "extractive" and draft.model_name == "extractive-v2"
    assert draft.attempts == 1 and draft.lease_expires_at is None and draft.generated_at is not None
    sources = list(AnswerSource.objects.filter(answer=draft).order_by("number").values_list("number", "cited"))
    assert [n for n, _ in sources] == list(range(1, len(sources) + 1))
    cited = [n for n, is_cited in sources if is_cited]
    assert cited and cited == list(range(1, len(cited) + 1))  # cited sources are numbered first
    assert all(f"[{n}]" in draft.body for n in cited)
    assert Notification.objects.filter(recipient=employee, verb="ai_draft_ready").count() == 1


def test_a_draft_that_finds_nothing_to_quote_lists_no_source_and_no_risk_of_theirs(employee, other_employee,
                                                                                     engineering):
    """The closest thread's only reply is its own asker's follow-up, and it is risky. A follow-up is no answer: it is
    not even given to the engine, so the draft says nothing answers, lists no source and carries no high-risk flag.
    (A decline on sources the engine was given, a risky one among them, is in test_engines_openai.)"""
    related = make_thread(other_employee, engineering,
                          title="My celery tasks fail on network errors: how should retries back off?",
                          body="Which settings control retry backoff?",
                          replies=[(other_employee, "Update: I gave up and ran chmod -R 777 /srv/celery so the "
                                                    "workers could write their state; retries still do not back off.")])
    thread = make_thread(employee, engineering, title="How should celery retries back off?",
                         body="My tasks fail on network errors. How do retries back off?")
    answer = services.answer_generate(answer_id=services.answer_request(acting_user=employee, thread=thread).pk)
    assert answer.status == S.DRAFT and answer.body == NOTHING_FOUND
    assert answer.risk == AIAnswer.Risk.LOW and answer.risk_reasons == []
    assert not AnswerSource.objects.filter(answer=answer).exists()
    data = events(answer, "ai_answer.draft").get().data
    assert data["declined"] is True and data["sources"] == [] and data["given"] == []
    assert related.posts.count() == 2  # the follow-up exists; it was not retrieved as advice


@pytest.mark.parametrize("unanswered", [1, 6])
def test_unanswered_earlier_questions_do_not_hide_the_answer(employee, other_employee, engineering, unanswered):
    """Others asked the very same question before and nobody answered them. Their threads are the closest
    matches but have nothing to quote; Bob's thread, a little less alike, has Carol's answer, and the draft
    quotes it, however many unanswered duplicates there are (a popular question has many)."""
    make_thread(other_employee, engineering, title="Celery retries back off how?",
                body="My tasks fail on network errors; which settings should I change?",
                replies=[(UserFactory(username="carol"),
                          "Set autoretry_for and retry_backoff=True; the countdown doubles. " + "Keep the broker "
                          "healthy and watch the queue length in the dashboard; alert when it grows beyond what "
                          "the workers drain in a minute. " * 3)])
    title = "How should celery retries back off?"
    body = "My celery tasks fail on network errors. How do retries back off?"
    for n in range(unanswered):
        make_thread(UserFactory(username=f"frank{n}"), engineering, title=title, body=body)
    thread = make_thread(employee, engineering, title=title, body=body)
    answer = services.answer_generate(answer_id=services.answer_request(acting_user=employee, thread=thread).pk)
    assert "retry_backoff=True" in answer.body
    assert AnswerSource.objects.filter(answer=answer, cited=True, post__author__username="carol").exists()


def test_risky_advice_is_stored_as_high_risk(employee, other_employee, engineering):
    make_thread(other_employee, engineering, title="The staging database password leaked: how do I rotate it?",
                body="How is it done?",
                replies=[(UserFactory(username="carol"), "Rotate the staging database password with ALTER ROLE, "
                                                         "then redeploy.")])
    thread = make_thread(employee, engineering, title="How do I rotate the staging database password?",
                         body="The staging database password leaked. How do I rotate it?")
    answer = services.answer_request(acting_user=employee, thread=thread)
    answer = services.answer_generate(answer_id=answer.pk)
    assert answer.risk == AIAnswer.Risk.HIGH
    assert any(r.startswith("Credentials and secrets") for r in answer.risk_reasons)


def test_request_on_a_thread_the_user_cannot_see_is_not_found(employee, secops_member, secops):
    secret = make_thread(secops_member, secops, title="Incident review", body="Internal details.")
    with pytest.raises(NotFound):
        services.answer_request(acting_user=employee, thread=secret)
    assert not AIAnswer.objects.exists()


def test_request_with_an_unknown_audience_is_invalid(employee, question):
    with pytest.raises(InvalidInput):
        services.answer_request(acting_user=employee, thread=question, audience="everyone")


def test_quota_per_hour(settings, employee, other_employee, question):
    settings.ASSISTANT_QUOTA_PER_HOUR = 2
    services.answer_request(acting_user=employee, thread=question)
    services.answer_request(acting_user=employee, thread=question)
    with pytest.raises(RateLimited) as caught:
        services.answer_request(acting_user=employee, thread=question)
    assert 0 < caught.value.retry_after <= 3600
    assert "2 times in the last hour" in caught.value.message
    assert AIAnswer.objects.filter(asker=employee).count() == 2
    services.answer_request(acting_user=other_employee, thread=question)  # the quota is per person


def test_a_zero_quota_refuses_cleanly(settings, employee, question):
    settings.ASSISTANT_QUOTA_PER_HOUR = 0
    with pytest.raises(RateLimited) as caught:
        services.answer_request(acting_user=employee, thread=question)
    assert 0 < caught.value.retry_after <= 3600


def test_quota_counts_only_the_last_hour(settings, employee, question):
    settings.ASSISTANT_QUOTA_PER_HOUR = 1
    old = services.answer_request(acting_user=employee, thread=question)
    AIAnswer.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=1, minutes=1))
    services.answer_request(acting_user=employee, thread=question)


# The kill switch ---------------------------------------------------------------------------------


def test_global_pause_stops_requests_with_a_clear_message(admin_user, employee, question):
    services.assistant_configure(acting_user=admin_user, enabled=False)
    with pytest.raises(services.AssistantPaused) as caught:
        services.answer_request(acting_user=employee, thread=question)
    assert caught.value.message == (
        "The assistant is paused by the administrators. Your colleagues can still answer in the thread.")
    assert not AIAnswer.objects.exists()
    event = AuditEvent.objects.get(verb="assistant.configure")
    assert event.data["before"]["enabled"] is True and event.data["after"]["enabled"] is False

    services.assistant_configure(acting_user=admin_user, enabled=True)
    services.answer_request(acting_user=employee, thread=question)


def test_pausing_one_category_affects_only_it(admin_user, employee, engineering, general, question):
    services.assistant_configure(acting_user=admin_user, disabled_categories=[engineering])
    with pytest.raises(services.AssistantPaused) as caught:
        services.answer_request(acting_user=employee, thread=question)
    assert caught.value.message.startswith("The assistant is paused in Engineering.")
    elsewhere = make_thread(employee, general, title="Where is the coffee machine?", body="New here.")
    assert services.answer_request(acting_user=employee, thread=elsewhere).status == S.QUEUED


@pytest.mark.parametrize("who", ["employee", "eng_moderator", "security_reviewer"])
def test_only_administrators_configure_the_assistant(request, who):
    user = request.getfixturevalue(who)
    with pytest.raises(Forbidden):
        services.assistant_configure(acting_user=user, enabled=False)
    assert services.assistant_switch().enabled is True


def test_a_queued_answer_fails_if_paused_before_generation(admin_user, employee, question):
    answer = services.answer_request(acting_user=employee, thread=question)
    services.assistant_configure(acting_user=admin_user, enabled=False)
    result = services.answer_generate(answer_id=answer.pk)
    assert result.status == S.FAILED
    assert reload(answer).error == services.pause_message(question.category)
    assert reload(answer).body == ""
    assert verbs(answer) == ["ai_answer.request", "ai_answer.claim", "ai_answer.fail"]


def test_a_paused_category_also_blocks_retry(admin_user, employee, engineering, question):
    answer = services.answer_request(acting_user=employee, thread=question)
    services.answer_fail(answer_id=answer.pk, message="Boom.")
    services.assistant_configure(acting_user=admin_user, disabled_categories=[engineering])
    with pytest.raises(services.AssistantPaused):
        services.answer_retry(acting_user=employee, answer=reload(answer))
    assert reload(answer).status == S.FAILED


# Transitions -------------------------------------------------------------------------------------


def test_regenerate_over_quota_keeps_the_draft(settings, employee, draft):
    settings.ASSISTANT_QUOTA_PER_HOUR = 1
    with pytest.raises(RateLimited):
        services.answer_regenerate(acting_user=employee, answer=draft)
    assert reload(draft).status == S.DRAFT  # the discard rolled back with the refused request
    assert AIAnswer.objects.count() == 1


def test_regenerate_while_paused_keeps_the_draft(admin_user, employee, draft):
    services.assistant_configure(acting_user=admin_user, enabled=False)
    with pytest.raises(services.AssistantPaused):
        services.answer_regenerate(acting_user=employee, answer=draft)
    assert reload(draft).status == S.DRAFT
    assert not events(draft, "ai_answer.discard").exists()


def test_an_asker_who_lost_access_gets_a_failure_not_a_draft(admin_user, employee, engineering, question):
    from forum import services as forum_services

    answer = services.answer_request(acting_user=employee, thread=question)
    forum_services.category_update(acting_user=admin_user, category=engineering, restricted=True)
    result = services.answer_generate(answer_id=answer.pk)
    assert (result.status, result.error, result.body) == (S.FAILED, "You no longer have access to this thread.", "")
    assert not AnswerSource.objects.filter(answer=answer).exists()


def test_discard_a_draft_then_again_is_illegal(employee, draft):
    services.answer_discard(acting_user=employee, answer=draft)
    assert reload(draft).status == S.DISCARDED
    with pytest.raises(InvalidTransition):
        services.answer_discard(acting_user=employee, answer=reload(draft))
    assert len(events(draft, "ai_answer.discard")) == 1


def test_retry_is_only_for_failed_answers(employee, question, draft):
    with pytest.raises(InvalidTransition):
        services.answer_retry(acting_user=employee, answer=draft)
    queued = services.answer_request(acting_user=employee, thread=question)
    with pytest.raises(InvalidTransition):
        services.answer_retry(acting_user=employee, answer=queued)
    assert reload(draft).status == S.DRAFT


def test_failed_answer_retries_into_the_queue(employee, question):
    answer = services.answer_request(acting_user=employee, thread=question)
    services.answer_claim(answer_id=answer.pk)
    failed = services.answer_fail(answer_id=answer.pk, message="The model is down.")
    assert (failed.status, failed.error) == (S.FAILED, "The model is down.")
    assert services.answer_fail(answer_id=answer.pk, message="again") is None  # already terminal
    retried = services.answer_retry(acting_user=employee, answer=failed)
    assert (retried.status, retried.error, retried.attempts) == (S.QUEUED, "", 0)
    assert services.answer_generate(answer_id=answer.pk).status == S.DRAFT


def test_feedback_needs_a_draft(employee, question, draft):
    queued = services.answer_request(acting_user=employee, thread=question)
    with pytest.raises(InvalidTransition):
        services.answer_feedback(acting_user=employee, answer=queued, rating="helpful")
    with pytest.raises(InvalidInput):
        services.answer_feedback(acting_user=employee, answer=draft, rating="meh")
    services.answer_feedback(acting_user=employee, answer=draft, rating="not_helpful")
    assert reload(draft).rating == "not_helpful"
    assert reload(queued).rating == ""


def test_regenerate_discards_the_draft_and_queues_a_new_one(employee, draft):
    new = services.answer_regenerate(acting_user=employee, answer=draft, audience="thread")
    assert reload(draft).status == S.DISCARDED
    assert (new.status, new.audience, new.regenerated_from_id) == (S.QUEUED, "thread", draft.pk)
    with pytest.raises(InvalidTransition):
        services.answer_regenerate(acting_user=employee, answer=new)  # still queued


def test_a_discarded_queued_answer_is_never_generated(employee, question):
    answer = services.answer_request(acting_user=employee, thread=question)
    services.answer_discard(acting_user=employee, answer=answer)
    assert services.answer_generate(answer_id=answer.pk) is None
    assert reload(answer).status == S.DISCARDED


@pytest.mark.parametrize("who", ["other_employee", "eng_moderator", "admin_user", "security_reviewer"])
def test_only_the_asker_acts_on_an_answer(request, who, employee, draft):
    user = request.getfixturevalue(who)
    with pytest.raises(NotFound):
        services.answer_discard(acting_user=user, answer=draft)
    with pytest.raises(NotFound):
        services.answer_retry(acting_user=user, answer=draft)
    with pytest.raises(NotFound):
        services.answer_regenerate(acting_user=user, answer=draft)
    with pytest.raises(NotFound):
        services.answer_feedback(acting_user=user, answer=draft, rating="helpful")
    after = reload(draft)
    assert (after.status, after.rating) == (S.DRAFT, "")
    assert AIAnswer.objects.count() == 1
    assert verbs(draft) == ["ai_answer.request", "ai_answer.claim", "ai_answer.draft"]


def test_the_asker_loses_the_answer_with_the_thread(employee, admin_user, engineering, draft):
    from forum import services as forum_services

    forum_services.category_update(acting_user=admin_user, category=engineering, restricted=True)
    with pytest.raises(NotFound):
        services.answer_discard(acting_user=fresh(employee), answer=reload(draft))
    assert reload(draft).status == S.DRAFT


# The worker's claim ------------------------------------------------------------------------------


def test_a_second_claim_gets_nothing(employee, question):
    answer = services.answer_request(acting_user=employee, thread=question)
    first = services.answer_claim(answer_id=answer.pk)
    assert first.status == S.GENERATING and first.attempts == 1
    assert first.lease_expires_at > timezone.now()
    assert services.answer_claim(answer_id=answer.pk) is None
    assert reload(answer).attempts == 1
    assert len(events(answer, "ai_answer.claim")) == 1
    assert services.answer_claim(answer_id=10**9) is None


def test_an_expired_lease_is_reclaimed_and_the_stale_result_dropped(employee, question):
    answer = services.answer_request(acting_user=employee, thread=question)
    stale = services.answer_claim(answer_id=answer.pk)
    AIAnswer.objects.filter(pk=answer.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    fresh = services.answer_claim(answer_id=answer.pk)
    assert fresh is not None and fresh.attempts == stale.attempts + 1 == 2

    late = Draft(text="A late draft [1].", model="old-worker", cited=[])
    assert services._store_draft(answer_id=answer.pk, claim=stale.claims, engine=ExtractiveEngine(),
                                 draft=late, sources=[], question=answer.question) is None
    after = reload(answer)
    assert (after.status, after.body, after.attempts) == (S.GENERATING, "", 2)
    assert not events(answer, "ai_answer.draft").exists()
    services.answer_release(answer_id=answer.pk, claim=stale.claims, message="stale")  # also dropped
    assert reload(answer).status == S.GENERATING

    stored = services._store_draft(answer_id=answer.pk, claim=fresh.claims, engine=ExtractiveEngine(),
                                   draft=Draft(text="The current draft.", model="new-worker", cited=[]), sources=[],
                                   question=answer.question)
    assert (stored.status, stored.body, stored.model_name) == (S.DRAFT, "The current draft.", "new-worker")


def test_a_stale_workers_result_is_dropped_before_it_is_checked(monkeypatch, employee, question):
    """The checks run before the draft's short transaction; a worker whose attempt is over does not run them, so a
    check failing there cannot fail the attempt that holds the answer now (round 35's review)."""
    from aiassist.services import drafting

    answer = services.answer_request(acting_user=employee, thread=question)
    stale = services.answer_claim(answer_id=answer.pk)
    AIAnswer.objects.filter(pk=answer.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert services.answer_claim(answer_id=answer.pk).attempts == 2

    def failing(*args, **kwargs):
        raise ValueError("the risk model failed")

    monkeypatch.setattr(drafting, "classify_risk", failing)
    assert services._store_draft(answer_id=answer.pk, claim=stale.claims, engine=ExtractiveEngine(),
                                 draft=Draft(text="A late draft.", model="old-worker", cited=[]), sources=[],
                                 question=answer.question) is None
    assert (reload(answer).status, reload(answer).attempts) == (S.GENERATING, 2)


def test_a_transient_engine_error_releases_the_answer(settings, employee, question):
    settings.ASSISTANT_ENGINE = "tests.engines.DownEngine"
    answer = services.answer_request(acting_user=employee, thread=question)
    from aiassist.engines import TransientEngineError

    with pytest.raises(TransientEngineError):
        services.answer_generate(answer_id=answer.pk)
    after = reload(answer)
    assert (after.status, after.lease_expires_at) == (S.QUEUED, None)
    assert after.error == "The model endpoint kept timing out."


def test_an_overrun_of_the_soft_time_limit_gives_the_answer_back_at_once(settings, employee, question):
    """Before, the row stayed claimed until its lease ran out, so the task's retry found it taken
    and the draft waited for the sweeper."""
    from tests.engines import OverrunEngine

    settings.ASSISTANT_ENGINE = "tests.engines.OverrunEngine"
    OverrunEngine.overruns = 0
    answer = services.answer_request(acting_user=employee, thread=question)
    _overruns_and_is_given_back(answer)
    drafted = services.answer_generate(answer_id=answer.pk)  # the retry claims it straight away
    assert (drafted.status, drafted.attempts) == (S.DRAFT, 2)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="a statement under way is a PostgreSQL connection's")
@pytest.mark.django_db(transaction=True)  # the interrupted connection is closed, as in a worker
def test_an_overrun_in_the_middle_of_a_statement_still_gives_the_answer_back(settings, employee, question):
    """The limit interrupted a statement: its connection is replaced before the release, whose own statement
    would otherwise fail ("another command is already in progress") and leave the row claimed."""
    settings.ASSISTANT_ENGINE = "tests.engines.MidStatementOverrunEngine"
    _overruns_and_is_given_back(services.answer_request(acting_user=employee, thread=question))


def _overruns_and_is_given_back(answer):
    """The worker's first attempt at ``answer`` runs out of time; the row is queued again at once, on record."""
    from celery.exceptions import SoftTimeLimitExceeded

    with pytest.raises(SoftTimeLimitExceeded):
        services.answer_generate(answer_id=answer.pk)
    after = reload(answer)
    assert (after.status, after.lease_expires_at, after.attempts) == (S.QUEUED, None, 1)
    assert events(answer, "ai_answer.release").exists()


def test_a_permanent_engine_error_fails_the_answer(settings, employee, question):
    settings.ASSISTANT_ENGINE = "no.such.Engine"
    answer = services.answer_request(acting_user=employee, thread=question)
    assert services.answer_generate(answer_id=answer.pk).status == S.FAILED
    assert reload(answer).error == "The assistant is misconfigured; the administrators have been told."


# The sweeper -------------------------------------------------------------------------------------


def drain_sent_ids(expected, timeout=5.0):
    """Take the sweeper's messages for ``expected`` off the broker (proving they were sent); leave others."""
    found = set()
    with app.connection_for_write() as conn, conn.SimpleQueue("ai") as queue:
        others = []
        deadline = timezone.now() + timedelta(seconds=timeout)
        while found != expected and timezone.now() < deadline:
            try:
                message = queue.get(timeout=0.2)
            except queue.Empty:
                continue
            args = message.payload[0] if isinstance(message.payload, list) else []
            if message.headers.get("task") == "aiassist.generate_answer" and args and args[0] in expected:
                found.add(args[0])
                message.ack()
            else:
                others.append(message)
        for message in others:
            message.requeue()
    return found


def test_the_sweeper_resends_stuck_answers_and_leaves_fresh_ones(settings, employee, question):
    settings.ASSISTANT_QUEUED_GRACE_SECONDS = 120
    long_ago = timezone.now() - timedelta(minutes=10)
    lost = services.answer_request(acting_user=employee, thread=question)
    AIAnswer.objects.filter(pk=lost.pk).update(enqueued_at=long_ago)
    never_sent = services.answer_request(acting_user=employee, thread=question)
    AIAnswer.objects.filter(pk=never_sent.pk).update(enqueued_at=None)
    dead_worker = services.answer_request(acting_user=employee, thread=question)
    services.answer_claim(answer_id=dead_worker.pk)
    AIAnswer.objects.filter(pk=dead_worker.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=5))
    fresh_queued = services.answer_request(acting_user=employee, thread=question)
    busy = services.answer_request(acting_user=employee, thread=question)
    services.answer_claim(answer_id=busy.pk)
    done = services.answer_generate(answer_id=services.answer_request(acting_user=employee, thread=question).pk)

    untouched = reload(fresh_queued).enqueued_at

    resent = services.answers_sweep()

    assert sorted(resent) == sorted([lost.pk, never_sent.pk, dead_worker.pk])
    assert drain_sent_ids(set(resent)) == set(resent)
    revived = reload(dead_worker)
    assert (revived.status, revived.lease_expires_at, revived.attempts) == (S.QUEUED, None, 1)
    assert len(events(dead_worker, "ai_answer.lease_expired")) == 1
    for answer in (lost, never_sent, dead_worker):
        assert reload(answer).enqueued_at > long_ago
    assert (reload(fresh_queued).status, reload(fresh_queued).enqueued_at) == (S.QUEUED, untouched)
    assert reload(busy).status == S.GENERATING
    assert reload(done).status == S.DRAFT
    # The revived one can be claimed again by the next delivery.
    assert services.answer_claim(answer_id=dead_worker.pk).attempts == 2


def test_a_sweep_with_nothing_stuck_sends_nothing(employee, question):
    services.answer_request(acting_user=employee, thread=question)
    assert services.answers_sweep() == []


# Database constraints ----------------------------------------------------------------------------


def test_a_draft_without_a_body_is_refused_by_the_database(employee, question):
    answer = services.answer_request(acting_user=employee, thread=question)
    answer.status, answer.risk, answer.generated_at = S.DRAFT, AIAnswer.Risk.LOW, timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        answer.save()
    assert reload(answer).status == S.QUEUED


def test_a_draft_without_a_risk_level_is_refused_by_the_database(employee, question):
    answer = services.answer_request(acting_user=employee, thread=question)
    answer.status, answer.body, answer.generated_at = S.DRAFT, "Text.", timezone.now()
    with pytest.raises(IntegrityError), transaction.atomic():
        answer.save()


def test_a_failure_without_an_error_is_refused_by_the_database(employee, question):
    answer = services.answer_request(acting_user=employee, thread=question)
    answer.status = S.FAILED
    with pytest.raises(IntegrityError), transaction.atomic():
        answer.save()
    assert reload(answer).status == S.QUEUED


def test_generating_without_a_lease_is_refused_by_the_database(employee, question):
    answer = services.answer_request(acting_user=employee, thread=question)
    with pytest.raises(IntegrityError), transaction.atomic():
        AIAnswer.objects.filter(pk=answer.pk).update(status=S.GENERATING)


def test_an_unknown_status_is_refused_by_the_database(employee, question):
    answer = services.answer_request(acting_user=employee, thread=question)
    with pytest.raises(IntegrityError), transaction.atomic():
        AIAnswer.objects.filter(pk=answer.pk).update(status="approved")


# The audit trail ---------------------------------------------------------------------------------


def test_every_transition_writes_one_event_with_its_verb(settings, employee, question):
    answer = services.answer_request(acting_user=employee, thread=question)
    assert verbs(answer) == ["ai_answer.request"]

    settings.ASSISTANT_ENGINE = "tests.engines.DownEngine"
    with pytest.raises(Exception, match="simulated timeout"):
        services.answer_generate(answer_id=answer.pk)
    assert verbs(answer)[1:] == ["ai_answer.claim", "ai_answer.release"]

    services.answer_claim(answer_id=answer.pk)
    services.answer_fail(answer_id=answer.pk, message="Gave up.")
    assert verbs(answer)[3:] == ["ai_answer.claim", "ai_answer.fail"]

    services.answer_retry(acting_user=employee, answer=reload(answer))
    settings.ASSISTANT_ENGINE = "extractive"
    services.answer_generate(answer_id=answer.pk)
    assert verbs(answer)[5:] == ["ai_answer.retry", "ai_answer.claim", "ai_answer.draft"]

    services.answer_feedback(acting_user=employee, answer=reload(answer), rating="helpful")
    services.answer_discard(acting_user=employee, answer=reload(answer))
    assert verbs(answer)[8:] == ["ai_answer.feedback", "ai_answer.discard"]

    human = [e for e in events(answer) if e.verb in ("ai_answer.request", "ai_answer.retry", "ai_answer.feedback",
                                                     "ai_answer.discard")]
    assert {e.actor_id for e in human} == {employee.pk}
    worker = events(answer).exclude(pk__in=[e.pk for e in human])
    assert set(worker.values_list("actor", flat=True)) == {None}
    assert set(events(answer).values_list("category", flat=True)) == {question.category_id}
    from forum.audit import audit_verify

    assert audit_verify().ok
