"""The JSON API's plumbing, shared by every app's ``api.py``: one error format, cursor pagination,
per-user throttles, and the schema hook that documents the error responses.

Holds no business rule: permissions come from the apps' policy modules, errors from the services'
``ApplicationError`` family, which the exception handler below turns into responses.

DRF imports the classes named in REST_FRAMEWORK while ``rest_framework.views`` is still loading, so
this module must not import ``rest_framework.views``/``generics`` or ``drf_spectacular.openapi`` at
the top (a circular import otherwise).
"""
import logging
import math
import re
from base64 import b64decode, b64encode
from urllib import parse

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from drf_spectacular.utils import OpenApiResponse
from rest_framework import exceptions, pagination, throttling
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils.urls import remove_query_param, replace_query_param

from .exceptions import ApplicationError, NotFound, RateLimited

logger = logging.getLogger(__name__)

# The error format ------------------------------------------------------------------------------


ERROR_BODY_SCHEMA = {
    "type": "object",
    "required": ["code", "message", "details"],
    "properties": {
        "code": {"type": "string", "description": "Stable, machine-readable: invalid, parse_error, not_authenticated, "
                                                  "authentication_failed, permission_denied, not_found, conflict, "
                                                  "method_not_allowed, too_large, throttled, server_error, ..."},
        "message": {"type": "string", "description": "One sentence for a person."},
        "details": {"type": "object", "additionalProperties": {},
                    "description": "For invalid input, the messages per field; otherwise empty or extra facts "
                                   "(retry_after)."},
    },
}
ERROR_SCHEMA = {
    "type": "object",
    "description": 'Every error the API answers: {"error": {"code", "message", "details"}}.',
    "required": ["error"],
    "properties": {"error": {"$ref": "#/components/schemas/ErrorBody"}},
}
ERROR_REF = {"$ref": "#/components/schemas/Error"}
ERROR_BODY_REF = {"$ref": "#/components/schemas/ErrorBody"}


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
    details = {"retry_after": math.ceil(exc.wait)} if isinstance(exc, exceptions.Throttled) and exc.wait else {}
    return error_body(code, str(exc.detail), details)


def exception_handler(exc, context):
    """DRF's exceptions, Django's 404/403 and the services' ``ApplicationError`` in one format; Django's
    refusals of the request itself (``SuspiciousOperation``) as bad input; any other exception is a logged 500
    in that format too, except the database's own errors (503, by the middleware)."""
    from rest_framework.views import exception_handler as drf_exception_handler
    from rest_framework.views import set_rollback

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
    if isinstance(exc, SuspiciousOperation):
        return _refused_request(exc, context)
    if isinstance(exc, (OperationalError, InterfaceError)):
        return None  # the database is out of reach: config.middleware.DatabaseUnavailableMiddleware answers 503
    return _server_error(exc, context)


def _refused_request(exc: SuspiciousOperation, context) -> Response:
    """Django's guards on the request itself: a body over DATA_UPLOAD_MAX_MEMORY_SIZE (413), more fields or
    query parameters than DATA_UPLOAD_MAX_NUMBER_FIELDS, too many files, ... (400). Bad input, as on the web
    pages, where Django answers them itself: not a bug, so a warning on Django's ``django.security`` logger
    without a traceback, and nothing of the exception's text in the answer."""
    from rest_framework.views import set_rollback

    set_rollback()
    request = context.get("request")
    where = f"{request.method} {request.path}" if request is not None else "an API view"
    status = 413 if isinstance(exc, RequestDataTooBig) else 400
    logging.getLogger(f"django.security.{type(exc).__name__}").warning(
        "Refused %s in %s: %s", type(exc).__name__, where, exc, extra={"status": status})
    if status == 413:
        return Response(error_body("too_large", "The request body is larger than this API accepts."), status=413)
    return Response(error_body("invalid", "The request is malformed or has more fields or parameters than this "
                                          "API accepts."), status=400)


SERVER_ERROR_MESSAGE = "Something went wrong on our side. The error is logged; try again later."


def _server_error(exc, context) -> Response:
    """Anything else is a bug: logged with its traceback, answered with a generic message in the error
    format (never Django's HTML page, never the exception's text, which may carry data)."""
    from rest_framework.views import set_rollback

    set_rollback()
    request = context.get("request")
    where = f"{request.method} {request.path}" if request is not None else "an API view"
    logger.error("Unhandled %s in %s", type(exc).__name__, where, exc_info=(type(exc), exc, exc.__traceback__))
    return Response(error_body("server_error", SERVER_ERROR_MESSAGE), status=500)


# Pagination ------------------------------------------------------------------------------------


