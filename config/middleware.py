"""Project-wide web plumbing: request ids and the request log, security headers (the Content-Security-Policy),
a clear 503 instead of a server error while the database is unreachable, and request guards (control characters, a
body declared in a charset that is not text; responses to a signed-in user kept out of every cache).

Their places in settings.MIDDLEWARE matter; the comment there says why.
"""
import base64
import codecs
import hashlib
import logging
import re
import sys
import time
import uuid

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.functional import SimpleLazyObject, empty

from common.api import error_body

from .logs import request_id_var

request_logger = logging.getLogger("vetted.request")
access_logger = logging.getLogger("vetted.access")
db_logger = logging.getLogger("vetted.database")
charset_logger = logging.getLogger("django.security.UnsupportedCharset")

_INCOMING_ID = re.compile(r"^[A-Za-z0-9._:-]{8,128}$")


def _user_id(request):
    """The signed-in user's id if the request has already loaded it (DRF sets it too); never a query."""
    user = getattr(request, "user", None)
    if isinstance(user, SimpleLazyObject):
        user = None if user._wrapped is empty else user._wrapped
    return getattr(user, "pk", None)


class RequestLogMiddleware:
    """Gives each request an id (a proxy's ``X-Request-ID`` when it looks like one), returns it in the
    response, and logs one line per request: method, path (never the query string), status, duration,
    user. The API's refusals (401/403/404) are logged as denials, as forum.middleware does for pages."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        incoming = request.headers.get("X-Request-ID", "")
        request.id = incoming if _INCOMING_ID.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request.id)
        started = time.monotonic()
        try:
            response = self.get_response(request)
            response["X-Request-ID"] = request.id
            fields = {"method": request.method, "path": request.path, "status": response.status_code,
                      "user_id": _user_id(request)}
            if request.path.startswith("/api/") and response.status_code in (401, 403, 404):
                access_logger.info("denied %s %s user=%s status=%s", request.method, request.path,
                                   fields["user_id"], response.status_code, extra=fields)
            request_logger.info("%s %s %s", request.method, request.path, response.status_code,
                                extra={**fields, "duration_ms": round((time.monotonic() - started) * 1000, 1)})
            return response
        finally:
            request_id_var.reset(token)


# Security headers -------------------------------------------------------------------------------

_INLINE_BLOCK = re.compile(rb"<(script|style)>(.*?)</\1>", re.S | re.I)


def _serialise(directives: dict) -> str:
    return "; ".join(" ".join([name, *sources]) for name, sources in directives.items())


def _with_inline_hashes(directives: dict, content: bytes) -> dict:
    """The policy plus the sha256 of each inline <script>/<style> block of this response, and nothing more:
    no 'unsafe-inline', so injected event handlers and javascript: URLs stay blocked."""
    directives = {name: list(sources) for name, sources in directives.items()}
    for kind, body in _INLINE_BLOCK.findall(content):
        digest = base64.b64encode(hashlib.sha256(body).digest()).decode()
        directives.setdefault(f"{kind.decode().lower()}-src", ["'self'"]).append(f"'sha256-{digest}'")
    return directives


class SecurityHeadersMiddleware:
    """The Content-Security-Policy (settings.SECURE_CSP, shaped like Django 6's setting of that name, so
    Django's own middleware can replace this one), and one Cross-Origin-Opener-Policy for every page.

    Paths in settings.SECURE_CSP_INLINE_HASH_PATHS are pages rendered by a library with inline blocks
    we cannot move out (drf-spectacular's Swagger UI carries the CSRF token in an inline script): on
    those only, the blocks the server itself rendered are allowed by hash.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        directives = settings.SECURE_CSP
        if request.path in settings.SECURE_CSP_INLINE_HASH_PATHS and not response.streaming:
            directives = _with_inline_hashes(directives, response.content)
        response.headers.setdefault("Content-Security-Policy", _serialise(directives))
        # drf-spectacular opens the docs page to other windows (for OAuth2 pop-ups Vetted does not use).
        response.headers["Cross-Origin-Opener-Policy"] = settings.SECURE_CROSS_ORIGIN_OPENER_POLICY
        return response


# The database outage path -----------------------------------------------------------------------

DATABASE_ERRORS = (OperationalError, InterfaceError)
UNAVAILABLE_MESSAGE = "Vetted cannot reach its database right now. Please try again in a few minutes."
RETRY_AFTER_SECONDS = 60


def _note_database_failure(sender, request=None, **kwargs):
    """Django turns an exception raised by a middleware (the session and auth middleware query the
    database before any view runs) into a 500 before an outer middleware can catch it; this receiver
    marks the request so DatabaseUnavailableMiddleware can answer 503 instead."""
    failure = sys.exc_info()[1]
    if request is not None and isinstance(failure, DATABASE_ERRORS):
        request.database_failure = failure


got_request_exception.connect(_note_database_failure, dispatch_uid="vetted.database_failure")


def unavailable_response(request, failure: Exception) -> HttpResponse:
    db_logger.error("database unreachable: %s: %s", type(failure).__name__, str(failure)[:300],
                    extra={"path": request.path, "status": 503})
    if request.path.startswith("/api/"):
        response = JsonResponse({"error": {"code": "unavailable", "message": UNAVAILABLE_MESSAGE, "details": {}}},
                                status=503)
    else:
        # Rendered without the request: context processors would query the database again.
        response = HttpResponse(render_to_string("503.html", {"message": UNAVAILABLE_MESSAGE}), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """503 with a clear message (JSON under /api/) whenever the database cannot be reached: from a view
    (process_exception) or from a middleware inside this one (the 500 Django made of it)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            response = self.get_response(request)
        except DATABASE_ERRORS as failure:  # only when DEBUG_PROPAGATE_EXCEPTIONS lets it through
            return unavailable_response(request, failure)
        failure = getattr(request, "database_failure", None)
        if failure is not None and response.status_code == 500:
            return unavailable_response(request, failure)
        return response

    def process_exception(self, request, exception):
        if isinstance(exception, DATABASE_ERRORS):
            return unavailable_response(request, exception)
        return None


class ControlCharactersMiddleware:
    """A path holding a control character (a NUL byte, say), or an admin page's query string holding one, is bad
    input: 400 with what was wrong, before a view turns it into a lookup (PostgreSQL answers a NUL byte in text
    with an error: it was a 500 on the profile page, the admin's change lists and its autocomplete). The admin takes
    any lookup from its query string; the forum's own pages read theirs through forms or ``forum.querystring``,
    which say what was wrong in the page, and the API validates its parameters in its error format."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from forum.text import has_control_characters

        bad = ["address"] if has_control_characters(request.path) else []
        if request.path.startswith("/admin/"):
            bad += [name.encode("unicode_escape").decode("ascii") for name, values in request.GET.lists()
                    if has_control_characters(name) or any(has_control_characters(v) for v in values)]
        if bad and not request.path.startswith("/api/"):
            from django.shortcuts import render

            message = f"The request's {', '.join(dict.fromkeys(bad))} contains a control character."
            return render(request, "error.html", {"message": message, "details": {}, "status": 400}, status=400)
        return self.get_response(request)


# Field names and values as a form sends them: a charset that cannot decode these ("idna", "undefined": text
# encodings by name that refuse such bytes) fails in Django's parser as the others did (round 40's review).
_SAMPLE = b"csrfmiddlewaretoken=abc123&body=Hello%2C+world%21+caf\xc3\xa9"


def _is_text_encoding(name: str) -> bool:
    try:
        if not codecs.lookup(name)._is_text_encoding:
            return False
        _SAMPLE.decode(name, "replace")
    except Exception:  # noqa: BLE001 - LookupError, UnicodeError, a codec's own: not one Django can decode a body with
        return False
    return True


class DeclaredCharsetMiddleware:
    """A request whose Content-Type names a charset that is not a text encoding is bad input: 400.

    Django accepts any name ``codecs.lookup`` knows (``rot13``, ``hex``, ``zlib``, ``bz2``...) and decodes a
    multipart body's field names and values with it: a ``LookupError`` (or a decompression) in
    ``MultiPartParser``, raised by the first ``request.POST``, which is ``CsrfViewMiddleware``'s, so every web
    POST answered 500, the sign-in page's too. Hence this sits before CsrfViewMiddleware. A charset no codec
    knows is refused too: Django would quietly decode the body as UTF-8 instead of what the client meant.
    Under /api/ the answer is in the API's error format (DRF's parsers refuse such a charset themselves, as
    ``parse_error``; this refuses it before any parser, the same way).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        charset = request.content_params.get("charset") if request.content_params else None
        if charset is None or _is_text_encoding(charset):
            return self.get_response(request)
        charset_logger.warning("Refused %s %s: unsupported charset in Content-Type", request.method, request.path,
                       extra={"status": 400})
        message = "The request's Content-Type names a charset that is not a text encoding."
        if request.path.startswith("/api/"):
            return JsonResponse(error_body("parse_error", message), status=400)
        from django.shortcuts import render

        return render(request, "error.html", {"message": message, "details": {}, "status": 400}, status=400)


class PrivateResponseMiddleware:
    """``Cache-Control: private, no-store`` on every response to a signed-in request (a session or an API token),
    and ``Vary: Authorization`` on every API response.

    A page or an API answer for a signed-in user may hold what only they may read (their private draft, the
    review desk) or text withdrawn since (a retracted answer): neither a browser (the Back button on a shared
    machine after sign-out) nor any cache in between may keep it. A response that already says how it may be
    cached (``never_cache`` on /healthz, the 503 of config.middleware) is left as it is. Where nothing loaded
    the user (a page open to everyone), a session cookie counts as signed in: no query to find out.

    Its place in settings.MIDDLEWARE: after WhiteNoise, which answers /static/ itself with long-lived caching,
    so those responses never reach this; before the authentication middleware (it reads ``request.user`` on the
    way out, which the API's token authentication sets too).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if request.path.startswith("/api/"):
            patch_vary_headers(response, ["Authorization"])
        if not response.has_header("Cache-Control") and _signed_in(request):
            patch_cache_control(response, private=True, no_store=True)
        return response


def _signed_in(request) -> bool:
    """Whether the request is a signed-in user's, never by a query: the user its authentication loaded (``_user_id``),
    or, where nothing loaded it (a page open to everyone), a session cookie."""
    user = getattr(request, "user", None)
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        return settings.SESSION_COOKIE_NAME in request.COOKIES
    return _user_id(request) is not None
