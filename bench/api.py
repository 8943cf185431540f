"""The JSON API under load, with token auth: thread list, one thread, its posts, search, categories,
and the AI answer detail when that endpoint exists; the bare view on the same server as the baseline.

    .venv/bin/python bench/api.py [--seconds 6] [--connections 4]

Same server and figures as bench/pages.py (requests/s, client p50/p95/p99, ratio to the bare view,
server time and queries per request). Results: bench/results/api-latest.json.
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

SEARCH = "celery retry backoff"


def exists(path: str) -> bool:
    """Whether ``path`` reaches a real endpoint (the API answers unknown paths with its own 404 view)."""
    from django.conf import settings
    from django.urls import Resolver404, resolve

    settings.ROOT_URLCONF = "bench.urls"
    try:
        match = resolve(path)
    except Resolver404:
        return False
    return match.url_name != "not_found"


def targets() -> dict:
    common.django_setup()
    from aiassist.models import AIAnswer

    answer = (AIAnswer.objects.filter(asker__username=common.USERNAME, status=AIAnswer.Status.DRAFT)
              .select_related("thread__category").order_by("id").first())
    if answer is None:
        raise SystemExit("No draft AI answer for the benchmark user: run manage.py seed_scale first.")
    thread = answer.thread
    found = {
        "bare": "/__bench__/bare/",
        "threads": "/api/v1/threads/",
        "threads_in_category": f"/api/v1/threads/?category={thread.category.slug}",
        "thread": f"/api/v1/threads/{thread.pk}/",
        "thread_posts": f"/api/v1/threads/{thread.pk}/posts/",
        "search": f"/api/v1/search/?q={SEARCH.replace(' ', '+')}",
        "categories": "/api/v1/categories/",
        "ai_answer": f"/api/v1/ai-answers/{answer.pk}/",
    }
    missing = [name for name, path in found.items() if name != "bare" and not exists(path.split("?")[0])]
    for name in missing:
        common.log(f"  (skipped {name}: {found.pop(name)} is not an endpoint in this version)")
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=6)
    parser.add_argument("--connections", type=int, default=4)
    args = parser.parse_args()
    endpoints = targets()
    with common.Gunicorn(workers=2) as server:
        token = common.api_token()
        headers = {"Authorization": f"Token {token}", "Accept": "application/json"}
        for name, path in endpoints.items():
            status = common.request("GET", path, headers=headers)[0]
            if status != 200:
                raise SystemExit(f"{name} {path} answered {status}")
        common.log(f"api: wrk -t1 -c{args.connections} -d{args.seconds}s, gunicorn 2 workers, token auth")
        results = common.measure(endpoints, headers, seconds=args.seconds, connections=args.connections,
                                 baseline="bare")
        rss = {pid: common.rss_mb(pid) for pid in server.worker_pids()}
    common.log("\n" + common.table(results))
    common.log(f"\ngunicorn worker RSS after the load: {', '.join(f'{v} MB' for v in rss.values())}")
    path = common.save("api", {"machine": common.machine(), "seconds": args.seconds,
                               "connections": args.connections, "results": results,
                               "gunicorn_worker_rss_mb": list(rss.values())})
    common.log(f"saved {path}")


if __name__ == "__main__":
    main()
