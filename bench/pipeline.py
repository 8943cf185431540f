"""The assistant's pipeline at a sustained rate: ask -> response, enqueue -> task start, ask -> draft.

    .venv/bin/python bench/pipeline.py [--rate 20] [--seconds 30] [--drain 20]

Starts gunicorn (2 workers) and a real ``celery -A bench.celery_worker worker`` (prefork, 2 processes,
queues ai and default) on a dedicated Redis database (BENCH_BROKER_URL, default db 11, flushed
first), signs in as the benchmark user and asks the assistant ``rate`` times a second for ``seconds``
seconds, each time about a different thread the user can read (open loop: asks are sent on schedule
whether or not earlier ones have been answered). Uses ``POST /api/v1/threads/{id}/ai-answers/`` (202)
when that endpoint exists, else the web page's ask button (``POST /ai/threads/{id}/ask/``, 302).

Figures, p50/p95/p99 in ms:
* ask: the client's request latency, and the server's own time for it (bench.wsgi);
* enqueue -> start: from the moment the web process publishes the task (after the request's
  transaction commits) to the moment the worker starts the task's body;
* ask -> draft: from sending the ask to the end of the task that stored the draft (its transaction
  has committed, so the draft is visible to the asker's next poll).
Then the resident size of the Celery and gunicorn processes. Results: bench/results/pipeline-latest.json.
"""
import argparse
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402


