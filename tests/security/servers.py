"""Real processes for the security tests: Vetted under gunicorn on a free loopback port,
``manage.py`` commands, and a plain HTTP client that follows no redirect and keeps every header."""
import http.client
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from pathlib import Path

from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parents[2]
PYTHON = sys.executable
GUNICORN = str(Path(PYTHON).with_name("gunicorn"))
UNREACHABLE_POSTGRES = "postgres://postgres@127.0.0.1:1/nope"  # nothing listens on port 1
PRODUCTION_HOST = "vetted.example.com"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(**settings: str) -> dict:
    """Only what a process needs to run, plus ``settings``: nothing leaks in from the test run."""
    env = {key: os.environ[key] for key in ("PATH", "HOME", "LANG", "TMPDIR") if key in os.environ}
    env.update(PYTHONDONTWRITEBYTECODE="1", LOG_FORMAT="json", **settings)
    return env


def production_env(var_dir: Path, **overrides: str) -> dict:
    """The production settings of README.md, with a real 50-character secret."""
    settings = {
        "DEBUG": "False", "SECRET_KEY": get_random_secret_key(), "ALLOWED_HOSTS": PRODUCTION_HOST,
        "DATABASE_URL": os.environ.get("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vetted"),
        "CELERY_BROKER_URL": os.environ.get("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0"),
        "VETTED_VAR_DIR": str(var_dir),
    }
    return clean_env(**{**settings, **overrides})


def manage(*args: str, env: dict, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([PYTHON, "manage.py", *args], cwd=BASE_DIR, env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log_path: Path

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1])

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")


@contextmanager
def serve(argv: list[str], env: dict, port: int, log_path: Path, timeout: float = 30) -> Iterator[Server]:
    """Start ``argv`` (which must listen on ``port``), wait until it accepts connections, stop it after."""
    with open(log_path, "wb") as log:
        process = subprocess.Popen(argv, cwd=BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = Server(url=f"http://127.0.0.1:{port}", process=process, log_path=log_path)
    try:
        deadline = time.monotonic() + timeout
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"{argv[0]} exited with {process.returncode}:\n{server.log()}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{argv[0]} did not listen on {port} in {timeout}s:\n{server.log()}") from None
                time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def gunicorn(env: dict, log_path: Path) -> AbstractContextManager[Server]:
    """Vetted as deployed (the Procfile's web process). Also for DEBUG=True: runserver will not start at all
    without its database (it checks the migrations first)."""
    port = free_port()
    argv = [GUNICORN, "config.wsgi", "--workers", "1", "--bind", f"127.0.0.1:{port}", "--timeout", "30"]
    return serve(argv, env, port, log_path)


@dataclass
class Reply:
    status: int
    headers: http.client.HTTPMessage
    body: str

    def header(self, name: str) -> str:
        return self.headers.get(name, "")

    @property
    def cookies(self) -> list[str]:
        return self.headers.get_all("Set-Cookie") or []


def fetch(server: Server, path: str, *, method: str = "GET", headers: dict | None = None,
          body: str | None = None, host: str | None = None) -> Reply:
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=20)
    try:
        sent = {"Host": host or f"127.0.0.1:{server.port}", **(headers or {})}
        connection.request(method, path, body=body.encode() if body is not None else None, headers=sent)
        response = connection.getresponse()
        return Reply(response.status, response.headers, response.read().decode("utf-8", errors="replace"))
    finally:
        connection.close()
