"""Two request guards the web pages and the JSON API share; their places in settings.MIDDLEWARE matter.

``DeclaredCharsetMiddleware`` refuses a body declared in a charset that is not a text encoding before anything
reads it; ``PrivateResponseMiddleware`` keeps what is sent to a signed-in user out of every cache.
"""
import codecs
import logging

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.functional import SimpleLazyObject, empty

from .api import error_body

logger = logging.getLogger("django.security.UnsupportedCharset")


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
        logger.warning("Refused %s %s: unsupported charset in Content-Type", request.method, request.path,
                       extra={"status": 400})
        message = "The request's Content-Type names a charset that is not a text encoding."
        if request.path.startswith("/api/"):
            return JsonResponse(error_body("parse_error", message), status=400)
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
    user = getattr(request, "user", None)
    if isinstance(user, SimpleLazyObject) and user._wrapped is empty:
        return settings.SESSION_COOKIE_NAME in request.COOKIES
    return bool(user is not None and user.is_authenticated)
