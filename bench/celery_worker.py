"""Benchmark-only Celery entry (``celery -A bench.celery_worker worker``): the production app, plus one
line per task to ``$BENCH_TIMINGS_DIR/worker-<pid>.tsv`` when its body starts and when it ends:

    start  <task>  <answer id>  <enqueued at (from bench.wsgi's header)>  <now>
    end    <task>  <answer id>  <state>  <now>  <CPU seconds the task's process spent on it>

(wall-clock seconds; the web server and the worker run on the same machine).
"""
import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from celery.signals import task_postrun, task_prerun  # noqa: E402

from config.celery import app  # noqa: E402, F401 - the application celery -A finds here

_TIMINGS_DIR = os.environ.get("BENCH_TIMINGS_DIR", "/tmp/vetted-bench/timings")
_cpu_at_start = {}


def _write(line: str) -> None:
    os.makedirs(_TIMINGS_DIR, exist_ok=True)
    with open(os.path.join(_TIMINGS_DIR, f"worker-{os.getpid()}.tsv"), "a") as out:
        out.write(line)


@task_prerun.connect
def _started(task_id=None, task=None, args=None, **kwargs):
    now = time.time()
    _cpu_at_start[task_id] = time.process_time()
    sent = task.request.get("bench_sent_at") or (task.request.headers or {}).get("bench_sent_at") or ""
    _write(f"start\t{task.name}\t{args[0] if args else ''}\t{sent}\t{now}\n")


@task_postrun.connect
def _finished(task_id=None, task=None, args=None, state=None, **kwargs):
    cpu = time.process_time() - _cpu_at_start.pop(task_id, time.process_time())
    _write(f"end\t{task.name}\t{args[0] if args else ''}\t{state}\t{time.time()}\t{cpu}\n")
