"""Shared plumbing of the benchmarks: the bench environment, gunicorn and wrk, logins, timings, RSS.

Everything runs on loopback against a dedicated database (``BENCH_DATABASE_URL``, default
``vetted_bench``) and a dedicated Redis database (``BENCH_BROKER_URL``, default db 11). The server
runs the production settings with DEBUG=False and a throwaway SECRET_KEY, through ``bench.wsgi``:
the production application plus the benchmark-only URLs and a per-request timer.
"""
import http.client
import json
import os
import platform
import re
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
BIN = ROOT / ".venv" / "bin"
RESULTS = ROOT / "bench" / "results"
WORK = Path(os.environ.get("BENCH_WORK_DIR", "/tmp/vetted-bench"))
TIMINGS = WORK / "timings"
HOST = "127.0.0.1"
PORT = int(os.environ.get("BENCH_PORT", "8811"))
DATABASE_URL = os.environ.get("BENCH_DATABASE_URL", "postgres://postgres@127.0.0.1:5432/vetted_bench")
BROKER_URL = os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/11")
# The cache is Redis, as in production with several web processes (rendered posts, throttles).
CACHE_URL = os.environ.get("BENCH_CACHE_URL", "rediscache://127.0.0.1:6379/12")
USERNAME = os.environ.get("BENCH_USERNAME", "bench")
PASSWORD = os.environ.get("BENCH_PASSWORD", "bench-password")
WRK_LUA = Path(__file__).resolve().parent / "wrk_report.lua"


def server_env(**extra) -> dict:
    """The environment of the web server, the worker and this process's Django (the same settings)."""
    env = dict(os.environ)
    env.update({
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "DATABASE_URL": DATABASE_URL,
        "CELERY_BROKER_URL": BROKER_URL,
        "CACHE_URL": CACHE_URL,
        "DEBUG": "False",
        "SECRET_KEY": _throwaway_key(),
        "ALLOWED_HOSTS": HOST,
        "SECURE_SSL_REDIRECT": "False",  # plain HTTP on loopback; production terminates TLS in front
        "VETTED_VAR_DIR": str(WORK / "var"),
        "ROOT_URLCONF": "bench.urls",
        "BENCH_TIMINGS_DIR": str(TIMINGS),
        "API_THROTTLE_USER": "",  # one user drives all the load: the per-user throttle would answer 429
        "ASSISTANT_QUOTA_PER_HOUR": "1000000",
        "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        "PYTHONPATH": str(ROOT),
    })
    env.update(extra)
    return env


_KEY = None


def _throwaway_key() -> str:
    global _KEY
    _KEY = _KEY or secrets.token_urlsafe(48)
    return _KEY


def django_setup():
    """Django in this process, on the bench database (for looking up ids, never for load)."""
    os.environ.update({k: v for k, v in server_env().items() if k not in ("PYTHONPATH",)})
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def machine() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    return {"date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"), "nproc": os.cpu_count(), "cpu": cpu,
            "ram_gb": round(mem_kb / 1024 / 1024, 1), "python": platform.python_version(),
            "load_average": os.getloadavg()}


def log(message: str) -> None:
    print(message, flush=True)


# Processes ------------------------------------------------------------------------------------------


def flush_redis(url: str) -> None:
    """Empty the one Redis database ``url`` names (never the whole server)."""
    import redis

    redis.Redis.from_url(url.replace("rediscache://", "redis://")).flushdb()


