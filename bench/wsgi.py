"""Benchmark-only WSGI entry (``gunicorn bench.wsgi``): the production application, plus

* the benchmark URLs: ``ROOT_URLCONF`` from the environment (``bench.urls``), set here rather than in
  config/settings.py, so production settings have no such knob;
* a per-request timer: wall time, CPU time of the worker process (a sync worker serves one request
  at a time, so this is the request's own Python time, whatever else the machine is doing) and the
  number of SQL queries of every request, appended as one line (path, status, ms, cpu ms, queries)
  to ``$BENCH_TIMINGS_DIR/<pid>.tsv`` — the server-side view of the load;
* the enqueue timestamp for the pipeline benchmark: each Celery message published from the web
  process carries a ``bench_sent_at`` header (read by ``bench.celery_worker``).
"""
import os
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

from celery.signals import before_task_publish  # noqa: E402
from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402

from config.wsgi import application as production_application  # noqa: E402

settings.ROOT_URLCONF = os.environ.get("ROOT_URLCONF", "bench.urls")
_TIMINGS_DIR = os.environ.get("BENCH_TIMINGS_DIR", "/tmp/vetted-bench/timings")
_fd = {"pid": None, "fd": None}


def _record(line: str) -> None:
    if _fd["pid"] != os.getpid():  # opened lazily in each gunicorn worker, after the fork
        os.makedirs(_TIMINGS_DIR, exist_ok=True)
        _fd["fd"] = os.open(os.path.join(_TIMINGS_DIR, f"{os.getpid()}.tsv"),
                            os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        _fd["pid"] = os.getpid()
    os.write(_fd["fd"], line.encode())


@before_task_publish.connect
def _stamp(headers=None, **kwargs):
    if headers is not None:
        headers["bench_sent_at"] = time.time()


def application(environ, start_response):
    queries = [0]
    status = ["000"]

    def count(execute, sql, params, many, context):
        queries[0] += 1
        return execute(sql, params, many, context)

    def start(status_line, headers, exc_info=None):
        status[0] = status_line[:3]
        return start_response(status_line, headers, exc_info)

    started, cpu_started = time.perf_counter(), time.process_time()
    with connection.execute_wrapper(count):
        response = production_application(environ, start)
    elapsed = (time.perf_counter() - started) * 1000
    cpu = (time.process_time() - cpu_started) * 1000
    _record(f"{environ.get('PATH_INFO', '')}\t{status[0]}\t{elapsed:.3f}\t{cpu:.3f}\t{queries[0]}\n")
    return response
