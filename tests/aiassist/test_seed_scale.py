"""``manage.py seed_scale`` (the benchmarks' world), at a small scale: it loads with COPY and set-based
SQL around the services, so it must keep working as the schema grows (a new NOT NULL column, a
trigger) and leave data the app serves."""
import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.test import Client

from forum.audit import audit_verify
from forum.models import Post, Thread

pytestmark = [
    pytest.mark.django_db(transaction=True),  # VACUUM runs outside a transaction
    pytest.mark.skipif(connection.vendor != "postgresql", reason="seed_scale loads with PostgreSQL's COPY"),
]


def test_a_small_world_loads_verifies_and_serves_its_benchmark_thread():
    out = io.StringIO()
    call_command("seed_scale", users=30, categories=6, threads=8, posts=90, grants=40, bodies=12, seed=3,
                 password="bench-password", force=True, reset=True, stdout=out)
    log = out.getvalue()
    # The world, plus the answered thread on the benchmark question posted through the services.
    assert "verified: 92 posts" in log and "has 1 sources" in log, log
    assert Thread.objects.count() == 9 and Post.objects.count() == 92
    assert audit_verify().ok
    # Every visible post has passages, made as the index makes them (the command re-checks their vectors).
    from aiassist.retrieval.index import posts_index
    from aiassist.retrieval.models import Passage
    assert set(Passage.objects.values_list("post_id", flat=True)) == set(
        Post.objects.filter(hidden=False).values_list("pk", flat=True))
    assert posts_index(list(Post.objects.values_list("pk", flat=True))) == 0  # nothing differs from the index's own
    # The database's triggers saw the COPY: every thread has moved past its first revision.
    assert not Thread.objects.filter(revision=0).exists()

    bench_thread = Thread.objects.get(pk=int(log.rsplit("benchmark thread ", 1)[1]))
    client = Client()
    assert client.login(username="bench", password="bench-password")
    page = client.get(f"/t/{bench_thread.pk}/").content.decode()
    assert "Your private AI draft" in page and "50 posts" in page
