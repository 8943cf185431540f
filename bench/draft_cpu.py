"""Where a draft's CPU goes: each step of the worker's job, in this process, on the bench database.

    .venv/bin/python bench/draft_cpu.py [--threads 60] [--profile]

For ``threads`` threads the benchmark user can read (the most recently active), runs what the worker
runs for a draft, without writing it: ``retrieve`` (ranking as the asker, with the thread's stored
question vector when the index holds one), the configured engine's ``draft``, ``ground`` and
``classify_risk``; then ``rank()`` alone for the labelled questions. Prints the CPU time (not wall
time: the steadiest figure on a shared machine) per step, p50 and mean; ``--profile`` adds a cProfile
of the drafts, by internal time. Run it on a ``manage.py seed_scale`` database (BENCH_DATABASE_URL).
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

STEPS = ("retrieve", "draft", "ground", "risk")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=60)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    common.django_setup()
    from django.contrib.auth import get_user_model

    from aiassist.models import AIAnswer
    from aiassist.retrieval.ranking import rank
    from aiassist.services.drafting import _engine, _question_of, classify_risk, ground
    from aiassist.sources import retrieve
    from bench.retrieval_world import reworded_questions
    from forum import policy

    user = get_user_model().objects.get(username=common.USERNAME)
    threads = list(policy.visible_threads(user).select_related("category")
                   .order_by("-last_post_at", "-id")[:args.threads + 1])
    engine = _engine()
    cpu = {step: [] for step in STEPS}

    def draft(thread):
        question = _question_of(thread)
        marks = [time.process_time()]
        sources = retrieve(asker=user, thread=thread, question=question, audience=AIAnswer.Audience.ASKER)
        marks.append(time.process_time())
        result = engine.draft(question, [s.doc for s in sources])
        marks.append(time.process_time())
        checked = ground(result.text, {s.doc.number: s.doc.text for s in sources})
        marks.append(time.process_time())
        classify_risk(result.text, checked, question=question, sources=[s.doc.text for s in sources])
        marks.append(time.process_time())
        return [1000 * (b - a) for a, b in zip(marks, marks[1:], strict=False)]

    draft(threads[0])  # the model and the caches load once per process
    profile = cProfile.Profile() if args.profile else None
    if profile:
        profile.enable()
    for thread in threads[1:]:
        for step, ms in zip(STEPS, draft(thread), strict=True):
            cpu[step].append(ms)
    if profile:
        profile.disable()
    totals = [sum(parts) for parts in zip(*cpu.values(), strict=True)]
    print(f"per draft, CPU ms over {len(totals)} threads (p50 / mean):")
    for step, values in (*cpu.items(), ("total", totals)):
        print(f"  {step:9s} {statistics.median(values):7.1f} / {statistics.fmean(values):7.1f}")
    ranking = []
    for item in reworded_questions():
        started = time.process_time()
        rank(user, item["question"], limit=20)
        ranking.append(1000 * (time.process_time() - started))
    ranking.sort()
    print(f"rank() alone, {len(ranking)} labelled questions: CPU p50 {statistics.median(ranking):.1f} ms, "
          f"p95 {ranking[int(0.95 * (len(ranking) - 1))]:.1f} ms")
    if profile:
        pstats.Stats(profile).sort_stats("tottime").print_stats(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