class Worker:
    """``celery -A bench.celery_worker worker`` (prefork, 2 processes) on the bench broker."""

    def __init__(self, concurrency=2):
        self.concurrency = concurrency

    def __enter__(self):
        self.log_path = common.WORK / "celery.log"
        self.log = open(self.log_path, "wb")  # noqa: SIM115 - closed in __exit__
        self.proc = subprocess.Popen(
            [str(common.BIN / "celery"), "-A", "bench.celery_worker", "worker", "-Q", "ai,default",
             "--concurrency", str(self.concurrency), "--pool", "prefork", "--without-gossip", "--without-mingle",
             "--without-heartbeat", "--loglevel", "INFO", "--hostname", "bench@%h"],
            cwd=common.ROOT, env=common.server_env(LOG_FORMAT="plain"), stdout=self.log, stderr=self.log,
            start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if b" ready." in self.log_path.read_bytes():
                return self
            if self.proc.poll() is not None:
                raise RuntimeError(f"celery exited; see {self.log_path}")
            time.sleep(0.2)
        raise RuntimeError("celery worker not ready within 60 s")

    def pids(self) -> list[int]:
        return [self.proc.pid, *common.children(self.proc.pid)]

    def __exit__(self, *exc):
        common.stop(self.proc)
        self.log.close()


def ask_targets(count: int) -> tuple[list[int], str]:
    """Threads the benchmark user can read and has never asked about; and the ask endpoint to use."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.urls import resolve

    from aiassist.models import AIAnswer
    from forum import policy

    user = get_user_model().objects.get(username=common.USERNAME)
    asked = AIAnswer.objects.filter(asker=user).values("thread_id")
    threads = list(policy.visible_threads(user).exclude(pk__in=asked).order_by("-last_post_at", "-id")
                   .values_list("pk", flat=True)[:count])
    if len(threads) < count:
        raise SystemExit(f"only {len(threads)} threads left to ask about; reseed")
    settings.ROOT_URLCONF = "bench.urls"
    api = resolve(f"/api/v1/threads/{threads[0]}/ai-answers/").url_name != "not_found"
    return threads, "api" if api else "web"


class Asker:
    """Open-loop sender: ask ``i`` leaves at ``start + i / rate``, from a pool of keep-alive connections."""

    def __init__(self, mode, cookies, token, rate):
        self.mode, self.cookies, self.token, self.rate = mode, cookies, token, rate
        self.jobs, self.results, self.lock = queue.Queue(), {}, threading.Lock()

    def request(self, conn, thread_id):
        if self.mode == "api":
            return conn.request("POST", f"/api/v1/threads/{thread_id}/ai-answers/", body="{}", headers={
                "Host": common.HOST, "Authorization": f"Token {self.token}", "Content-Type": "application/json"})
        body = urlencode({"csrfmiddlewaretoken": self.cookies["csrftoken"]})
        cookie = f"sessionid={self.cookies['sessionid']}; csrftoken={self.cookies['csrftoken']}"
        return conn.request("POST", f"/ai/threads/{thread_id}/ask/", body=body, headers={
            "Host": common.HOST, "Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded"})

    def sender(self):
        import http.client

        conn = http.client.HTTPConnection(common.HOST, common.PORT, timeout=30)
        while True:
            job = self.jobs.get()
            if job is None:
                return
            due, thread_id = job
            time.sleep(max(0.0, due - time.time()))
            sent = time.time()
            try:
                self.request(conn, thread_id)
                response = conn.getresponse()
                response.read()
                status = response.status
            except OSError:
                conn.close()
                conn = http.client.HTTPConnection(common.HOST, common.PORT, timeout=30)
                status = 0
            with self.lock:
                self.results[thread_id] = {"due": due, "sent": sent, "done": time.time(), "status": status}

    def run(self, threads, senders=16):
        pool = [threading.Thread(target=self.sender, daemon=True) for _ in range(senders)]
        for t in pool:
            t.start()
        start = time.time() + 0.5
        for i, thread_id in enumerate(threads):
            self.jobs.put((start + i / self.rate, thread_id))
        for _ in pool:
            self.jobs.put(None)
        for t in pool:
            t.join()
        return self.results


def worker_lines():
    starts, ends = {}, {}
    for file in common.TIMINGS.glob("worker-*.tsv"):
        for line in file.read_text().splitlines():
            kind, task, answer_id, value, now, *cpu = line.split("\t")
            if task != "aiassist.generate_answer" or not answer_id:
                continue
            if kind == "start":
                starts.setdefault(int(answer_id), (float(value) if value else None, float(now)))
            else:
                ends[int(answer_id)] = (value, float(now), float(cpu[0]))
    return starts, ends


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=20.0, help="asks per second")
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--drain", type=float, default=20.0, help="seconds to wait for the last drafts")
    parser.add_argument("--concurrency", type=int, default=2, help="Celery worker processes")
    args = parser.parse_args()
    common.django_setup()
    from django.contrib.auth import get_user_model

    from aiassist.models import AIAnswer

    count = int(args.rate * args.seconds)
    threads, mode = ask_targets(count)
    # A running forum's index is current: every thread's question has its vector (the worker reads it rather
    # than embed the question again). seed_scale leaves the questions' vectors to the re-embedding sweep, so
    # the asked threads get theirs here, before the clock starts, as the sweep would have given them.
    from aiassist.retrieval import index
    prepared = time.time()
    embedded = index.threads_index(threads)
    common.log(f"pipeline: indexed the {len(threads)} asked threads' questions first ({embedded} posts, "
               f"{time.time() - prepared:.1f} s)")
    from django.db import connection
    if connection.vendor == "postgresql":
        # Statistics and visibility maps as autovacuum would keep them (earlier runs' drafts, deleted or not,
        # leave dead rows; a server with autovacuum off never cleans them): p95 5.7 -> 3.7 s on the same code.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    common.flush_redis(common.BROKER_URL)
    with common.Gunicorn(workers=2) as server, Worker(args.concurrency) as worker:
        cookies = common.login()
        token = common.api_token() if mode == "api" else None
        common.reset_timings()
        common.log(f"pipeline: {count} asks at {args.rate}/s for {args.seconds}s via the {mode} endpoint, "
                   f"celery prefork x{args.concurrency}, broker {common.BROKER_URL}")
        began = time.time()
        sent = Asker(mode, cookies, token, args.rate).run(threads)
        load_end = time.time()
        user = get_user_model().objects.get(username=common.USERNAME)
        answers = AIAnswer.objects.filter(asker=user, thread_id__in=threads)
        pending = (AIAnswer.Status.QUEUED, AIAnswer.Status.GENERATING)
        deadline = time.time() + args.drain
        while answers.filter(status__in=pending).exists() and time.time() < deadline:
            time.sleep(0.25)
        drained = time.time()
        rss = {"celery_mb": [common.rss_mb(pid) for pid in worker.pids()],
               "gunicorn_workers_mb": [common.rss_mb(pid) for pid in server.worker_pids()]}
    starts, ends = worker_lines()
    by_answer = dict(answers.values_list("pk", "thread_id"))
    statuses = dict(answers.values_list("pk", "status"))
    ask_ms = [1000 * (r["done"] - r["sent"]) for r in sent.values() if r["status"] in (200, 202, 302)]
    lag_ms = [1000 * (r["sent"] - r["due"]) for r in sent.values()]
    pattern = re.compile(r"^/(ai/threads|api/v1/threads)/\d+/(ask|ai-answers)/$")
    asks_on_server = [(ms, cpu) for path, _status, ms, cpu, _q in common.server_lines() if pattern.match(path)]
    enqueue_ms = [1000 * (start - published) for published, start in starts.values() if published]
    draft_ms = []
    for answer_id, (state, finished, _cpu) in ends.items():
        thread_id = by_answer.get(answer_id)
        if thread_id in sent and statuses.get(answer_id) == AIAnswer.Status.DRAFT and state == "SUCCESS":
            draft_ms.append(1000 * (finished - sent[thread_id]["sent"]))
    summary = {
        "mode": mode, "rate": args.rate, "seconds": args.seconds, "asks": count,
        "achieved_rate": round(len(sent) / (load_end - began), 2),
        "responses": {str(code): sum(1 for r in sent.values() if r["status"] == code)
                      for code in sorted({r["status"] for r in sent.values()})},
        "send_lag_ms": common.percentiles(lag_ms),
        "ask_ms": common.percentiles(ask_ms),
        "ask_server_ms": common.percentiles([ms for ms, _cpu in asks_on_server]),
        "ask_server_cpu_ms": common.percentiles([cpu for _ms, cpu in asks_on_server]),
        "enqueue_to_start_ms": common.percentiles(enqueue_ms),
        "ask_to_draft_ms": common.percentiles(draft_ms),
        "worker_cpu_per_draft_ms": common.percentiles([1000 * cpu for _s, _f, cpu in ends.values()]),
        "drafts": sum(1 for s in statuses.values() if s == AIAnswer.Status.DRAFT),
        "failed": sum(1 for s in statuses.values() if s == AIAnswer.Status.FAILED),
        "still_pending": sum(1 for s in statuses.values() if s in pending),
        "drain_seconds": round(drained - load_end, 1),
        "rss": rss,
    }
    for key in ("ask_ms", "ask_server_ms", "ask_server_cpu_ms", "enqueue_to_start_ms", "ask_to_draft_ms",
                "worker_cpu_per_draft_ms", "send_lag_ms"):
        p = summary[key]
        common.log(f"  {key:<22} p50 {p['p50']}  p95 {p['p95']}  p99 {p['p99']}  mean {p['mean']}")
    common.log(f"  responses {summary['responses']}, achieved {summary['achieved_rate']} asks/s; drafts "
               f"{summary['drafts']}, failed {summary['failed']}, still pending {summary['still_pending']} "
               f"after {summary['drain_seconds']} s of drain")
    common.log(f"  RSS: celery (main + children) {rss['celery_mb']} MB; "
               f"gunicorn workers {rss['gunicorn_workers_mb']} MB")
    path = common.save("pipeline", {"machine": common.machine(), "results": summary})
    common.log(f"saved {path}")


if __name__ == "__main__":
    main()
