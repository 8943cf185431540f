"""Retrieval quality on the labelled set: does the assistant find the thread that answers a question?

Builds the labelled world (``bench/data/retrieval``: realistic threads, reworded questions,
questions nobody answered) in a throwaway test database, indexes it with the configured embedder,
and prints, without and then with the distractor threads:

- top-1 / top-3: the share of reworded questions whose thread ranks first / in the first three;
- declined: the share of unanswerable questions the assistant declines (no relevant thread);
- wrongly declined: the share of answerable questions it declines;
- the latency of one ranking (p50 / p95).

Run: ``.venv/bin/python bench/retrieval.py [--distractors 1000]`` (PostgreSQL from DATABASE_URL, or
SQLite without it). ``tests/aiassist/retrieval/test_quality.py`` asserts the targets with the
same ``evaluate``. ``--scale`` instead measures latency on a ``manage.py seed_scale`` database.
"""
import argparse
import os
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class Figures:
    questions: int = 0
    top1: float = 0.0
    top3: float = 0.0
    declined: float = 0.0
    wrongly_declined: float = 0.0
    unanswerable: int = 0
    p50_ms: float = 0.0
    p95_ms: float = 0.0
    misses: list = field(default_factory=list)
    false_answers: list = field(default_factory=list)

    def line(self, label: str) -> str:
        return (f"{label}: top-1 {self.top1:.1%}, top-3 {self.top3:.1%} of {self.questions} reworded questions; "
                f"declined {self.declined:.1%} of {self.unanswerable} unanswerable, wrongly declined "
                f"{self.wrongly_declined:.1%}; ranking p50 {self.p50_ms:.0f} ms, p95 {self.p95_ms:.0f} ms")


def reader_for(world, key: str):
    thread = world.threads[key]
    return world.secops_member if thread.category.restricted else world.employee


def evaluate(world, *, embedder=None) -> Figures:
    """Rank every labelled question as a reader of its thread's category; unanswerable ones as a
    reader of everything (the hardest case for declining)."""
    from aiassist.retrieval.ranking import rank

    figures, timings, hits1, hits3, answered = Figures(), [], 0, 0, 0
    for item in world.questions:
        started = time.perf_counter()
        ranking = rank(reader_for(world, item["thread"]), item["question"], limit=3, embedder=embedder)
        timings.append((time.perf_counter() - started) * 1000)
        ids = [hit.thread.pk for hit in ranking.threads]
        target = world.threads[item["thread"]].pk
        hits1 += bool(ids) and ids[0] == target
        hits3 += target in ids[:3]
        answered += bool(ranking.relevant)
        if target not in ids[:3]:
            figures.misses.append((item["question"], item["thread"], [h.thread.title for h in ranking.threads]))
    declined = 0
    for item in world.unanswerable:
        ranking = rank(world.secops_member, item["question"], limit=3, embedder=embedder)
        declined += not ranking.relevant
        if ranking.relevant:
            figures.false_answers.append((item["question"], ranking.threads[0].thread.title,
                                          round(ranking.threads[0].closeness, 3)))
    n, u = len(world.questions), len(world.unanswerable)
    figures.questions, figures.unanswerable = n, u
    figures.top1, figures.top3 = hits1 / n, hits3 / n
    figures.wrongly_declined = 1 - answered / n
    figures.declined = declined / u if u else 1.0
    figures.p50_ms = statistics.median(timings)
    figures.p95_ms = statistics.quantiles(timings, n=20)[18] if len(timings) > 1 else timings[0]
    return figures


def index_everything():
    from django.db import connection

    from aiassist.retrieval.index import posts_index
    from forum.models import Post

    ids = list(Post.objects.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(ids), 256):
        posts_index(ids[start:start + 256])
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE retrieval_passage")


def scale(rounds: int) -> int:
    """Latency on the ``seed_scale`` world (the database in DATABASE_URL, already seeded): the labelled
    questions ranked as the benchmark user, and the search page rendered for them, in this process."""
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from aiassist.retrieval.index import active_embedder
    from aiassist.retrieval.ranking import rank
    from bench.retrieval_world import reworded_questions, unanswerable_questions

    user = get_user_model().objects.get(username=os.environ.get("BENCH_USERNAME", "bench"))
    questions = [q["question"] for q in reworded_questions() + unanswerable_questions()]
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*), count(embedding) FROM retrieval_passage")
        passages, vectors = cursor.fetchone()
    print(f"{passages:,} passages, {vectors:,} with a vector; embedder {os.environ['ASSISTANT_EMBEDDER']}")
    active_embedder() and active_embedder().embed(["warm up"])
    client = Client()
    client.force_login(user)
    client.get("/search/", {"q": "warm up"})
    ranking_ms, page_ms = [], []
    for _ in range(rounds):
        for question in questions:
            started = time.perf_counter()
            rank(user, question, limit=5)
            ranking_ms.append((time.perf_counter() - started) * 1000)
            started = time.perf_counter()
            assert client.get("/search/", {"q": question}).status_code == 200
            page_ms.append((time.perf_counter() - started) * 1000)
    for label, values in (("ranking (assistant retrieval)", ranking_ms), ("search page (server, in process)", page_ms)):
        q = statistics.quantiles(values, n=20)
        print(f"{label}: p50 {statistics.median(values):.0f} ms, p95 {q[18]:.0f} ms over {len(values)} queries")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--distractors", type=int, default=1000)
    parser.add_argument("--scale", action="store_true",
                        help="measure latency on the seed_scale database in DATABASE_URL instead")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--embedder", default=os.environ.get("ASSISTANT_EMBEDDER", "local"))
    parser.add_argument("--misses", action="store_true", help="list the questions whose thread was not in the top 3")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["ASSISTANT_EMBEDDER"] = args.embedder
    os.environ["RETRIEVAL_INDEX_SYNC"] = "False"
    os.environ["EMAIL_NOTIFICATIONS"] = "False"
    os.environ["CELERY_BROKER_URL"] = "memory://"  # the index tasks posts send are not needed: indexed below
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import setup_test_environment

    from bench.retrieval_world import add_distractors, load_world

    if args.scale:
        return scale(args.rounds)
    setup_test_environment()
    name = connection.creation.create_test_db(verbosity=0, autoclobber=True, keepdb=False)
    print(f"database {connection.vendor} ({name}), embedder {args.embedder}")
    try:
        started = time.perf_counter()
        world = load_world(distractors=0)
        index_everything()
        print(f"labelled world indexed in {time.perf_counter() - started:.1f} s")
        report(evaluate(world), "without distractors", args.misses)
        if args.distractors:
            started = time.perf_counter()
            add_distractors(world, args.distractors)
            index_everything()
            print(f"{args.distractors} distractor threads added and indexed in {time.perf_counter() - started:.1f} s")
            report(evaluate(world), f"with {args.distractors} distractors", args.misses)
    finally:
        connection.creation.destroy_test_db(name, verbosity=0)
    return 0


def report(figures: Figures, label: str, misses: bool) -> None:
    print(figures.line(label))
    if misses:
        for question, key, got in figures.misses:
            print(f"  miss: {question!r} -> {key}; got {got}")
        for question, title, closeness in figures.false_answers:
            print(f"  answered an unanswerable: {question!r} -> {title!r} ({closeness})")


if __name__ == "__main__":
    sys.exit(main())
