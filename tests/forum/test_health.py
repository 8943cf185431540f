"""GET /healthz: reachable without login; reports the database and the real broker of this run."""
import socket
import time

import pytest
from django.conf import settings
from django.urls import reverse

from config.celery import app as celery_app

pytestmark = pytest.mark.django_db


def _closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def broker_url(monkeypatch):
    """Points the Celery app at another broker for one test and always restores it.

    config/celery.py read the settings once at import, so overriding settings.CELERY_BROKER_URL
    changes nothing; and Celery prefers a CELERY_BROKER_URL environment variable (set in the
    PostgreSQL + Redis run) over its own configuration, so both are switched.
    """
    original = celery_app.conf.broker_url

    def point_at(url):
        monkeypatch.setenv("CELERY_BROKER_URL", url)
        celery_app.conf.broker_url = url
        assert celery_app.conf.broker_write_url == url

    yield point_at
    celery_app.conf.broker_url = original


def test_healthy_without_login(client):
    response = client.get(reverse("healthz"))
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": True, "broker": True}}
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]


def test_checks_the_configured_broker():
    # The run under test really uses the broker its environment names: Redis with CELERY_BROKER_URL
    # set (the PostgreSQL run), the filesystem transport otherwise.
    assert celery_app.conf.broker_url == settings.CELERY_BROKER_URL
    expected = "redis" if settings.CELERY_BROKER_URL.startswith("redis://") else "filesystem"
    with celery_app.connection_for_write() as conn:
        assert conn.transport.driver_type == expected


def test_unreachable_broker_is_503(client, broker_url):
    broker_url(f"redis://127.0.0.1:{_closed_port()}/0")
    started = time.monotonic()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json() == {"status": "degraded", "checks": {"database": True, "broker": False}}
    assert time.monotonic() - started < 10, "a dead broker must not hang the health check"


def test_broker_recovers_after_restore(client, broker_url):
    original = celery_app.conf.broker_url
    broker_url(f"redis://127.0.0.1:{_closed_port()}/0")
    assert client.get("/healthz").status_code == 503
    broker_url(original)
    assert client.get("/healthz").status_code == 200


def test_healthz_answers_anonymous_and_signed_in_alike(client, employee):
    anonymous = client.get("/healthz").json()
    client.force_login(employee)
    assert client.get("/healthz").json() == anonymous
