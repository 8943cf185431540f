"""Real processes for the fault tests: a private redis-server and Celery worker subprocesses.

Each test gets its own redis-server on a free loopback port (never the shared one on 6379) and
starts workers as subprocesses, each in its own process group so ``kill -9`` takes the main
process and its pool children together. The test process's Celery app is pointed at that Redis
for the test, so ``services.answer_request`` and ``services.answers_sweep`` enqueue there. Every
process started here is killed in teardown, also when the test fails; the tails of their logs are
printed then.
"""
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings
from django.db import connection

from aiassist import services
from aiassist.models import AIAnswer
from config.celery import app

from ..factories import UserFactory, make_thread

BASE_DIR = Path(settings.BASE_DIR)
CELERY = str(Path(sys.executable).with_name("celery"))  # the virtualenv's, next to this interpreter
S = AIAnswer.Status
PENDING = (S.QUEUED, S.GENERATING)

# What every worker subprocess runs with; a test overrides single values per worker.
WORKER_ENV = {
    "ASSISTANT_ENGINE": "tests.engines.SlowEngine",
    "VETTED_SLOW_ENGINE_SECONDS": "2",
    "ASSISTANT_LEASE_SECONDS": "5",
    "ASSISTANT_QUEUED_GRACE_SECONDS": "3",
    "ASSISTANT_MAX_RETRIES": "2",
    "ASSISTANT_RETRY_BACKOFF_MAX": "1",
    # The lease (5 s) outlasts the hard limit, so a live worker's claim never looks abandoned.
    "CELERY_TASK_SOFT_TIME_LIMIT": "3",
    "CELERY_TASK_TIME_LIMIT": "4",
    "LOG_FORMAT": "plain",
    "LOG_LEVEL": "INFO",
    "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
    # Rank as the test process indexes (tests/conftest.py): lexically. A worker ranking by embeddings
    # would find no vectors on passages indexed without a model, and abstain.
    "ASSISTANT_EMBEDDER": "none",
    "RETRIEVAL_INDEX_SYNC": "True",
}


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(autouse=True)
def _short_recovery(settings):
    """The sweeper runs in this process: the same short lease, grace period and retry budget as the workers."""
    settings.ASSISTANT_LEASE_SECONDS = int(WORKER_ENV["ASSISTANT_LEASE_SECONDS"])
    settings.ASSISTANT_QUEUED_GRACE_SECONDS = int(WORKER_ENV["ASSISTANT_QUEUED_GRACE_SECONDS"])
    settings.ASSISTANT_MAX_RETRIES = int(WORKER_ENV["ASSISTANT_MAX_RETRIES"])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _kill_group(proc: subprocess.Popen) -> None:
    """SIGKILL the whole process group (main process and pool children) and reap the leader."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait(timeout=10)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except FileNotFoundError:
        return "(no log)"


@pytest.fixture
def fault_logs(request, tmp_path):
    """A directory for subprocess logs; their tails are printed when the test fails."""
    logs = tmp_path / "logs"
    logs.mkdir()
    yield logs
    failed = any(getattr(request.node, f"report_{when}", None) is not None
                 and getattr(request.node, f"report_{when}").failed for when in ("setup", "call"))
    if failed:
        for path in sorted(logs.glob("*.log")):
            print(f"\n===== tail of {path.name} =====\n{_tail(path)}")


class RedisServer:
    """A private redis-server without persistence: a restart loses every queued message."""

    def __init__(self, log_dir: Path):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log_dir = log_dir
        self.proc: subprocess.Popen | None = None
        self.starts = 0

    def start(self, timeout: float = 10.0) -> None:
        assert self.proc is None, "redis-server is already running"
        self.starts += 1
        with open(self.log_dir / f"redis-{self.starts}.log", "wb") as log:
            self.proc = subprocess.Popen(
                ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                 "--daemonize", "no", "--dir", str(self.log_dir)],
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        client = redis.Redis(port=self.port, socket_connect_timeout=0.5)
        deadline = time.monotonic() + timeout
        while True:
            try:
                if client.ping():
                    return
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise AssertionError(f"redis-server on port {self.port} did not start") from None
                time.sleep(0.05)
            finally:
                client.close()

    def kill(self) -> None:
        if self.proc is not None:
            _kill_group(self.proc)
            self.proc = None


@pytest.fixture
def redis_server(fault_logs):
    """A private Redis, not started yet (``start()``), always killed afterwards."""
    server = RedisServer(fault_logs)
    try:
        yield server
    finally:
        server.kill()


def _reset_producer_pools() -> None:
    """Forget the pooled connections: the app's pools are bound to the broker URL they were made for."""
    app._pool = None
    app.amqp._producer_pool = None


