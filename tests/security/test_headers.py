"""Security headers on every response, and pages the Content-Security-Policy cannot break: no inline script,
style or handler anywhere (the API docs excepted, by hash), proved on the HTML and in a real Chromium."""
import base64
import hashlib
import json
import re
import subprocess
from html.parser import HTMLParser

import pytest
from django.template.loader import render_to_string
from django.test import Client

from .conftest import INVENTED_FLAG
from .routes import resolve_all
from .servers import BASE_DIR, PYTHON
from .test_csrf_and_get import PAGES

REQUIRED_CSP = {
    "default-src": ["'self'"], "script-src": ["'self'"], "style-src": ["'self'"], "img-src": ["'self'", "data:"],
    "object-src": ["'none'"], "base-uri": ["'none'"], "frame-ancestors": ["'none'"], "form-action": ["'self'"],
}
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
}


def policy_of(response) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    assert header, "no Content-Security-Policy"
    return {name: sources for name, *sources in (part.split() for part in header.split(";") if part.strip())}


def assert_headers(response, where=""):
    assert policy_of(response) == REQUIRED_CSP, where
    for name, value in HEADERS.items():
        assert response.headers.get(name) == value, (where, name, response.headers.get(name))


class InlineFinder(HTMLParser):
    """What a CSP of script-src 'self'; style-src 'self' would block: inline scripts and styles, style
    attributes, event-handler attributes, javascript: URLs."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._open: str | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            source = attributes.get("src") or ""
            if not source.startswith("/static/"):
                self.found.append(f"<script src={source!r}>" if source else "inline <script>")
        if tag == "style":
            self.found.append("inline <style>")
        for name, value in attrs:
            if name.startswith("on") or name == "style":
                self.found.append(f"<{tag} {name}=...>")
            url = name in ("href", "src", "action", "formaction")
            if url and re.match(r"\s*(javascript|data):", value or "", re.I):
                self.found.append(f"<{tag} {name}={value!r}>")

    handle_startendtag = handle_starttag


def assert_inline_free(html: str, where=""):
    found = InlineFinder(html).found
    assert not found, (where, found)


# Every page of the walk ---------------------------------------------------------------------------


@pytest.mark.parametrize("role", ["asker", "moderator"])
def test_every_page_has_the_headers_and_nothing_inline(world, role):
    client = Client()
    client.force_login(world.users()[role])
    seen = 0
    for route, path, _ in resolve_all(world):
        if route.name not in PAGES:
            continue
        response = client.get(path)
        assert_headers(response, path)
        if response.status_code == 200 and response["Content-Type"].startswith("text/html"):
            assert_inline_free(response.content.decode(), path)
            seen += 1
    assert seen >= 10


def test_htmx_fragments_and_api_answers_carry_the_headers_too(world):
    client = Client()
    client.force_login(world.asker)
    panel = client.get(f"/ai/answers/{world.draft.pk}/panel/", headers={"HX-Request": "true"})
    assert panel.status_code == 200
    assert_headers(panel, "panel")
    assert_inline_free(panel.content.decode(), "panel")
    api = client.get("/api/v1/me/")
    assert api.status_code == 200
    assert_headers(api, "api")


def test_marked_claims_and_the_confirm_form_have_nothing_inline(world):
    """The grounding marks (colours, the passage shown on hover) and the per-claim confirm form come from
    stylesheets and static scripts too: the review page and the asker's panel of a draft with an invented flag."""
    moderator, asker = Client(), Client()
    moderator.force_login(world.moderator)
    asker.force_login(world.asker)
    pages = {
        "review": moderator.get(f"/ai/review/{world.ungrounded.pk}/"),
        "panel": asker.get(f"/ai/answers/{world.ungrounded.pk}/panel/", headers={"HX-Request": "true"}),
    }
    for where, response in pages.items():
        assert response.status_code == 200, where
        assert_headers(response, where)
        html = response.content.decode()
        assert_inline_free(html, where)
        assert INVENTED_FLAG in html and "invented" in html, where
    assert f'action="/ai/review/{world.ungrounded.pk}/claims/confirm/"' in pages["review"].content.decode()


