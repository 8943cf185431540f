"""Asking while the broker is down: the question and its answer row are saved, nothing hangs, and
the draft arrives once Redis and a worker are back and the sweeper has run."""
import time

import pytest
from django.urls import reverse

from aiassist import services
from aiassist.models import AIAnswer
from forum.models import Thread

from .conftest import S, sweep_until_settled

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]


def timed(call):
    started = time.monotonic()
    result = call()
    return result, time.monotonic() - started


def test_asking_with_the_broker_down_saves_everything_and_drafts_later(app_on_private_redis, workers, client,
                                                                        asker, question, engineering):
    redis_server = app_on_private_redis  # not started: nothing listens on its port
    client.force_login(asker)

    # The ask button on an existing thread (htmx swaps in the panel).
    response, took = timed(lambda: client.post(reverse("assistant:ask", args=[question.pk]), HTTP_HX_REQUEST="true"))
    assert response.status_code == 200
    assert took < 3, f"the ask waited {took:.1f}s on the dead broker"
    panel = response.content.decode()
    assert 'data-status="queued"' in panel
    assert "Queued: waiting for the assistant" in panel

    # A new thread with "Get a private AI draft" ticked.
    response, took = timed(lambda: client.post(reverse("forum:thread_start"), {
        "category": engineering.pk, "title": "Why do my celery retries not back off?",
        "body": "Tasks retry at once after network errors.", "ask_assistant": "on"}))
    assert response.status_code == 302
    assert took < 3, f"the new thread waited {took:.1f}s on the dead broker"
    started = Thread.objects.get(title="Why do my celery retries not back off?")
    assert response["Location"] == reverse("forum:thread", args=[started.pk])
    page = client.get(response["Location"]).content.decode()
    assert "Queued: waiting for the assistant" in page

    answers = AIAnswer.objects.filter(asker=asker).order_by("pk")
    assert [(a.thread_id, a.status) for a in answers] == [(question.pk, S.QUEUED), (started.pk, S.QUEUED)]

    # A sweep while the broker is still down neither hangs nor loses anything.
    _, took = timed(services.answers_sweep)
    assert took < 3, f"the sweeper waited {took:.1f}s on the dead broker"
    assert set(answers.values_list("status", flat=True)) == {S.QUEUED}

    redis_server.start()
    workers.start(VETTED_SLOW_ENGINE_SECONDS=0.2)
    sweep_until_settled(timeout=30)
    assert list(answers.values_list("status", "attempts")) == [(S.DRAFT, 1), (S.DRAFT, 1)]
