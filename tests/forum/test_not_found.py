"""Unknown URLs get the branded 404 page (a way home and a search) with DEBUG off and on (config/errors.py);
the favicon answers; the user menu links the API docs."""
from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.test import override_settings

from ..security.test_headers import assert_headers, assert_inline_free

TECHNICAL = ("Using the URLconf defined in", "DEBUG = True", "Django tried these URL patterns")


def assert_branded(response, *, signed_in: bool):
    assert response.status_code == 404
    html = response.content.decode()
    assert "<title>Page not found · Vetted</title>" in html
    assert '<h1 id="not-found-title">Page not found</h1>' in html
    for leak in TECHNICAL:
        assert leak not in html
    if signed_in:
        assert 'action="/search/"' in html and 'id="not-found-q"' in html
        assert 'href="/">Back to the categories</a>' in html
    else:
        assert 'href="/accounts/login/">Sign in to Vetted</a>' in html
        assert "not-found-q" not in html
    assert_headers(response, "404")
    assert_inline_free(html, "404")


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
@pytest.mark.parametrize("path", ["/no/such/page/", "/t/notanumber/x/", "/static-nope.txt"])
def test_an_unknown_url_is_the_branded_page(client, employee, debug, path):
    client.force_login(employee)
    with override_settings(DEBUG=debug):
        assert_branded(client.get(path), signed_in=True)


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_anonymous_visitors_get_it_too_with_a_way_to_sign_in(client, db, debug):
    with override_settings(DEBUG=debug):
        assert_branded(client.get("/no/such/page/"), signed_in=False)


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_a_views_404_is_branded_too(client, admin_user, debug):
    """A view raising Http404 (the admin's grants page of a missing category) takes the same path."""
    client.force_login(admin_user)
    with override_settings(DEBUG=debug):
        assert_branded(client.get("/admin/forum/category/999999/grants/"), signed_in=True)


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_a_hidden_thread_is_the_same_branded_page(client, employee, secret_thread, debug):
    client.force_login(employee)
    with override_settings(DEBUG=debug):
        response = client.get(f"/t/{secret_thread.pk}/")
    assert_branded(response, signed_in=True)
    assert "quokka7marker" not in response.content.decode()


def test_the_technical_page_when_asked_for(client, employee):
    client.force_login(employee)
    with override_settings(DEBUG=True, TECHNICAL_404=True):
        response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert "Django tried these URL patterns" in response.content.decode()


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_a_missing_slash_still_redirects(client, employee, debug):
    client.force_login(employee)
    with override_settings(DEBUG=debug):
        response = client.get("/ai/review")
    assert response.status_code == 301
    assert response["Location"] == "/ai/review/"


@pytest.mark.parametrize("debug", [False, True], ids=["production", "debug"])
def test_the_api_keeps_its_json_404(client, employee, debug):
    client.force_login(employee)
    with override_settings(DEBUG=debug):
        response = client.get("/api/v1/no-such-endpoint/")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


@pytest.mark.parametrize("signed_in", [False, True])
def test_the_favicon_answers(client, employee, signed_in):
    if signed_in:
        client.force_login(employee)
    response = client.get("/favicon.ico")
    assert response.status_code == 302
    assert response["Location"] == "/static/favicon.svg"
    # The test client serves no static files (the browser test loads it): the file the URL names.
    svg = Path(finders.find("favicon.svg")).read_text()
    assert svg.startswith("<svg") and 'fill="#0b5cad"' in svg  # the brand mark in the accent colour


def test_pages_link_the_favicon_and_the_api_docs(client, employee):
    client.force_login(employee)
    html = client.get("/").content.decode()
    assert '<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">' in html
    assert '<a href="/api/docs/">API docs</a>' in html
    assert client.get("/api/docs/").status_code == 200
