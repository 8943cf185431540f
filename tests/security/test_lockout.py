"""Brute force: django-axes locks a username out from one address after 5 failed sign-ins, on the login
page and on the API's token exchange alike, for 15 minutes; other users and other addresses are unaffected."""
import logging
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.authtoken.models import Token

from ..factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

LOGIN = reverse("login")
TOKEN = "/api/v1/auth/token/"
HOME = reverse("forum:home")
WRONG = "not the password"


@pytest.fixture
def alice(db):
    return UserFactory(username="alice")


@pytest.fixture
def bob(db):
    return UserFactory(username="bob")


def sign_in(client, username, password, address="10.0.0.1"):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR=address)


def token_for(client, username, password, address="10.0.0.1"):
    return client.post(TOKEN, {"username": username, "password": password}, content_type="application/json",
                       REMOTE_ADDR=address)


def signed_in(client) -> bool:
    return client.get(HOME).status_code == 200


def test_the_settings_are_the_ones_asked_for():
    assert settings.AUTHENTICATION_BACKENDS[0] == "config.auth.LockoutBackend"
    assert settings.AXES_FAILURE_LIMIT == 5
    assert settings.AXES_COOLOFF_TIME == timedelta(minutes=15)
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.MIDDLEWARE[-1] == "axes.middleware.AxesMiddleware"


def test_five_failures_lock_the_username_out_even_with_the_right_password(alice, caplog):
    client = Client()
    for attempt in range(1, 5):
        response = sign_in(client, "alice", WRONG)
        assert response.status_code == 200, attempt
        assert "Your username and password didn" in response.content.decode()
    with caplog.at_level(logging.WARNING, logger="axes"):
        fifth = sign_in(client, "alice", WRONG)
    assert fifth.status_code == 429
    assert any(r.levelno == logging.WARNING and "Locking out" in r.getMessage() and '"alice"' in r.getMessage()
               for r in caplog.records), [r.getMessage() for r in caplog.records]

    locked = sign_in(client, "alice", PASSWORD)
    assert locked.status_code == 429
    page = locked.content.decode()
    assert "Sign-in paused" in page and "15 minutes" in page and "<strong>alice</strong>" in page
    assert "Even the right password is refused" in page
    assert 'href="/static/css/vetted.css"' in page  # the site's layout, not a bare message
    assert not signed_in(client)
    assert AccessAttempt.objects.get(username="alice").failures_since_start == 6


def test_a_sixth_attempt_with_the_right_password_is_refused_after_four_plus_one(alice):
    """The limit is exactly five: four failures still let the right password in."""
    client = Client()
    for _ in range(4):
        sign_in(client, "alice", WRONG)
    assert sign_in(client, "alice", PASSWORD).status_code == 302
    assert signed_in(client)


def test_other_users_and_other_addresses_are_unaffected(alice, bob):
    attacker = Client()
    for _ in range(5):
        sign_in(attacker, "alice", WRONG)
    assert sign_in(attacker, "alice", PASSWORD).status_code == 429

    colleague = Client()
    assert sign_in(colleague, "bob", PASSWORD).status_code == 302  # same address, another user
    assert signed_in(colleague)
    elsewhere = Client()
    assert sign_in(elsewhere, "alice", PASSWORD, address="10.0.0.2").status_code == 302  # alice from her desk
    assert signed_in(elsewhere)


def test_the_lockout_ends_after_the_cool_off(alice):
    client = Client()
    for _ in range(5):
        sign_in(client, "alice", WRONG)
    assert sign_in(client, "alice", PASSWORD).status_code == 429
    # Fifteen minutes pass without another failure.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=15, seconds=1))
    assert sign_in(client, "alice", PASSWORD).status_code == 302
    assert signed_in(client)


def test_the_token_exchange_counts_failures_and_refuses_a_locked_out_user(alice, bob, caplog):
    client = Client()
    for _ in range(4):
        assert token_for(client, "alice", WRONG).status_code == 400
    fifth = token_for(client, "alice", WRONG)  # the failure that locks the pair says so
    assert fifth.status_code == 429 and fifth.json()["error"]["code"] == "locked_out"
    assert AccessAttempt.objects.get(username="alice").failures_since_start == 5

    with caplog.at_level(logging.WARNING, logger="axes"):
        refused = token_for(client, "alice", PASSWORD)
    assert refused.status_code == 429 and refused["Retry-After"] == str(15 * 60)
    assert refused.json()["error"]["code"] == "locked_out"
    assert "Too many failed sign-ins" in refused.json()["error"]["message"]
    assert "token" not in refused.json()
    assert not Token.objects.filter(user=alice).exists()
    # The same pair is locked out of the web sign-in as well.
    assert sign_in(Client(), "alice", PASSWORD).status_code == 429
    # Bob, from the same address, still gets his token.
    assert token_for(client, "bob", PASSWORD).status_code == 200


def test_web_failures_lock_the_token_exchange_too(alice):
    client = Client()
    for _ in range(5):
        sign_in(client, "alice", WRONG)
    refused = token_for(Client(), "alice", PASSWORD)
    assert refused.status_code == 429 and refused.json()["error"]["code"] == "locked_out"
    assert "token" not in refused.json()


def via_proxy(client, username, password, forwarded_for):
    return client.post(LOGIN, {"username": username, "password": password}, REMOTE_ADDR="10.9.9.9",
                       HTTP_X_FORWARDED_FOR=forwarded_for)


@pytest.fixture
def one_proxy(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}


def test_behind_a_proxy_the_lockout_is_per_client_address_not_per_proxy(one_proxy, alice):
    client = Client()
    for _ in range(5):
        via_proxy(client, "alice", WRONG, "203.0.113.5")
    assert AccessAttempt.objects.get(username="alice").ip_address == "203.0.113.5"
    assert via_proxy(Client(), "alice", PASSWORD, "203.0.113.5").status_code == 429
    # Alice at another desk, through the same proxy, is not locked out.
    assert via_proxy(Client(), "alice", PASSWORD, "198.51.100.7").status_code == 302


def test_behind_a_proxy_a_client_cannot_pick_its_address_with_its_own_header(one_proxy, alice):
    for n in range(5):  # the client sends a different fake address each time; the proxy appends the real one
        via_proxy(Client(), "alice", WRONG, f"192.0.2.{n}, 203.0.113.5")
    assert via_proxy(Client(), "alice", PASSWORD, "192.0.2.200, 203.0.113.5").status_code == 429


def test_without_proxies_configured_the_forwarded_header_is_ignored(alice):
    for n in range(5):
        via_proxy(Client(), "alice", WRONG, f"192.0.2.{n}")
    assert AccessAttempt.objects.get(username="alice").ip_address == "10.9.9.9"
    assert via_proxy(Client(), "alice", PASSWORD, "192.0.2.99").status_code == 429


@pytest.mark.parametrize(("forwarded", "counted_as"), [
    ("203.0.113.5:4711", "203.0.113.5"),  # a proxy that appends the client's port
    ("[2001:db8::5]:4711", "2001:db8::5"),
    ("2001:db8::5", "2001:db8::5"),
    ("unknown", "10.9.9.9"),  # not an address: the proxy's own address counts, and the sign-in still works
    ("203.0.113.5, ", "10.9.9.9"),
])
def test_behind_a_proxy_odd_forwarded_values_are_counted_not_500(one_proxy, alice, forwarded, counted_as):
    assert via_proxy(Client(), "alice", WRONG, forwarded).status_code == 200
    assert AccessAttempt.objects.get(username="alice").ip_address == counted_as
    assert via_proxy(Client(), "alice", PASSWORD, forwarded).status_code == 302