class Gunicorn:
    """``gunicorn bench.wsgi`` on loopback, started and stopped by this process only."""

    def __init__(self, workers: int = 2, **env):
        self.workers = workers
        self.env = server_env(**env)
        self.proc = None

    def __enter__(self):
        WORK.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(TIMINGS, ignore_errors=True)
        TIMINGS.mkdir(parents=True)
        prepare(self.env)
        flush_redis(CACHE_URL)  # every run starts cold; wrk's warm-up second fills the cache
        self.log = open(WORK / "gunicorn.log", "ab")  # noqa: SIM115 - closed in __exit__
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "bench.wsgi", "--workers", str(self.workers), "--bind", f"{HOST}:{PORT}",
             "--worker-class", "sync", "--backlog", "512", "--timeout", "60"],
            cwd=ROOT, env=self.env, stdout=self.log, stderr=self.log, start_new_session=True)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if request("GET", "/accounts/login/")[0] == 200:
                    return self
            except OSError:
                pass
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn exited; see {WORK / 'gunicorn.log'}")
            time.sleep(0.2)
        raise RuntimeError("gunicorn did not answer within 30 s")

    def worker_pids(self) -> list[int]:
        return children(self.proc.pid)

    def __exit__(self, *exc):
        stop(self.proc)
        self.log.close()


def prepare(env):
    """Bring the bench database's schema up to date (a no-op when it is), and build the static
    manifest DEBUG=False serves hashed names from."""
    for command in (["migrate", "--noinput", "-v0"], ["collectstatic", "--noinput", "-v0"]):
        subprocess.run([str(BIN / "python"), "manage.py", *command], cwd=ROOT, env=env, check=True,
                       stdout=subprocess.DEVNULL)


