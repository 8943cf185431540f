"""Structured logs: one JSON object per line, each carrying the id of the request it belongs to.

``RequestLogMiddleware`` (config/middleware.py) sets the request id for the duration of a request;
``RequestIdFilter`` copies it onto every record, and ``JsonFormatter`` writes the record with any
``extra={...}`` fields as keys. What goes into a message is the caller's responsibility: log ids,
paths and statuses, never bodies, prompts or credentials (tests/security/test_logs.py checks it).
"""
import json
import logging
from contextvars import ContextVar
from datetime import UTC, datetime

request_id_var: ContextVar[str] = ContextVar("vetted_request_id", default="-")

# The attributes every LogRecord has; anything else on a record came from ``extra``. Django passes the
# request object itself (``django.request``, ``django.server``): its repr carries the query string, and
# the request id already names the request, so it is left out.
_STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id", "request"}


class RequestIdFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            # django.request logs a 4xx/5xx after the middleware has returned: it passes the request itself.
            record.request_id = getattr(getattr(record, "request", None), "id", None) or request_id_var.get()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", request_id_var.get()),
        }
        entry.update((key, value) for key, value in vars(record).items() if key not in _STANDARD)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str, ensure_ascii=False)
