"""Query-string values the web pages hand on to a query, read the same way everywhere.

PostgreSQL answers a NUL byte in text, or an OFFSET beyond its 64-bit integers, with an error: a 500 for whoever
typed the URL. So a page number is capped, and a text value holding a control character is bad input (400), before
either reaches the database (the admin's query strings and every path:
``config.middleware.ControlCharactersMiddleware``).
"""
from common.exceptions import InvalidInput

from .text import has_control_characters

# Past the end of any list the forum shows, and small enough that ``(MAX_PAGE - 1) * per_page`` stays far
# inside PostgreSQL's bigint.
MAX_PAGE = 1_000_000


def page_number(raw) -> int | None:
    """``?page=`` as a whole number: 1 when absent, at most ``MAX_PAGE`` (past the end of the list: the
    paginator shows its last page), None when it is not a number (the first page, as ``Paginator.get_page``
    has it)."""
    if raw in (None, ""):
        return 1
    try:
        return min(int(raw), MAX_PAGE)
    except (TypeError, ValueError):
        return None


def text(params, name: str, *, max_length: int) -> str:
    """The value of ``name`` in ``params`` (``request.GET``), stripped and cut to ``max_length``; "" when
    absent. One holding a control character matches nothing anyone wrote and is refused (400)."""
    value = params.get(name, "")
    if has_control_characters(value):
        raise InvalidInput(f"The “{name}” parameter contains a control character.",
                           details={name: ["Remove the control characters."]})
    return value.strip()[:max_length]
