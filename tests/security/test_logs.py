"""Logs: one JSON object per line with the request's id; no post or answer body, prompt, password or token at
INFO; refused requests (pages and API) logged with user, path and status."""
import io
import json
import logging
import secrets

import pytest
from django.conf import settings
from django.test import Client
from rest_framework.authtoken.models import Token

from aiassist import services as ai_services
from config.logs import JsonFormatter, RequestIdFilter
from forum.models import Thread

from ..aiassist.test_engines_openai import ChatServer, completion
from ..factories import UserFactory, grant, make_admin, make_category, make_thread

pytestmark = pytest.mark.django_db


@pytest.fixture
def json_lines():
    """The project's own handler set-up (filter and formatter) on the root logger, writing to a buffer."""
    buffer = io.StringIO()
    handler = logging.StreamHandler(buffer)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield lambda: [json.loads(line) for line in buffer.getvalue().splitlines()]
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)


def test_settings_log_json_with_the_request_id():
    handler = settings.LOGGING["handlers"]["console"]
    assert handler["formatter"] == "json" and handler["filters"] == ["request_id"]
    assert settings.MIDDLEWARE[0] == "config.middleware.RequestLogMiddleware"


def test_every_line_of_a_request_is_json_and_carries_its_id(json_lines):
    user = UserFactory(username="alice")
    client = Client()
    client.force_login(user)
    response = client.get("/t/424242/")  # a 404: the access log and django.request both speak
    request_id = response["X-Request-ID"]
    lines = [line for line in json_lines() if line["request_id"] == request_id]
    assert {line["logger"] for line in lines} >= {"vetted.access", "vetted.request", "django.request"}
    request_line = next(line for line in lines if line["logger"] == "vetted.request")
    assert request_line["method"] == "GET" and request_line["path"] == "/t/424242/"
    assert request_line["status"] == 404 and request_line["user_id"] == user.pk
    assert isinstance(request_line["duration_ms"], float) and request_line["level"] == "INFO"


def test_a_proxys_request_id_is_kept_and_a_malformed_one_replaced(json_lines):
    client = Client()
    kept = client.get("/accounts/login/", headers={"X-Request-ID": "proxy-7f3a9c1e-0001"})
    assert kept["X-Request-ID"] == "proxy-7f3a9c1e-0001"
    replaced = client.get("/accounts/login/", headers={"X-Request-ID": '"}\n{"level": "forged'})
    assert len(replaced["X-Request-ID"]) == 32 and "forged" not in replaced["X-Request-ID"]
    assert all(line["level"] != "forged" for line in json_lines())


@pytest.fixture
def chat_server():
    import threading

    server = ChatServer()
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    yield server
    server.stopping.set()
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


