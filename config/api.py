"""The JSON API's plumbing, shared by every app's ``api.py``: one error format, cursor pagination,
per-user throttles, and the schema class that documents the error responses.

Holds no business rule: permissions come from the apps' policy modules, errors from the services'
``ApplicationError`` family, which the exception handler below turns into responses.
"""
from base64 import b64decode, b64encode
from urllib import parse

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, pagination, serializers, throttling
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import APIView, set_rollback
from rest_framework.views import exception_handler as drf_exception_handler

from forum.exceptions import ApplicationError, RateLimited

# The error format ------------------------------------------------------------------------------


class ErrorBodySerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Stable, machine-readable: invalid, not_authenticated, "
                                           "permission_denied, not_found, conflict, throttled, ...")
    message = serializers.CharField(help_text="One sentence for a person.")
    details = serializers.DictField(help_text="For invalid input, the messages per field; otherwise empty "
                                              "or extra facts (retry_after).")


class ErrorSerializer(serializers.Serializer):
    """Every error the API answers: ``{"error": {"code", "message", "details"}}``."""

    error = ErrorBodySerializer()


def error_body(code: str, message: str, details=None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or {}}}


def _first_message(details, path=()) -> str:
    if isinstance(details, dict):
        for key, value in details.items():
            found = _first_message(value, path if key == api_settings.NON_FIELD_ERRORS_KEY else (*path, str(key)))
            if found:
                return found
        return ""
    if isinstance(details, list):
        for value in details:
            found = _first_message(value, path)
            if found:
                return found
        return ""
    return f"{'.'.join(path)}: {details}" if path else str(details)


def _describe(exc: exceptions.APIException) -> dict:
    if isinstance(exc, exceptions.ValidationError):
        details = exc.detail if isinstance(exc.detail, dict) else {api_settings.NON_FIELD_ERRORS_KEY: exc.detail}
        return error_body("invalid", _first_message(details) or "Invalid input.", details)
    codes = exc.get_codes()
    code = codes if isinstance(codes, str) else exc.default_code
    if isinstance(exc.detail, (dict, list)):
        return error_body(code, str(exc.default_detail), exc.detail)
    details = {"retry_after": exc.wait} if isinstance(exc, exceptions.Throttled) and exc.wait else {}
    return error_body(code, str(exc.detail), details)


def exception_handler(exc, context):
    """DRF's exceptions, Django's 404/403 and the services' ``ApplicationError`` in one format."""
    if isinstance(exc, ApplicationError):
        set_rollback()
        headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimited) else None
        return Response(error_body(exc.code, exc.message, exc.details), status=exc.status, headers=headers)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()  # Django's message may name a model: say nothing more than "not found"
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)  # sets WWW-Authenticate, Retry-After, rollback
    if response is not None:
        response.data = _describe(exc)
    return response


class EndpointNotFound(APIView):
    """Everything under /api/ that matches no endpoint: a 404 in the error format, not an HTML page."""

    authentication_classes = []
    permission_classes = [AllowAny]

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        raise exceptions.NotFound("No such endpoint. (API paths end with a slash.)")


# Pagination ------------------------------------------------------------------------------------


def _bad_cursor() -> exceptions.ValidationError:
    return exceptions.ValidationError({"cursor": ["Invalid cursor: use the next or previous link as given."]})


class CursorPagination(pagination.CursorPagination):
    """Every list: ``{"next", "previous", "results"}``. The view names its ordering (``view.ordering``).

    A tampered cursor is bad input (400), including a position that is not a value of the ordering
    field, which would otherwise reach the database and fail there.
    """

    page_size_query_param = "page_size"
    max_page_size = 100
    ordering = ("-id",)

    def get_ordering(self, request, queryset, view):
        return tuple(getattr(view, "ordering", None) or self.ordering)

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        try:
            cursor = super().decode_cursor(request)
        except exceptions.NotFound:
            raise _bad_cursor() from None
        if cursor is not None and cursor.position is not None:
            field = self._model._meta.get_field(self.ordering[0].lstrip("-"))
            try:
                field.clean(cursor.position, None)
            except (DjangoValidationError, ValueError, TypeError, OverflowError):
                raise _bad_cursor() from None
        return cursor


class OffsetCursorPagination(CursorPagination):
    """For sequences without a unique sort key (ranked search hits, rows of two tables): the opaque
    cursor carries an offset. ``paginate_queryset`` accepts anything that slices."""

    offset_cutoff = 1000

    def paginate_queryset(self, queryset, request, view=None):
        self.request = request
        self.page_size = self.get_page_size(request)
        self.base_url = request.build_absolute_uri()
        self.offset = self._decode_offset(request)
        rows = list(queryset[self.offset : self.offset + self.page_size + 1])
        self.has_next = len(rows) > self.page_size
        self.has_previous = self.offset > 0
        self.page = rows[: self.page_size]
        return self.page

    def _decode_offset(self, request) -> int:
        encoded = request.query_params.get(self.cursor_query_param)
        if encoded is None:
            return 0
        try:
            tokens = parse.parse_qs(b64decode(encoded.encode("ascii"), validate=True).decode("ascii"))
            offset = int(tokens["o"][0])
        except (KeyError, IndexError, TypeError, ValueError, UnicodeError):
            raise _bad_cursor() from None
        if not 0 <= offset <= self.offset_cutoff:
            raise _bad_cursor()
        return offset

    def _link(self, offset: int) -> str:
        if offset <= 0:
            return remove_query_param(self.base_url, self.cursor_query_param)
        encoded = b64encode(parse.urlencode({"o": offset}).encode("ascii")).decode("ascii")
        return replace_query_param(self.base_url, self.cursor_query_param, encoded)

    def get_next_link(self):
        return self._link(self.offset + self.page_size) if self.has_next else None

    def get_previous_link(self):
        return self._link(max(0, self.offset - self.page_size)) if self.has_previous else None


# Throttles -------------------------------------------------------------------------------------


class _RateFromSettings:
    """DRF reads the rates once, at import; these read them per request, so settings changes apply."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class UserThrottle(_RateFromSettings, throttling.UserRateThrottle):
    """Per signed-in user (API_THROTTLE_USER, e.g. "600/min")."""


class AnonThrottle(_RateFromSettings, throttling.AnonRateThrottle):
    """Per client address for the only anonymous endpoint, the token exchange (API_THROTTLE_ANON)."""


# Schema ----------------------------------------------------------------------------------------

_ERRORS = {
    400: "Invalid input (`details` names the fields), malformed JSON or a tampered cursor.",
    401: "Not signed in: no or an invalid token or session.",
    403: "Signed in, but the action is not yours to take.",
    404: "No such object, or one you may not see: the two are indistinguishable.",
    409: "The object is not in a state that allows the action.",
    429: "Too many requests; `Retry-After` says when to try again.",
}


def error_response(status: int, description: str | None = None) -> OpenApiResponse:
    return OpenApiResponse(response=ErrorSerializer, description=description or _ERRORS[status])


class ApiSchema(AutoSchema):
    """Adds the error responses every operation can give to the ones the view declares."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        statuses = [429]
        if self.method != "DELETE":
            statuses.append(400)
        if not all(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            statuses += [401, 403]
        if "{" in self.path:
            statuses.append(404)
        for status in sorted(statuses):
            if str(status) not in responses:
                responses[str(status)] = self._get_response_for_code(error_response(status), str(status),
                                                                     direction=direction)
        return responses
