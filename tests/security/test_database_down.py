"""The database goes away: real servers (gunicorn in production and in development mode) with a
DATABASE_URL nobody answers answer 503 with a clear message (JSON under /api/), never a stack trace, and
/healthz says the database is down.

Pages that need no database (the anonymous login form, the redirect to it) keep working; a signed-in
user's request (a session cookie) or an API call with a token needs it from the first middleware on.
"""
import json
import re
import secrets
from pathlib import Path

import pytest

from config.middleware import UNAVAILABLE_MESSAGE

from .servers import PRODUCTION_HOST, UNREACHABLE_POSTGRES, clean_env, fetch, gunicorn

HTTPS = {"X-Forwarded-Proto": "https"}
MESSAGE = "Vetted cannot reach its database right now"
LEAKS = ("Traceback", "OperationalError", "psycopg", "sqlite3", "File \"", "port 1", "Internal Server Error")


@pytest.fixture(scope="module", params=["production-postgres", "development-postgres", "development-sqlite"])
def server(request, production_server, tmp_path_factory):
    """The same requests against three real servers whose database cannot be reached."""
    if request.param == "production-postgres":
        yield production_server, {"host": PRODUCTION_HOST, "headers": HTTPS}
        return
    var_dir = tmp_path_factory.mktemp(request.param)
    database = (UNREACHABLE_POSTGRES if request.param.endswith("postgres")
                else f"sqlite:///{var_dir / 'no-such-directory' / 'vetted.sqlite3'}")
    env = clean_env(DATABASE_URL=database, VETTED_VAR_DIR=str(var_dir), CELERY_BROKER_URL="memory://")
    with gunicorn(env, var_dir / "gunicorn.log") as dev_server:
        yield dev_server, {}


def get(server, path, **kwargs):
    target, defaults = server
    headers = {**defaults.get("headers", {}), **kwargs.pop("headers", {})}
    return fetch(target, path, host=defaults.get("host"), headers=headers, **kwargs)


def session_cookie() -> dict:
    return {"Cookie": f"sessionid={secrets.token_hex(16)}"}


def assert_unavailable_page(reply):
    assert reply.status == 503, reply.body[:2000]
    assert reply.header("Content-Type").startswith("text/html")
    assert MESSAGE in reply.body and UNAVAILABLE_MESSAGE in reply.body
    assert reply.header("Retry-After") == "60"
    assert "default-src 'self'" in reply.header("Content-Security-Policy")  # the headers still apply
    for leak in LEAKS:
        assert leak not in reply.body, leak


@pytest.mark.parametrize("path", ["/", "/accounts/login/", "/t/1/", "/search/?q=vault", "/ai/review/"])
def test_a_signed_in_users_pages_answer_503_with_the_message(server, path):
    assert_unavailable_page(get(server, path, headers=session_cookie()))


def test_signing_in_answers_503(server):
    form = get(server, "/accounts/login/")
    assert form.status == 200  # the anonymous form needs no database
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.body).group(1)
    cookie = next(c for c in form.cookies if c.startswith("csrftoken=")).split(";", 1)[0]
    origin = "https://" + PRODUCTION_HOST if server[1] else server[0].url
    reply = get(server, "/accounts/login/", method="POST", body=f"csrfmiddlewaretoken={token}&username=alice"
                f"&password=secret", headers={"Cookie": cookie, "Content-Type": "application/x-www-form-urlencoded",
                                              "Referer": origin + "/accounts/login/", "Origin": origin})
    assert_unavailable_page(reply)


def test_anonymous_visitors_are_still_sent_to_the_login_page(server):
    reply = get(server, "/")
    assert reply.status == 302 and reply.header("Location") == "/accounts/login/?next=/"


# A token lookup fails inside DRF: common.api.exception_handler hands database errors back to Django, so
# DatabaseUnavailableMiddleware answers here too.
@pytest.mark.parametrize(("method", "path"), [("GET", "/api/v1/categories/"), ("GET", "/api/v1/me/"),
                                              ("POST", "/api/v1/threads/")])
def test_the_api_answers_503_in_its_error_format(server, method, path):
    reply = get(server, path, method=method, body="{}" if method == "POST" else None,
                headers={"Authorization": "Token " + secrets.token_hex(20), "Content-Type": "application/json"})
    assert reply.status == 503, reply.body[:2000]
    assert reply.header("Content-Type") == "application/json"
    assert json.loads(reply.body) == {"error": {"code": "unavailable", "message": UNAVAILABLE_MESSAGE, "details": {}}}


def test_the_api_with_a_session_answers_503_too(server):
    reply = get(server, "/api/v1/categories/", headers=session_cookie())
    assert reply.status == 503
    assert json.loads(reply.body)["error"]["code"] == "unavailable"


def test_healthz_reports_the_database_down(server):
    reply = get(server, "/healthz")
    assert reply.status == 503
    body = json.loads(reply.body)
    assert body["status"] == "degraded" and body["checks"]["database"] is False


def test_the_outage_is_logged_with_the_request_id(server):
    reply = get(server, "/", headers=session_cookie())
    request_id = reply.header("X-Request-ID")
    assert re.fullmatch(r"[0-9a-f]{32}", request_id)
    target: object = server[0]
    lines = [json.loads(line) for line in Path(target.log_path).read_text().splitlines() if line.startswith("{")]
    mine = [line for line in lines if line.get("request_id") == request_id]
    assert any(line["logger"] == "vetted.database" and line["level"] == "ERROR" for line in mine), mine
    assert any(line["logger"] == "vetted.request" and line["status"] == 503 for line in mine), mine
