"""Web pages under load: home, a category, the benchmark thread (50 posts, private AI panel), search,
and the bare baseline view, on one gunicorn (2 sync workers, DEBUG=False) driven by wrk.

    .venv/bin/python bench/pages.py [--seconds 8] [--connections 4]

Prints requests/s and client latency p50/p95/p99 per page, the ratio to the bare view's requests/s,
the server's own time per request (bench.wsgi's timer) and queries per request; then the resident
size of each gunicorn worker. Results: bench/results/pages-latest.json. Needs ``seed_scale`` first.
"""
import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

SEARCH = "celery retry backoff"


def targets() -> dict:
    common.django_setup()
    from aiassist.models import AIAnswer

    answer = (AIAnswer.objects.filter(asker__username=common.USERNAME, status=AIAnswer.Status.DRAFT)
              .select_related("thread__category").order_by("id").first())
    if answer is None:
        raise SystemExit("No draft AI answer for the benchmark user: run manage.py seed_scale first.")
    thread = answer.thread
    return {
        "bare": "/__bench__/bare/",
        "home": "/",
        "category": f"/c/{thread.category.slug}/",
        "thread": f"/t/{thread.pk}/",
        "search": f"/search/?q={SEARCH.replace(' ', '+')}",
    }


def check(pages: dict, cookies: dict) -> None:
    """Each page answers 200 with what it is meant to show, before any load."""
    for name, path in pages.items():
        status, _, body, _ = common.request("GET", path, cookies=cookies)
        if status != 200:
            raise SystemExit(f"{name} {path} answered {status}")
    if "thread" not in pages:
        return
    body = common.request("GET", pages["thread"], cookies=cookies)[2].decode()
    assert "Your private AI draft" in body and "50 posts" in body, "benchmark thread without its AI panel"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--only", nargs="+", metavar="PAGE", help="measure these pages (and the bare view) only")
    args = parser.parse_args()
    pages = targets()
    if args.only:
        pages = {name: url for name, url in pages.items() if name == "bare" or name in args.only}
    with common.Gunicorn(workers=2) as server:
        cookies = common.login()
        check(pages, cookies)
        headers = {"Cookie": f"sessionid={cookies['sessionid']}"}
        common.log(f"pages: wrk -t1 -c{args.connections} -d{args.seconds}s, gunicorn 2 workers")
        results = common.measure(pages, headers, seconds=args.seconds, connections=args.connections,
                                 baseline="bare")
        rss = {pid: common.rss_mb(pid) for pid in server.worker_pids()}
    common.log("\n" + common.table(results))
    common.log(f"\ngunicorn worker RSS after the load: {', '.join(f'{v} MB' for v in rss.values())}")
    path = common.save("pages", {"machine": common.machine(), "seconds": args.seconds,
                                 "connections": args.connections, "results": results,
                                 "gunicorn_worker_rss_mb": list(rss.values())})
    common.log(f"saved {path}")


if __name__ == "__main__":
    main()
