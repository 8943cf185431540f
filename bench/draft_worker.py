"""The worker's whole job for a draft, in this process, on the bench database: CPU, wall time and statements.

    .venv/bin/python bench/draft_worker.py [--drafts 60] [--profile] [--sql]

Asks the assistant about ``drafts`` threads the benchmark user can read (their questions indexed first, as
in a running forum), then runs ``services.answer_generate`` for each: the claim, retrieval, the engine,
grounding, risk, storing the draft and its notice. Prints CPU and wall time per draft (p50, mean), the
number of SQL statements and their own time; ``--sql`` lists the last draft's statements, ``--profile``
adds a cProfile by internal time (CPU timer). Unlike ``draft_cpu.py`` it writes the drafts (AI answers,
sources, audit events, notices) into the bench database. Run it on a ``manage.py seed_scale`` database
(BENCH_DATABASE_URL).
"""
import argparse
import cProfile
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", type=int, default=60)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--sql", action="store_true")
    args = parser.parse_args()
    common.django_setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from aiassist import services
    from aiassist.retrieval import index
    from forum import policy

    user = get_user_model().objects.get(username=common.USERNAME)
    # Other threads each run (a draft per thread and asker is what a forum sees), within the world's size.
    visible = policy.visible_threads(user)
    offset = int(time.time()) % max(min(visible.count() - args.drafts - 1, 50_000), 1)
    threads = list(visible.select_related("category").order_by("-id")
                   [offset:offset + args.drafts + 1])
    index.threads_index(threads)
    answers = [services.answer_request(acting_user=user, thread=thread) for thread in threads]
    services.answer_generate(answer_id=answers[0].pk)  # the model, the matrix and the caches load once
    profile = cProfile.Profile(time.process_time) if args.profile else None
    cpu, wall, statements, sql_ms = [], [], [], []
    for answer in answers[1:]:
        started_cpu, started = time.process_time(), time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            if profile:
                profile.enable()
            services.answer_generate(answer_id=answer.pk)
            if profile:
                profile.disable()
        cpu.append(1000 * (time.process_time() - started_cpu))
        wall.append(1000 * (time.perf_counter() - started))
        statements.append(len(queries.captured_queries))
        sql_ms.append(1000 * sum(float(q["time"]) for q in queries.captured_queries))
    print(f"per draft over {len(cpu)} drafts (p50 / mean): CPU {statistics.median(cpu):.1f} / "
          f"{statistics.fmean(cpu):.1f} ms, wall {statistics.median(wall):.1f} / {statistics.fmean(wall):.1f} ms, "
          f"statements {statistics.median(statements):.0f}, their time {statistics.median(sql_ms):.1f} ms")
    if args.sql:
        for query in queries.captured_queries:
            print(f"{float(query['time']) * 1000:6.1f} ms  {query['sql'][:150]}")
    if profile:
        pstats.Stats(profile).sort_stats("tottime").print_stats(40)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(60)
    return 0


if __name__ == "__main__":
    sys.exit(main())