@pytest.fixture
def app_on_private_redis(redis_server, monkeypatch):
    """Points this process's Celery app at the private Redis (as tests/forum/test_health.py does).

    config/celery.py read the broker URL at import, and Celery prefers a CELERY_BROKER_URL
    environment variable over its configuration, so both are switched, and both restored.
    """
    original = app.conf.broker_url
    monkeypatch.setenv("CELERY_BROKER_URL", redis_server.url)
    app.conf.broker_url = redis_server.url
    _reset_producer_pools()
    assert app.conf.broker_write_url == redis_server.url
    try:
        yield redis_server
    finally:
        app.conf.broker_url = original
        _reset_producer_pools()


@pytest.fixture
def broker(app_on_private_redis):
    """The private Redis, running, with this process's Celery app pointed at it."""
    app_on_private_redis.start()
    return app_on_private_redis


def worker_database_url() -> str:
    """The URL of the database this test process uses, for the worker subprocesses."""
    db = connection.settings_dict
    if db["ENGINE"] == "django.db.backends.sqlite3":
        return f"sqlite:///{db['NAME']}"
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """`celery worker` as the Procfile runs it, in its own process group, logging to a file."""

    def __init__(self, name: str, env: dict, log_path: Path):
        self.name, self.log_path = name, log_path
        with open(log_path, "wb") as log:
            self.proc = subprocess.Popen(
                [CELERY, "-A", "config", "worker", "-Q", "ai,default", "--concurrency", "2", "--loglevel", "INFO",
                 "--without-gossip", "--without-mingle", "--without-heartbeat", "-n", f"{name}@%h"],
                cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 30.0) -> "Worker":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if " ready." in self.log():
                return self
            assert self.alive, f"worker {self.name} exited:\n{_tail(self.log_path)}"
            time.sleep(0.1)
        raise AssertionError(f"worker {self.name} not ready after {timeout}s:\n{_tail(self.log_path)}")

    def kill(self) -> None:
        """kill -9 the worker's process group: the main process and every pool child, no goodbyes."""
        _kill_group(self.proc)


class Workers:
    def __init__(self, broker_url: str, log_dir: Path):
        self.broker_url, self.log_dir = broker_url, log_dir
        self.started: list[Worker] = []

    def start(self, *, ready: bool = True, **overrides) -> Worker:
        env = {**os.environ, **WORKER_ENV, **{k: str(v) for k, v in overrides.items()},
               "CELERY_BROKER_URL": self.broker_url, "DATABASE_URL": worker_database_url(),
               "DJANGO_SETTINGS_MODULE": "config.settings"}
        name = f"fault{len(self.started) + 1}"
        worker = Worker(name, env, self.log_dir / f"worker-{name}.log")
        self.started.append(worker)
        return worker.wait_ready() if ready else worker

    def kill_all(self) -> None:
        for worker in self.started:  # also those whose main process is gone: pool children may remain
            worker.kill()


@pytest.fixture
def workers(transactional_db, app_on_private_redis, fault_logs):
    """Starts Celery worker subprocesses on the private Redis; all are killed before the database is flushed."""
    pool = Workers(app_on_private_redis.url, fault_logs)
    try:
        yield pool
    finally:
        pool.kill_all()


# Waiting ----------------------------------------------------------------------------------------


def wait_until(predicate, *, timeout: float, interval: float = 0.1, message="condition"):
    """Poll ``predicate`` until it is truthy; ``message`` (or a callable making it) explains a timeout."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            what = message() if callable(message) else message
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def sweep_until_settled(answer_ids=None, *, timeout: float, interval: float = 0.5) -> float:
    """Run the sweeper (in this process, against the private broker) until nothing is pending.

    Returns the seconds it took.
    """
    started = time.monotonic()
    pending = AIAnswer.objects.filter(status__in=PENDING)
    if answer_ids is not None:
        pending = pending.filter(pk__in=answer_ids)

    def settled():
        if not pending.exists():
            return True
        services.answers_sweep()
        return False

    wait_until(settled, timeout=timeout, interval=interval,
               message=lambda: f"pending answers to settle: {list(pending.values_list('pk', 'status', 'attempts'))}")
    return time.monotonic() - started


def task_finished(worker_logs: list[Worker], task_id: str) -> bool:
    return any(f"[{task_id}] succeeded" in w.log() or f"[{task_id}] raised" in w.log() for w in worker_logs)


# Forum data -------------------------------------------------------------------------------------


@pytest.fixture
def asker(transactional_db):
    return UserFactory(username="alice")


@pytest.fixture
def question(asker, engineering):
    """A question whose answer the forum already holds (so drafts cite sources)."""
    helper = UserFactory(username="bob")
    make_thread(helper, engineering, title="Celery retry backoff settings", body="How do retries back off?",
                replies=[(UserFactory(username="carol"),  # bob's own follow-ups would not be quoted
                          "Set autoretry_for and retry_backoff=True; the countdown doubles.")])
    return make_thread(asker, engineering, title="How should celery retries back off?",
                       body="My tasks fail on network errors. How do retries back off?")