def test_no_body_prompt_password_or_token_reaches_the_logs_at_info(caplog, settings, chat_server):
    """Each secret carries a unique marker; everything logged at INFO and above, through every request and
    both engines, is searched for them (messages, arguments and extra fields)."""
    caplog.set_level(logging.INFO)
    marker = secrets.token_hex(8)
    body, reply, question = f"post-body-{marker}", f"reply-body-{marker}", f"question-{marker}"
    password, answer_text = f"password-{marker}", f"answer-body-{marker}"
    admin = make_admin()
    engineering = make_category(admin, "Engineering")
    alice = UserFactory(username="alice")
    bob = UserFactory(username="bob")
    bob.set_password(password)
    bob.save(update_fields=["password"])
    token = Token.objects.create(user=bob)

    client = Client()
    client.force_login(alice)
    assert client.post("/new/", {"category": engineering.pk, "title": f"Celery retries {marker}",
                                 "body": f"How do celery retries back off? {question}",
                                 "ask_assistant": "on"}).status_code == 302
    thread = Thread.objects.get(title=f"Celery retries {marker}")
    client.post(f"/t/{thread.pk}/reply/", {"body": f"Celery retries back off with retry_backoff. {reply}"})
    client.post("/preview/", {"body": body})
    client.get(f"/search/?q={marker}")
    source = make_thread(UserFactory(username="erin"), engineering, title="Celery retry backoff",
                         body="How do celery retries back off?",
                         replies=[(bob, f"Celery retries back off exponentially with retry_backoff=True and {body}.")])

    # The draft, by the extractive engine (quoting the source) and by an OpenAI-compatible server.
    answer = thread.ai_answers.get()
    drafted = ai_services.answer_generate(answer_id=answer.pk)
    assert marker in drafted.body  # the marker did travel through the worker's path
    settings.ASSISTANT_ENGINE = "openai"
    settings.ASSISTANT_ENGINE_CONFIG = {"openai": {"base_url": chat_server.url, "api_key": f"key-{marker}",
                                                   "model": "m", "timeout": 5}}
    chat_server.reply(completion(f"Use retry_backoff=True [1]. {answer_text}"))
    second = ai_services.answer_regenerate(acting_user=alice, answer=drafted)
    second = ai_services.answer_generate(answer_id=second.pk)
    assert answer_text in second.body and marker in json.dumps(chat_server.requests[-1]["json"])
    assert source.pk

    # Sign-ins and tokens: a failed web sign-in, a token exchange, an API call with the token.
    Client().post("/accounts/login/", {"username": "bob", "password": f"wrong-{password}"})
    api = Client()
    assert api.post("/api/v1/auth/token/", {"username": "bob", "password": password},
                    content_type="application/json").status_code == 200
    assert api.get("/api/v1/me/", headers={"Authorization": f"Token {token.key}"}).status_code == 200
    api.get("/api/v1/me/", headers={"Authorization": f"Token {token.key[:-4]}beef"})

    formatter = JsonFormatter()
    assert len(caplog.records) > 10
    for record in caplog.records:
        line = formatter.format(record)
        assert marker not in line, line
        assert token.key not in line, line


# Refusals are logged ------------------------------------------------------------------------------


def denials(caplog) -> list[tuple]:
    """(method, path, user id, status) of each denial logged: forum.middleware for pages, config's for the API."""
    return [r.args for r in caplog.records
            if r.name == "vetted.access" and r.getMessage().startswith("denied") and r.levelno == logging.INFO]


def test_refused_pages_are_logged_with_user_path_and_status(caplog):
    caplog.set_level(logging.INFO)
    admin = make_admin()
    secops = make_category(admin, "Security Ops", restricted=True)
    engineering = make_category(admin, "Engineering")
    owner = UserFactory(username="priya")
    grant("view_category", owner, secops)
    grant("post_in_category", owner, secops)
    secret = make_thread(owner, secops, title="Vault root token rotation", body="Quarterly.")
    mine = make_thread(owner, engineering, title="Celery", body="Question.")
    outsider = UserFactory(username="mallory")
    client = Client()
    client.force_login(outsider)
    assert client.get(f"/t/{secret.pk}/").status_code == 404
    assert client.get(f"/p/{mine.posts.get().pk}/edit/").status_code == 403
    assert denials(caplog) == [("GET", f"/t/{secret.pk}/", outsider.pk, 404),
                               ("GET", f"/p/{mine.posts.get().pk}/edit/", outsider.pk, 403)]


def test_refused_api_calls_are_logged_with_user_path_and_status(caplog):
    caplog.set_level(logging.INFO)
    admin = make_admin()
    secops = make_category(admin, "Security Ops", restricted=True)
    secret = make_thread(admin, secops, title="Vault root token rotation", body="Quarterly.")
    outsider = UserFactory(username="mallory")
    token = Token.objects.create(user=outsider)
    auth = {"Authorization": f"Token {token.key}"}
    client = Client()
    assert client.get("/api/v1/me/").status_code == 401
    assert client.post("/api/v1/categories/", {"name": "Mine", "slug": "mine"}, content_type="application/json",
                       headers=auth).status_code == 403
    assert client.get(f"/api/v1/threads/{secret.pk}/", headers=auth).status_code == 404
    assert denials(caplog) == [("GET", "/api/v1/me/", None, 401), ("POST", "/api/v1/categories/", outsider.pk, 403),
                               ("GET", f"/api/v1/threads/{secret.pk}/", outsider.pk, 404)]
    assert token.key not in caplog.text
