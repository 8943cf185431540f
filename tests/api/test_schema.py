"""The OpenAPI schema: complete (every /api/v1/ route is in it), valid, warning-free, documents the
error format, and is served at /api/schema/ with its docs at /api/docs/ (no CDN)."""
import re

import pytest
import yaml
from django.core.management import call_command
from django.urls import URLPattern, URLResolver, get_resolver
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.validation import validate_schema
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from ..factories import PASSWORD, UserFactory

CONVERTER = re.compile(r"<(?:\w+:)?(\w+)>")


def _routes(patterns, prefix=""):
    for pattern in patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _routes(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            yield route, pattern


def v1_routes():
    """Every URL pattern under /api/v1/, as an OpenAPI path, with the HTTP methods its view answers."""
    routes = {}
    for route, pattern in _routes(get_resolver().url_patterns):
        if route.startswith("api/v1/"):
            view = pattern.callback
            actions = getattr(view, "actions", None)
            methods = set(actions) if actions else {m for m in view.view_class.http_method_names
                                                    if hasattr(view.view_class, m)}
            # DRF answers HEAD like GET (and adds it to a viewset's actions on the first request).
            methods -= {"options", "head"}
            routes["/" + CONVERTER.sub(r"{\1}", route)] = methods
    return routes


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_api_has_the_contracts_endpoints():
    assert set(v1_routes()) == {
        "/api/v1/auth/token/", "/api/v1/me/", "/api/v1/search/", "/api/v1/threads/similar/", "/api/v1/assistant/",
        "/api/v1/categories/",
        "/api/v1/categories/{slug}/", "/api/v1/categories/{category_slug}/grants/",
        "/api/v1/categories/{category_slug}/grants/{pk}/", "/api/v1/threads/", "/api/v1/threads/{pk}/",
        "/api/v1/threads/{thread_pk}/posts/", "/api/v1/notifications/", "/api/v1/notifications/{pk}/read/",
        "/api/v1/audit-events/", "/api/v1/review-queue/", "/api/v1/threads/{pk}/ai-answers/",
        "/api/v1/ai-answers/", "/api/v1/ai-answers/{pk}/",
        *(f"/api/v1/ai-answers/{{pk}}/{verb}/" for verb in (
            "submit", "withdraw", "discard", "retry", "regenerate", "feedback", "approve", "reject", "retract",
            "confirm", "confirm-claim", "report", "edit")),
        "/api/v1/posts/{pk}/vote/",
        # The web's edit, hide, lock, move, accept and watch forms (round 33).
        "/api/v1/posts/{pk}/", "/api/v1/posts/{pk}/hide/", "/api/v1/posts/{pk}/unhide/",
        *(f"/api/v1/threads/{{pk}}/{verb}/" for verb in ("lock", "unlock", "move", "accept", "watch")),
    }


def test_every_v1_route_and_method_is_in_the_schema(schema):
    documented = {re.sub(r"{\w+}", "{}", path): set(ops) for path, ops in schema["paths"].items()}
    for route, methods in v1_routes().items():
        path = re.sub(r"{\w+}", "{}", route)
        assert path in documented, f"{route} is missing from the schema"
        assert methods <= documented[path], f"{route}: {methods - documented[path]} undocumented"
    assert all(path.startswith("/api/v1/") for path in schema["paths"])


def test_the_schema_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    validate_schema(yaml.safe_load(target.read_text()))


def test_every_operation_documents_the_error_format(schema):
    error = {"$ref": "#/components/schemas/Error"}
    schemas = schema["components"]["schemas"]
    assert schemas["Error"]["properties"] == {"error": {"$ref": "#/components/schemas/ErrorBody"}}
    assert set(schemas["ErrorBody"]["properties"]) == {"code", "message", "details"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            errors = {status for status, response in operation["responses"].items() if status >= "400"}
            assert {"429"} <= errors, (method, path)
            for status in errors:
                assert operation["responses"][status]["content"]["application/json"]["schema"] == error
            if path != "/api/v1/auth/token/":
                assert {"401", "403"} <= errors, (method, path)
            if "{" in path:
                assert "404" in errors, (method, path)
    token = schema["paths"]["/api/v1/auth/token/"]["post"]
    assert "401" not in token["responses"] and not token.get("security")
    revoke = schema["paths"]["/api/v1/auth/token/"]["delete"]  # the caller's own token: signed in
    assert {"204", "401", "403"} <= set(revoke["responses"]) and revoke["security"]


def test_lists_are_cursor_paginated_in_the_schema(schema):
    for path in ("/api/v1/threads/", "/api/v1/categories/", "/api/v1/search/", "/api/v1/notifications/",
                 "/api/v1/audit-events/", "/api/v1/threads/{thread_pk}/posts/",
                 "/api/v1/categories/{category_slug}/grants/"):
        operation = schema["paths"][path]["get"]
        assert "cursor" in {p["name"] for p in operation["parameters"]}, path
        ref = operation["responses"]["200"]["content"]["application/json"]["schema"]["$ref"]
        page = schema["components"]["schemas"][ref.rsplit("/", 1)[1]]
        assert {"next", "previous", "results"} <= set(page["properties"]), path
    audit = schema["components"]["schemas"]["PaginatedAuditEventList"]
    assert "chain" in audit["required"]


def test_the_schema_says_what_the_views_answer(schema):
    """Found by the fuzzer (``test_fuzz.py``) once the schema's shape changed its examples: a ``page_size`` of 26
    digits is refused (the schema had no maximum), ``DELETE .../watch/`` answers 200 with the state (documented as
    drf-spectacular's default 204), and accepting the question itself is a conflict (409, was an undocumented 400)."""
    (page_size,) = [p for p in schema["paths"]["/api/v1/threads/"]["get"]["parameters"] if p["name"] == "page_size"]
    assert (page_size["schema"]["minimum"], page_size["schema"]["maximum"]) == (1, 10**20 - 1)
    assert set(schema["paths"]["/api/v1/threads/{id}/watch/"]["delete"]["responses"]) >= {"200"}
    assert "204" not in schema["paths"]["/api/v1/threads/{id}/watch/"]["delete"]["responses"]
    assert "409" in schema["paths"]["/api/v1/threads/{id}/accept/"]["post"]["responses"]


@pytest.mark.django_db
def test_the_schema_is_served_to_signed_in_callers():
    client = APIClient()
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 401 and response["WWW-Authenticate"] == "Token"
    assert response.json()["error"]["code"] == "not_authenticated"

    token, _ = Token.objects.get_or_create(user=UserFactory(username="alice"))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    assert "/api/v1/threads/" in response.json()["paths"]


@pytest.mark.django_db
def test_the_docs_page_is_behind_the_login_and_loads_nothing_from_a_cdn(client):
    response = client.get("/api/docs/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

    UserFactory(username="alice")
    assert client.login(username="alice", password=PASSWORD)
    response = client.get("/api/docs/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "drf_spectacular_sidecar/swagger-ui-dist/" in page
    assert "/api/schema/" in page
    assert "cdn" not in page.lower() and "https://" not in page