def stop(proc) -> None:
    """Stop one process we started (and its process group: gunicorn's or celery's own workers)."""
    if proc is None or proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def children(pid: int) -> list[int]:
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def rss_mb(pid: int) -> float:
    match = re.search(r"VmRSS:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
    return round(int(match.group(1)) / 1024, 1)


# HTTP ------------------------------------------------------------------------------------------------


def request(method, path, *, body=None, headers=None, cookies=None, timeout=30):
    """One request on a fresh loopback connection: (status, headers dict (lower-case), body bytes)."""
    conn = http.client.HTTPConnection(HOST, PORT, timeout=timeout)
    hdrs = {"Host": HOST, **(headers or {})}
    if cookies:
        hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    conn.request(method, path, body=body, headers=hdrs)
    response = conn.getresponse()
    data = response.read()
    result = (response.status, {k.lower(): v for k, v in response.getheaders()}, data,
              response.headers.get_all("Set-Cookie") or [])
    conn.close()
    return result


def _cookies(set_cookie_headers) -> dict:
    jar = {}
    for header in set_cookie_headers:
        parsed = SimpleCookie()
        parsed.load(header)
        jar.update({key: morsel.value for key, morsel in parsed.items()})
    return jar


def login(username=USERNAME, password=PASSWORD) -> dict:
    """Sign in through the login page like a browser; returns the cookies (sessionid, csrftoken)."""
    status, _, body, set_cookie = request("GET", "/accounts/login/")
    cookies = _cookies(set_cookie)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', body).group(1).decode()
    form = urlencode({"username": username, "password": password, "csrfmiddlewaretoken": token})
    status, headers, body, set_cookie = request(
        "POST", "/accounts/login/", body=form, cookies=cookies,
        headers={"Content-Type": "application/x-www-form-urlencoded"})
    cookies.update(_cookies(set_cookie))
    if status != 302 or "sessionid" not in cookies:
        raise RuntimeError(f"login as {username} failed: {status} {body[:300]!r}")
    return cookies


def api_token(username=USERNAME, password=PASSWORD) -> str:
    status, _, body, _ = request("POST", "/api/v1/auth/token/", body=json.dumps(
        {"username": username, "password": password}), headers={"Content-Type": "application/json"})
    if status != 200:
        raise RuntimeError(f"token for {username} failed: {status} {body[:300]!r}")
    return json.loads(body)["token"]


# wrk and the server's own timings ----------------------------------------------------------------------


def wrk(path: str, *, headers: dict, seconds: int, connections: int = 4) -> dict:
    """Closed-loop load with wrk: requests/s and client-side latency percentiles (ms)."""
    args = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s", "-s", str(WRK_LUA)]
    for name, value in headers.items():
        args += ["-H", f"{name}: {value}"]
    out = subprocess.run([*args, f"http://{HOST}:{PORT}{path}"], capture_output=True, text=True, check=True).stdout
    report = json.loads(out[out.index("{"):out.rindex("}") + 1])
    if report["non_2xx"] or report["errors"]:
        raise RuntimeError(f"{path}: {report['non_2xx']} non-2xx responses, {report['errors']} socket errors")
    return report


def reset_timings() -> None:
    for path in TIMINGS.glob("*.tsv"):
        os.truncate(path, 0)


def server_lines():
    """(path, status, ms, cpu ms, queries) of every request bench.wsgi recorded since the reset."""
    for file in TIMINGS.glob("[0-9]*.tsv"):
        for line in file.read_text().splitlines():
            path, status, ms, cpu, count = line.split("\t")
            yield path, status, float(ms), float(cpu), int(count)


def server_timings(path: str) -> dict:
    """Per-request server time and CPU time (ms), and queries, recorded by bench.wsgi for ``path``."""
    times, cpus, queries = [], [], []
    for got_path, _status, ms, cpu, count in server_lines():
        if got_path == path:
            times.append(ms)
            cpus.append(cpu)
            queries.append(count)
    return {"n": len(times), **percentiles(times), "cpu_p50": percentiles(cpus)["p50"],
            "cpu_mean": percentiles(cpus)["mean"],
            "queries": round(statistics.mean(queries), 2) if queries else None}


def percentiles(values) -> dict:
    if not values:
        return {"p50": None, "p95": None, "p99": None, "mean": None}
    ordered = sorted(values)

    def at(q):
        return round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)

    return {"p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "mean": round(statistics.mean(ordered), 2)}


def measure(targets: dict, headers: dict, *, seconds: int, connections: int, baseline: str) -> dict:
    """wrk each target after a one-second warm-up; server-side time alongside; ratios to ``baseline``."""
    results = {}
    for name, path in targets.items():
        wrk(path, headers=headers, seconds=1, connections=connections)
        reset_timings()
        load = wrk(path, headers=headers, seconds=seconds, connections=connections)
        results[name] = {"path": path, "rps": load["rps"], "latency_ms": load["latency_ms"],
                         "requests": load["requests"], "server_ms": server_timings(path.split("?")[0])}
        log(f"  {name:<14} {load['rps']:8.1f} req/s  p50 {load['latency_ms']['p50']:7.2f}  "
            f"p95 {load['latency_ms']['p95']:7.2f}  p99 {load['latency_ms']['p99']:7.2f} ms  | server p50 "
            f"{results[name]['server_ms']['p50']} p95 {results[name]['server_ms']['p95']} ms, cpu p50 "
            f"{results[name]['server_ms']['cpu_p50']} ms, {results[name]['server_ms']['queries']} queries")
    base = results[baseline]["rps"]
    for result in results.values():
        result["ratio_to_bare"] = round(result["rps"] / base, 3)
    return results


def save(name: str, data: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}-{datetime.now(UTC).strftime('%Y%m%dT%H%M%S')}.json"
    path.write_text(json.dumps(data, indent=2, default=str))
    (RESULTS / f"{name}-latest.json").write_text(json.dumps(data, indent=2, default=str))
    return path


def table(results: dict) -> str:
    lines = ["| target | req/s | ratio to bare | p50 ms | p95 ms | p99 ms | server p50 | server p95 | server p99 "
             "| server CPU p50 | queries |", "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, r in results.items():
        s = r["server_ms"]
        lines.append(f"| {name} | {r['rps']:.0f} | {r['ratio_to_bare']:.2f} | {r['latency_ms']['p50']:.1f} "
                     f"| {r['latency_ms']['p95']:.1f} | {r['latency_ms']['p99']:.1f} | {s['p50']} | {s['p95']} "
                     f"| {s['p99']} | {s['cpu_p50']} | {s['queries']} |")
    return "\n".join(lines)
