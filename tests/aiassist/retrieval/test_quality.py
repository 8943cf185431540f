"""Retrieval quality on the labelled set (bench/data/retrieval), with the real model and 1,000 distractors.

The world is built once for the module (the model-heavy part of the suite) inside a transaction that is
rolled back at the end, so nothing leaks into other tests. ``bench/retrieval.py`` prints the same
figures (``evaluate``); the targets are the issue's, except where noted.
"""
from dataclasses import replace

import pytest
from django.db import connection, transaction

from aiassist import services
from aiassist.models import AIAnswer
from bench.retrieval import evaluate, index_everything
from bench.retrieval_world import BLIND_SETS, blind_questions, blind_unanswerable, load_world
from forum.audit import audited

DISTRACTORS = 1000
# Every test of the module marked alike: pytest-django runs the tests that use the database before the others, so a
# module with both was split in two, and the module's world (four minutes to build) was built twice.
pytestmark = [pytest.mark.django_db, pytest.mark.quality]


@pytest.fixture(scope="module")
def world(django_db_setup, django_db_blocker):
    from django.conf import settings

    saved = settings.ASSISTANT_EMBEDDER, settings.RETRIEVAL_INDEX_SYNC, settings.EMAIL_NOTIFICATIONS
    settings.ASSISTANT_EMBEDDER, settings.RETRIEVAL_INDEX_SYNC, settings.EMAIL_NOTIFICATIONS = "local", True, False
    try:
        with django_db_blocker.unblock(), audited():  # the world is posted through the (auditing) services
            # Indexed in one pass after loading (batches of passages embed faster than post by post).
            settings.RETRIEVAL_INDEX_SYNC = False
            built = load_world(distractors=DISTRACTORS)
            index_everything()
            settings.RETRIEVAL_INDEX_SYNC = True
            figures = evaluate(built)
            print(figures.line(f"with {DISTRACTORS} distractors ({connection.vendor})"))
            figures.blind = {number: evaluate(replace(built, questions=blind_questions(number),
                                                      unanswerable=blind_unanswerable(number)))
                             for number in BLIND_SETS}
            for number, blind in figures.blind.items():
                print(blind.line(f"blind set {number}"))
            yield built, figures
            transaction.set_rollback(True)
    finally:
        settings.ASSISTANT_EMBEDDER, settings.RETRIEVAL_INDEX_SYNC, settings.EMAIL_NOTIFICATIONS = saved
        # The session this module fixture opened (outside any test's own) ends with it: CI found one still open on
        # the test database at the end of the run, opened here (tests/conftest.py names such sessions).
        with django_db_blocker.unblock():
            connection.close()


@pytest.fixture
def local_embedder(settings):
    settings.ASSISTANT_EMBEDDER = "local"


def test_reworded_questions_find_their_thread_among_distractors(world):
    _, figures = world
    assert figures.questions >= 320
    assert figures.top3 >= 0.95, figures.misses
    assert figures.top1 >= 0.85


def test_answerable_questions_are_rarely_declined(world):
    _, figures = world
    assert figures.wrongly_declined <= 0.05


# The held-out half (bench.retrieval_world.held_out) is what the abstention bar was not calibrated on. It holds
# about 180 reworded and 65 unanswerable questions: one question moves a rate by 0.5 and 1.5 points, and the
# binomial standard error of a 95 % rate over 180 questions is 1.6 points; the half drew more of the second batch's
# hardest questions (its top-1 is 91 %, the calibration half's 98 %). So the half is held to the targets less a
# tolerance of about five reworded questions; the whole set is held to the targets themselves.
HELD_OUT_TOLERANCE = 0.03


def test_the_held_out_half_is_within_tolerance_of_the_targets(world):
    _, figures = world
    held = figures.halves["held-out"]
    assert held.questions >= 150 and held.unanswerable >= 50
    assert held.top3 >= 0.95 - HELD_OUT_TOLERANCE, held.misses
    assert held.top1 >= 0.85 - HELD_OUT_TOLERANCE
    assert held.wrongly_declined <= 0.05 + HELD_OUT_TOLERANCE


def test_questions_nobody_answered_are_mostly_declined(world):
    """The level reached, so that a regression shows: 78.3 % of the 120 unanswerable questions on the whole set and
    76.9 % of the held-out half on PostgreSQL (77.5 and 75.4 % on SQLite), with the names masked and the
    answerability model (bench/README.md, round 21; 67.5 and 70.8 % without the model, at 9.0 and 10.3 % wrongly
    declined). By batch: 88.3 % of the first 60 (the issue's target), 68.3 % of the second, harder 60. Below the
    issue's 85 % on the whole set: see the test after next."""
    _, figures = world
    assert figures.unanswerable >= 110
    assert figures.declined >= 0.75, figures.false_answers
    assert figures.halves["held-out"].declined >= 0.72, figures.halves["held-out"].false_answers


