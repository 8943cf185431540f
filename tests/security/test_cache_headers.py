"""What is sent to a signed-in user is kept by no cache: ``Cache-Control: private, no-store``.

A page or an API answer for a signed-in user may hold what only they may read (the asker's private draft, the
review desk) or text withdrawn since (a retracted answer). Sent with no Cache-Control at all, a browser could keep
it (the Back button on a shared machine, after sign-out) and so could any cache in between that caches
heuristically. ``config.middleware.PrivateResponseMiddleware`` marks every response to a signed-in request, by
session or by API token, and varies every API response on ``Authorization``; /static/ (WhiteNoise) and the
responses that say how they may be cached (/healthz) keep their own.
"""
import pytest
from django.conf import settings
from django.http import HttpResponse
from django.test import Client
from django.utils.functional import SimpleLazyObject

from config.middleware import PrivateResponseMiddleware

from ..api.conftest import V1, client_for
from ..factories import signed_in

pytestmark = pytest.mark.django_db


def directives(response) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def vary(response) -> set[str]:
    return {part.strip().lower() for part in response.get("Vary", "").split(",") if part.strip()}


def assert_private(response, where):
    assert response.status_code == 200, (where, response.status_code)
    assert {"private", "no-store"} <= directives(response), (where, response.get("Cache-Control"))
    assert "public" not in directives(response), where


def test_signed_in_pages_with_private_text_are_kept_by_no_cache(world):
    asker, moderator = signed_in(world.asker), signed_in(world.moderator)
    pages = {"the thread with the asker's draft": asker.get(f"/t/{world.draft.thread_id}/"),
             "the draft's panel": asker.get(f"/ai/answers/{world.draft.pk}/panel/"),
             "the home page": asker.get("/"),
             "the review desk": moderator.get(f"/ai/review/{world.in_review.pk}/"),
             "the review queue": moderator.get("/ai/review/")}
    for where, response in pages.items():
        assert_private(response, where)


def test_api_answers_to_a_token_or_a_session_are_kept_by_no_cache_and_vary_on_authorization(world):
    session = Client()
    session.force_login(world.asker)
    for where, client in (("token", client_for(world.asker)), ("session", session)):
        response = client.get(f"{V1}/ai-answers/{world.draft.pk}/")
        assert_private(response, where)
        assert "authorization" in vary(response), (where, response.get("Vary"))


def test_an_anonymous_api_refusal_varies_on_authorization_too(db):
    """The same URL answers 401 without credentials and 200 with them: a cache must tell the two apart."""
    response = client_for(None).get(f"{V1}/threads/")
    assert response.status_code == 401
    assert "authorization" in vary(response)


def test_where_nothing_loaded_the_user_a_session_cookie_counts_as_signed_in_without_a_query(
        rf, django_assert_num_queries):
    """Every page loads the user (LoginRequiredMiddleware); should one not, the middleware runs no query on the
    way out (none after the database failed, either): the session cookie is enough."""
    def respond(request):
        return HttpResponse("ok")

    for cookies, private in (({settings.SESSION_COOKIE_NAME: "some-key"}, True), ({}, False)):
        request = rf.get("/")
        request.COOKIES.update(cookies)
        request.user = SimpleLazyObject(lambda: pytest.fail("the user was loaded"))
        with django_assert_num_queries(0):
            response = PrivateResponseMiddleware(respond)(request)
        assert ({"private", "no-store"} <= directives(response)) is private


def test_health_keeps_its_own_caching(world):
    response = signed_in(world.asker).get("/healthz")
    assert response.status_code == 200
    assert response["Cache-Control"] == "max-age=0, no-cache, no-store, must-revalidate, private"


def test_static_files_keep_whitenoises_caching_for_a_signed_in_user(world, settings):
    settings.WHITENOISE_USE_FINDERS = True  # no collectstatic in the tests: WhiteNoise reads static/ itself
    settings.WHITENOISE_AUTOREFRESH = True
    response = signed_in(world.asker).get("/static/css/vetted.css")  # a fresh client: a fresh WhiteNoise
    assert response.status_code == 200
    assert "public" in directives(response) and "no-store" not in directives(response), response.get("Cache-Control")
