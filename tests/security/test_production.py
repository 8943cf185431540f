"""Production settings, proved on real processes: `check --deploy` is silent, DEBUG=False refuses to start
without a real secret and hosts, and a production gunicorn redirects to HTTPS, sends HSTS and secure cookies."""
import json
import subprocess

import pytest

from .servers import BASE_DIR, PRODUCTION_HOST, PYTHON, clean_env, fetch, manage, production_env

HTTPS = {"X-Forwarded-Proto": "https"}  # what the proxy in front of Vetted says (SECURE_PROXY_SSL_HEADER)


def test_check_deploy_reports_nothing(tmp_path):
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=production_env(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_check_deploy_would_report_a_weak_setup(tmp_path):
    """The check above can fail: the same command objects once HSTS is switched off."""
    result = manage("check", "--deploy", "--fail-level", "WARNING",
                    env=production_env(tmp_path, SECURE_HSTS_SECONDS="0"))
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout


def test_production_settings_are_secure(tmp_path):
    names = ["DEBUG", "SESSION_COOKIE_SECURE", "CSRF_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SECURE_SSL_REDIRECT",
             "SECURE_HSTS_SECONDS", "SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", "SECURE_PROXY_SSL_HEADER",
             "ALLOWED_HOSTS"]
    script = ("import django, json; django.setup(); from django.conf import settings; "
              f"print(json.dumps({{k: getattr(settings, k) for k in {names!r}}}))")
    env = production_env(tmp_path, DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run([PYTHON, "-c", script], cwd=BASE_DIR, env=env, capture_output=True, text=True,
                            timeout=60, check=True)
    values = json.loads(result.stdout.strip().splitlines()[-1])
    assert values == {
        "DEBUG": False, "SESSION_COOKIE_SECURE": True, "CSRF_COOKIE_SECURE": True, "SESSION_COOKIE_HTTPONLY": True,
        "SECURE_SSL_REDIRECT": True, "SECURE_HSTS_SECONDS": 31536000, "SECURE_HSTS_INCLUDE_SUBDOMAINS": True,
        "SECURE_HSTS_PRELOAD": True, "SECURE_PROXY_SSL_HEADER": ["HTTP_X_FORWARDED_PROTO", "https"],
        "ALLOWED_HOSTS": [PRODUCTION_HOST],
    }


def test_a_secret_starting_with_a_dollar_sign_is_taken_as_is(tmp_path):
    """django-environ would read "$..." as a reference to another variable (one random key in fifty)."""
    secret = "$" + "k" * 10 + "-Q9#x(2)!vR7@w_8=zL+3^tN&0%yM*4pB6dF5gH1jC"
    env = production_env(tmp_path, SECRET_KEY=secret, DJANGO_SETTINGS_MODULE="config.settings")
    script = "import django; django.setup(); from django.conf import settings; print(settings.SECRET_KEY)"
    result = subprocess.run([PYTHON, "-c", script], cwd=BASE_DIR, env=env, capture_output=True, text=True,
                            timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == secret


def _refusal(env) -> str:
    result = manage("check", env=env, timeout=60)
    assert result.returncode != 0, result.stdout
    return result.stderr


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"SECRET_KEY": None}, "DEBUG=False needs a real SECRET_KEY"),
        ({"SECRET_KEY": "dev-insecure-vetted-key-never-use-in-production"}, "DEBUG=False needs a real SECRET_KEY"),
        ({"SECRET_KEY": "short-but-not-empty"}, "DEBUG=False needs a real SECRET_KEY"),
        ({"ALLOWED_HOSTS": None}, "DEBUG=False needs ALLOWED_HOSTS"),
        ({"ALLOWED_HOSTS": ""}, "DEBUG=False needs ALLOWED_HOSTS"),
    ],
    ids=["no-secret", "dev-secret", "short-secret", "no-hosts", "empty-hosts"],
)
def test_debug_false_refuses_to_start_without_a_real_secret_and_hosts(tmp_path, change, message):
    if None in change.values() and (BASE_DIR / ".env").exists():
        pytest.skip(".env may supply the unset variable")
    env = production_env(tmp_path)
    for key, value in change.items():
        if value is None:
            env.pop(key)
        else:
            env[key] = value
    stderr = _refusal(env)
    assert "ImproperlyConfigured" in stderr and message in stderr


def test_debug_false_refusal_stops_gunicorn_too(tmp_path):
    """Not just manage.py: the web server itself will not boot."""
    env = production_env(tmp_path)
    env.pop("SECRET_KEY")
    result = subprocess.run([PYTHON, "-m", "gunicorn", "config.wsgi", "--preload", "--bind", "127.0.0.1:0"],
                            cwd=BASE_DIR, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode != 0
    assert "DEBUG=False needs a real SECRET_KEY" in result.stderr


def test_development_defaults_still_start(tmp_path):
    """The refusal is about DEBUG=False only: the embedded default runs with nothing set."""
    result = manage("check", env=clean_env(VETTED_VAR_DIR=str(tmp_path)), timeout=60)
    assert result.returncode == 0, result.stderr


# Over real HTTP, against gunicorn in production mode ---------------------------------------------


def test_plain_http_is_redirected_to_https(production_server):
    reply = fetch(production_server, "/accounts/login/?next=/", host=PRODUCTION_HOST)
    assert reply.status == 301
    assert reply.header("Location") == f"https://{PRODUCTION_HOST}/accounts/login/?next=/"


def test_https_pages_send_hsts_and_secure_cookies(production_server):
    reply = fetch(production_server, "/accounts/login/", host=PRODUCTION_HOST, headers=HTTPS)
    assert reply.status == 200, reply.body
    assert reply.header("Strict-Transport-Security") == "max-age=31536000; includeSubDomains; preload"
    csrf_cookie = next(c for c in reply.cookies if c.startswith("csrftoken="))
    assert "Secure" in csrf_cookie and "SameSite=Lax" in csrf_cookie
    assert reply.header("X-Frame-Options") == "DENY"
    assert reply.header("X-Content-Type-Options") == "nosniff"
    assert "default-src 'self'" in reply.header("Content-Security-Policy")


def test_unknown_hosts_are_refused(production_server):
    reply = fetch(production_server, "/accounts/login/", host="attacker.example.net", headers=HTTPS)
    assert reply.status == 400
    assert "attacker.example.net" not in reply.body  # no debug page echoing the request


def test_production_serves_its_static_files(production_server):
    """whitenoise serves the collected, hashed files the pages link to (DEBUG=False has no dev static view)."""
    page = fetch(production_server, "/accounts/login/", host=PRODUCTION_HOST, headers=HTTPS).body
    stylesheet = page.split('rel="stylesheet" href="', 1)[1].split('"', 1)[0]
    assert stylesheet.startswith("/static/css/vetted.") and stylesheet != "/static/css/vetted.css"
    reply = fetch(production_server, stylesheet, host=PRODUCTION_HOST, headers=HTTPS)
    assert reply.status == 200 and reply.header("Content-Type").startswith("text/css")