# Blind set 1 (36 reworded, 24 unanswerable) was written before the names terms were measured; blind set 2 (60 and 28,
# bench/README.md round 13) by a helper who read the threads and nothing else. Neither was calibrated on. Measured
# with 1,000 distractors on PostgreSQL: declined 95.8 % and 89.3 % (round 21; 92.9 % for the second in rounds 19-20).
@pytest.mark.parametrize("number", [1, 2])
def test_a_blind_set_meets_the_targets(world, number):
    """Held to the issue's targets, less the held-out tolerance for the set's size on the ranking rates (one question
    moves them by 1.7-2.8 points), and on the declined rate of the second less one of its 28 unanswerable
    questions (3.6 points), for the SQLite path."""
    _, figures = world
    blind = figures.blind[number]
    assert blind.questions >= 30 and blind.unanswerable >= 20
    assert blind.top3 >= 0.95 - HELD_OUT_TOLERANCE, blind.misses
    assert blind.top1 >= 0.85 - HELD_OUT_TOLERANCE
    assert blind.wrongly_declined <= 0.05 + HELD_OUT_TOLERANCE
    assert blind.declined >= (0.85 if number == 1 else 0.85 - 1 / blind.unanswerable), blind.false_answers


# Blind set 3 (45 reworded, 18 unanswerable; bench/README.md round 19) was written like set 2, before the answerability
# model was calibrated or measured; its unanswerable questions were then checked against the distractor topics too,
# and the 12 of 30 a distractor answers taken out (unanswerable_blind3_removed.json). The rest are the hardest yet:
# most ask a neighbouring task of a topic the distractors hold ("convert a table to monthly partitions" beside
# "Should we partition events by month?"). Declined 66.7 % (with and without the model): held to that level, less one
# question; the ranking rates to the targets as for the other sets.
def test_the_third_blind_set_ranks_to_the_targets_and_keeps_its_declined_level(world):
    _, figures = world
    blind = figures.blind[3]
    assert blind.questions >= 40 and blind.unanswerable >= 15
    assert blind.top3 >= 0.95 - HELD_OUT_TOLERANCE, blind.misses
    assert blind.top1 >= 0.85 - HELD_OUT_TOLERANCE
    assert blind.wrongly_declined <= 0.05 + HELD_OUT_TOLERANCE
    assert blind.declined >= 0.667 - 1 / blind.unanswerable, blind.false_answers


def test_with_two_readers_more_questions_nobody_answered_are_declined(world, settings, local_embedder):
    """The second reader on (``ASSISTANT_SECOND_READER``, off by default for its cost): the labelled set ranked again,
    the mean of both readers' logits weighed by ``ranking.PAIR``. Measured on PostgreSQL (bench/README.md, round 27):
    83.3 % of the unanswerable questions declined at 3.5 % of the answerable ones wrongly declined (one reader: 78.3 %
    at 3.5 %); held-out half 80.0 % at 4.3 %. Held to a level above one reader's, less a question or two for SQLite."""
    if connection.vendor != "postgresql":
        pytest.skip("the opt-in reader's figures are PostgreSQL's (on SQLite 84.2 % at 4.0 %, round 27): "
                    "three minutes of reading, not run twice")
    built, one = world
    settings.ASSISTANT_SECOND_READER = True
    two = evaluate(built)
    print(two.line(f"two readers, {DISTRACTORS} distractors ({connection.vendor})"))
    assert two.declined >= 0.81 and two.declined > one.declined, two.false_answers
    assert two.wrongly_declined <= 0.05
    assert two.halves["held-out"].wrongly_declined <= 0.05 + HELD_OUT_TOLERANCE
    assert (two.top1, two.top3) == (one.top1, one.top3)  # the readers only decide whether to answer


@pytest.mark.xfail(strict=True, reason="issue 11's abstention target is not met: the rule declines 78 % of the whole "
                                       "set of two batches (77 % of the held-out half) at <= 5 % wrongly declined, "
                                       "with the answerability model (bench/README.md, round 21)")
def test_questions_nobody_answered_are_declined_at_the_issues_target(world):
    _, figures = world
    assert figures.declined >= 0.85 and figures.halves["held-out"].declined >= 0.85 - HELD_OUT_TOLERANCE


@pytest.mark.django_db
def test_the_draft_for_a_reworded_question_quotes_its_threads_answer(world, local_embedder):
    built, _ = world
    item = next(q for q in built.questions if q["thread"] == "pg-vacuum-full-nightly")
    source = built.threads[item["thread"]]
    asker = built.employee
    from forum import services as forum_services

    thread = forum_services.thread_start(acting_user=asker, category=source.category, title=item["question"],
                                         body="We run a big nightly batch and the disk keeps growing.")
    answer = services.answer_generate(answer_id=services.answer_request(acting_user=asker, thread=thread).pk)
    assert answer.status == AIAnswer.Status.DRAFT
    cited = answer.sources.filter(cited=True)
    assert cited and cited[0].thread_id == source.pk
    # The quoted answer, not the source thread's question.
    opening = source.posts.order_by("id").first()
    assert opening.body.strip()[:60] not in answer.body
    assert all(s.role in ("accepted", "reply") for s in cited)


@pytest.mark.django_db
def test_a_question_nobody_answered_gets_an_honest_no(world, local_embedder):
    built, _ = world
    asker = built.employee
    from forum import services as forum_services

    thread = forum_services.thread_start(
        acting_user=asker, category=next(iter(built.threads.values())).category,
        title="How do we keep gRPC streams alive through Envoy?",
        body="Envoy's idle timeout keeps cutting our long-lived gRPC streams between two services.")
    answer = services.answer_generate(answer_id=services.answer_request(acting_user=asker, thread=thread).pk)
    assert answer.status == AIAnswer.Status.DRAFT
    assert "Nothing in the posts you can read answers this question" in answer.body
    assert not answer.sources.exists()
    assert answer.risk == AIAnswer.Risk.LOW  # not flagged by the risk of sources it did not use