def test_error_and_special_pages_have_nothing_inline(world):
    anonymous = Client()
    login = anonymous.get("/accounts/login/")
    assert_headers(login, "login")
    assert_inline_free(login.content.decode(), "login")

    client = Client()
    client.force_login(world.reader)
    not_found = client.get("/t/999999/")
    forbidden = client.get(f"/p/{world.thread.posts.order_by('pk').first().pk}/edit/")  # alice's post
    assert (not_found.status_code, forbidden.status_code) == (404, 403)
    refused = Client(enforce_csrf_checks=True)
    refused.force_login(world.reader)
    csrf = refused.post(f"/t/{world.thread.pk}/reply/", {"body": "x"})
    assert csrf.status_code == 403 and b"security token (CSRF)" in csrf.content
    for response, where in ((not_found, "404"), (forbidden, "403"), (csrf, "csrf")):
        assert_headers(response, where)
        assert_inline_free(response.content.decode(), where)
    # Rendered without a request by Django's handler and by the database guard.
    assert_inline_free(render_to_string("500.html"), "500")
    assert_inline_free(render_to_string("503.html", {"message": "down"}), "503")


def test_base_layout_keeps_htmx_from_injecting_styles_or_running_code():
    page = render_to_string("base.html")
    config = re.search(r"<meta name=\"htmx-config\" content='([^']+)'>", page)
    assert config, "base.html lost its htmx-config"
    assert json.loads(config.group(1)) == {"includeIndicatorStyles": False, "allowEval": False,
                                           "allowScriptTags": False}


# The API docs: library page with inline blocks, allowed by hash only --------------------------------


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_the_api_docs_allow_exactly_their_own_inline_blocks(world):
    client = Client()
    client.force_login(world.asker)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    scripts = re.findall(r"<script>(.*?)</script>", html, re.S)
    styles = re.findall(r"<style>(.*?)</style>", html, re.S)
    assert len(scripts) == 1 and len(styles) == 1  # if drf-spectacular changes its page, look again
    policy = policy_of(response)
    assert policy["script-src"] == ["'self'", _sha256(scripts[0])]
    assert policy["style-src"] == ["'self'", _sha256(styles[0])]
    assert "'unsafe-inline'" not in response.headers["Content-Security-Policy"]
    assert {k: v for k, v in policy.items() if k not in ("script-src", "style-src")} == {
        k: v for k, v in REQUIRED_CSP.items() if k not in ("script-src", "style-src")}
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    # Everything else the page loads comes from our own static files, not a CDN.
    for source in re.findall(r'<script src="([^"]+)"', html):
        assert source.startswith("/static/drf_spectacular_sidecar/"), source


def test_the_docs_exception_is_for_the_docs_only(world):
    client = Client()
    client.force_login(world.asker)
    assert policy_of(client.get("/")) == REQUIRED_CSP
    assert policy_of(client.get("/api/docs")) == REQUIRED_CSP  # another path (a redirect) gets the plain policy


# In a real browser --------------------------------------------------------------------------------


@pytest.mark.e2e
def test_chromium_reports_no_violation_and_htmx_and_swagger_work(world, live_server):
    client = Client()
    client.force_login(world.moderator)
    pages = [path for route, path, _ in resolve_all(world)
             if route.name in PAGES and route.name not in ("healthz", "assistant:panel")]
    arguments = {"base_url": live_server.url, "session": client.cookies["sessionid"].value, "pages": pages,
                 "thread_path": f"/t/{world.thread.pk}/"}
    result = subprocess.run([PYTHON, str(BASE_DIR / "tests" / "security" / "browser_check.py"),
                             json.dumps(arguments)], cwd=BASE_DIR, capture_output=True, text=True, timeout=180,
                            check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads(result.stdout.strip().splitlines()[-1])
    assert report["violations"] == []
    assert report["errors"] == []
    assert all(status == 200 for status in report["loaded"].values()), report["loaded"]
    assert report["htmx_loaded"] is True
    assert "<strong>bold</strong> and <code>code</code>" in report["preview"]
    assert report["indicator_style_injected"] == 0
    assert report["swagger_title"].startswith("Vetted API")
    assert report["swagger_operations"] >= 10