CURSOR_DESCRIPTION = ("Opaque: follow the `next` or `previous` link as given. A cursor that points nowhere "
                     "(made up or tampered with) answers 404.")


def _bad_cursor() -> NotFound:
    """Like an id that names nothing: the page a made-up cursor points at does not exist."""
    return NotFound("No such page: follow the next or previous link as given.",
                    details={"cursor": ["Not a cursor this API gave out."]})


class CursorPagination(pagination.CursorPagination):
    """Every list: ``{"next", "previous", "results"}``. The view names its ordering (``view.ordering``).

    A cursor this API did not give out points nowhere (404, as DRF's own), including one whose position
    is not a value of the ordering field, which would otherwise reach the database and fail there. An
    empty ``cursor`` is the first page. A ``page_size`` that is not a whole number from 1 up is bad input
    (400; DRF would quietly use the default), and so is one written with more than 20 digits (``int()``
    refuses more than 4,300: a 500 otherwise); one above ``max_page_size`` gets ``max_page_size``.
    """

    cursor_query_description = CURSOR_DESCRIPTION
    page_size_query_param = "page_size"
    page_size_query_description = "Results per page: a whole number from 1 up; at most 100 are returned."
    max_page_size = 100
    ordering = ("-id",)

    def get_ordering(self, request, queryset, view):
        return tuple(getattr(view, "ordering", None) or self.ordering)

    def get_page_size(self, request):
        raw = request.query_params.get(self.page_size_query_param)
        if raw is None:
            return self.page_size
        if not re.fullmatch(r"[0-9]{1,20}", raw) or int(raw) < 1:
            raise exceptions.ValidationError({self.page_size_query_param: ["A whole number from 1 up."]})
        return min(int(raw), self.max_page_size)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                # At most 20 digits (above: 400); any value above ``max_page_size`` gets ``max_page_size``.
                parameter["schema"].update(minimum=1, maximum=10**20 - 1)
        return parameters

    def paginate_queryset(self, queryset, request, view=None):
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        encoded = request.query_params.get(self.cursor_query_param)
        try:
            if encoded is not None:
                b64decode(encoded.encode("ascii"), validate=True)  # DRF skips what is not base64
            cursor = super().decode_cursor(request)
        except (exceptions.NotFound, ValueError, UnicodeError):
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
        if not encoded:
            return 0
        try:
            tokens = parse.parse_qs(b64decode(encoded.encode("ascii"), validate=True).decode("ascii"))
            offset = int(tokens["o"][0])
        except (KeyError, IndexError, TypeError, ValueError, UnicodeError):
            raise _bad_cursor() from None
        if offset < 0:
            raise _bad_cursor()
        return min(offset, self.offset_cutoff)  # as DRF's cursors: a cap against expensive offsets

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
    404: "No such object, or one you may not see: the two are indistinguishable. (For a list: no such page.)",
    409: "The object is not in a state that allows the action.",
    429: "Too many requests; `Retry-After` says when to try again.",
}


def error_response(status: int, description: str | None = None) -> OpenApiResponse:
    """For ``extend_schema(responses=...)``: an error a view can give beyond the ones every operation can."""
    return OpenApiResponse(response=ERROR_REF, description=description or _ERRORS[status])


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: the error format as a component, and the errors every
    operation can give added to the ones its view declares."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"], schemas["ErrorBody"] = ERROR_SCHEMA, ERROR_BODY_SCHEMA
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            statuses = [429]
            if method != "delete":
                statuses.append(400)
            security = operation.get("security") or []
            if security and {} not in security:
                statuses += [401, 403]
            parameters = {parameter.get("name") for parameter in operation.get("parameters", [])}
            if "{" in path or "cursor" in parameters:
                statuses.append(404)
            responses = operation.setdefault("responses", {})
            for status in sorted(statuses):
                responses.setdefault(str(status), {"content": {"application/json": {"schema": ERROR_REF}},
                                                   "description": _ERRORS[status]})
            operation["responses"] = dict(sorted(responses.items()))
            _require_body_with_required_fields(operation, schemas)
    return result


def _has_required_fields(schema: dict, schemas: dict) -> bool:
    if "$ref" in schema:
        schema = schemas.get(schema["$ref"].rsplit("/", 1)[-1], {})
    if "oneOf" in schema:
        return all(_has_required_fields(branch, schemas) for branch in schema["oneOf"])
    return bool(schema.get("required"))


def _require_body_with_required_fields(operation: dict, schemas: dict) -> None:
    """A body whose every shape has required fields cannot be omitted: say so in the schema."""
    body = operation.get("requestBody")
    if not body:
        return
    shapes = [media.get("schema", {}) for media in body.get("content", {}).values()]
    if shapes and all(_has_required_fields(shape, schemas) for shape in shapes):
        body["required"] = True
