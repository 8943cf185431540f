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
    assert "verified: 90 posts" in log, log
    assert Thread.objects.count() == 8 and Post.objects.count() == 90
    assert audit_verify().ok
    # The database's triggers saw the COPY: every thread has moved past its first revision.
    assert not Thread.objects.filter(revision=0).exists()

    bench_thread = Thread.objects.get(pk=int(log.rsplit("benchmark thread ", 1)[1]))
    client = Client()
    assert client.login(username="bench", password="bench-password")
    page = client.get(f"/t/{bench_thread.pk}/").content.decode()
    assert "Your private AI draft" in page and "50 posts" in page
