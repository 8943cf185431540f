"""Where a draft's CPU goes: the worker's, per phase, and the PostgreSQL backend's, in one process.

    BENCH_DATABASE_URL=... .venv/bin/python bench/draft_phases.py [--drafts 150] [--text-vectors]

Like ``draft_worker.py`` (asks the assistant about ``drafts`` readable threads of a ``seed_scale`` world, their
questions indexed first, then runs ``services.answer_generate`` for each), but times the services' own functions
(CPU, inclusive: a phase includes the phases it calls) and reads the PostgreSQL backend's CPU from /proc (the
server must be on this machine). Run a change and its parent one after the other, twice each: this kind of machine
drifts by ~10 % within an hour (bench/README.md, round 11). ``--text-vectors`` reads the vectors as text, as before
round 11, for that comparison.
"""
import argparse
import collections
import functools
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

spent: collections.Counter = collections.Counter()
calls: collections.Counter = collections.Counter()


def timed(owner, name: str) -> None:
    original = getattr(owner, name)
    label = f"{getattr(owner, '__name__', owner).split('.')[-1]}.{name}"

    @functools.wraps(original)
    def wrapper(*args, **kwargs):
        started = time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            spent[label] += time.process_time() - started
            calls[label] += 1

    setattr(owner, name, wrapper)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", type=int, default=150)
    parser.add_argument("--text-vectors", action="store_true")
    args = parser.parse_args()
    common.django_setup()
    from django.contrib.auth import get_user_model
    from django.db import connection

    from aiassist import services, sources
    from aiassist.retrieval import dense, index, ranking
    from aiassist.services import drafting
    from forum import policy

    for name in ("answer_claim", "retrieve", "_store_draft", "ground", "classify_risk", "render_markdown",
                 "audit_record", "notify"):
        timed(drafting, name)
    for name in ("rank", "question_vector", "select_passages"):
        timed(sources, name)
    for name in ("_lexical_candidates", "_closeness", "_bm25_features", "_confident", "_word_statistics",
                 "readable_categories", "_distinct_first", "with_details", "_masked_closeness"):
        timed(ranking, name)
    timed(dense.QuestionVectors, "nearest")
    if args.text_vectors:
        ranking._binary_cursor = connection.cursor

    user = get_user_model().objects.get(username=common.USERNAME)
    visible = policy.visible_threads(user)
    n = args.drafts
    offset = int(time.time()) % max(min(visible.count() - n - 2, 50_000), 1)
    threads = list(visible.select_related("category").order_by("-id")[offset:offset + n + 1])
    index.threads_index(threads)
    answers = [services.answer_request(acting_user=user, thread=thread) for thread in threads]
    services.answer_generate(answer_id=answers[0].pk)  # the model, the matrix and the caches load once
    from config.celery import worker_session

    worker_session(connection=connection)  # the worker's planner settings (WORKER_DB_SESSION)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]

    def backend_cpu() -> float:
        fields = Path(f"/proc/{backend}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    spent.clear()
    calls.clear()
    cpu, server = time.process_time(), backend_cpu()
    for answer in answers[1:]:
        services.answer_generate(answer_id=answer.pk)
    print(f"per draft over {n} drafts: worker CPU {1000 * (time.process_time() - cpu) / n:.1f} ms, "
          f"PostgreSQL backend CPU {1000 * (backend_cpu() - server) / n:.1f} ms")
    for label, seconds in spent.most_common():
        print(f"  {1000 * seconds / n:6.2f} ms  ({calls[label]} calls)  {label}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
