"""The worker's whole job for a draft, in this process, on the bench database: CPU, wall time and statements.

    .venv/bin/python bench/draft_worker.py [--drafts 60] [--profile] [--sql] [--phases] [--text-vectors]

Asks the assistant about ``drafts`` threads the benchmark user can read (their questions indexed first, as
in a running forum), then runs ``services.answer_generate`` for each: the claim, retrieval, the engine,
grounding, risk, storing the draft and its notice. Prints CPU and wall time per draft (p50, mean), the
number of SQL statements and their own time; ``--sql`` lists the last draft's statements, ``--profile``
adds a cProfile by internal time (CPU timer), ``--phases`` the CPU of the services' own steps (inclusive: a step
includes the steps it calls; no profiler's overhead), ``--text-vectors`` reads the vectors as text, as before round
11. With the worker's planner settings (WORKER_DB_SESSION), and the PostgreSQL backend's own CPU when the server is
on this machine. Compare a change with its parent one after the other, twice each: this kind of machine drifts by
~10 % within an hour (bench/README.md, round 11). Unlike ``draft_cpu.py`` it writes the drafts (AI answers,
sources, audit events, notices) into the bench database. Run it on a ``manage.py seed_scale`` database
(BENCH_DATABASE_URL).
"""
import argparse
import collections
import cProfile
import functools
import os
import pstats
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

PHASES = {
    "aiassist.services.drafting": ("answer_claim", "retrieve", "_store_draft", "ground", "classify_risk",
                                   "render_markdown", "audit_record", "notify", "machine_text", "_save_draft",
                                   "_taken_back_since"),
    "aiassist.risk": ("hits",),
    "aiassist.risk_words": ("findings",),
    "aiassist.risk_model": ("flagged", "readings"),
    "aiassist.sources": ("rank", "question_vector", "select_passages"),
    "aiassist.retrieval.ranking": ("_lexical_candidates", "_closeness", "_bm25_features", "_confident",
                                   "_word_statistics", "readable_categories", "_distinct_first", "with_details",
                                   "_masked_closeness", "_stem_counts"),
}


def time_phases(spent: collections.Counter) -> None:
    """Wrap each of PHASES so that its CPU adds up in ``spent`` (module-level names: callers look them up there)."""
    import importlib

    for module_name, names in PHASES.items():
        module = importlib.import_module(module_name)
        for name in names:
            original, label = getattr(module, name), f"{module_name.rsplit('.', 1)[-1]}.{name}"

            def timed(*args, _original=original, _label=label, **kwargs):
                started = time.process_time()
                try:
                    return _original(*args, **kwargs)
                finally:
                    spent[_label] += time.process_time() - started

            setattr(module, name, functools.wraps(original)(timed))


def backend_cpu(pid: int) -> float | None:
    """CPU seconds of PostgreSQL's backend ``pid``, when it runs on this machine."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drafts", type=int, default=60)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--profile-out", help="also write the profile's stats to this file (pstats, for callers)")
    parser.add_argument("--sql", action="store_true")
    parser.add_argument("--phases", action="store_true")
    parser.add_argument("--text-vectors", action="store_true")
    args = parser.parse_args()
    common.django_setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from aiassist import services
    from aiassist.retrieval import index, ranking
    from config.celery import worker_session
    from forum import policy

    spent = collections.Counter()
    if args.phases:
        time_phases(spent)
    if args.text_vectors:
        ranking._binary_cursor = connection.cursor

    user = get_user_model().objects.get(username=common.USERNAME)
    # Other threads each run (a draft per thread and asker is what a forum sees), within the world's size.
    visible = policy.visible_threads(user)
    offset = int(time.time()) % max(min(visible.count() - args.drafts - 1, 50_000), 1)
    threads = list(visible.select_related("category").order_by("-id")
                   [offset:offset + args.drafts + 1])
    index.threads_index(threads)
    answers = [services.answer_request(acting_user=user, thread=thread) for thread in threads]
    services.answer_generate(answer_id=answers[0].pk)  # the model, the matrix and the caches load once
    backend = None
    if connection.vendor == "postgresql":
        worker_session(connection=connection)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            backend = cursor.fetchone()[0]
    server_before = backend_cpu(backend) if backend else None
    spent.clear()
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
    server_after = backend_cpu(backend) if backend else None
    if server_before is not None and server_after is not None:
        print(f"PostgreSQL backend CPU per draft: {1000 * (server_after - server_before) / len(cpu):.1f} ms")
    for label, seconds in spent.most_common():
        print(f"  {1000 * seconds / len(cpu):6.2f} ms a draft  {label}")
    if args.sql:
        for query in queries.captured_queries:
            print(f"{float(query['time']) * 1000:6.1f} ms  {query['sql'][:150]}")
    if profile:
        pstats.Stats(profile).sort_stats("tottime").print_stats(40)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(60)
        if args.profile_out:
            profile.dump_stats(args.profile_out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
