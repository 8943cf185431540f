"""The one exception family services raise; the web and API layers turn each into a response."""


class ApplicationError(Exception):
    status = 400
    code = "invalid"

    def __init__(self, message: str, *, details: dict | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.details = details or {}
        if code:
            self.code = code


class NotFound(ApplicationError):
    """Missing or hidden: the two are indistinguishable on purpose."""

    status = 404
    code = "not_found"

    def __init__(self, message: str = "Not found.", **kwargs):
        super().__init__(message, **kwargs)


class Forbidden(ApplicationError):
    """The object is visible to the caller, the action is not theirs to take."""

    status = 403
    code = "permission_denied"


class InvalidTransition(ApplicationError):
    """The object is not in a state that allows the action."""

    status = 409
    code = "conflict"


class InvalidInput(ApplicationError):
    status = 400
    code = "invalid"


class AlreadyTaken(InvalidInput):
    """Well-formed input naming something that exists already (a category's name or slug): a conflict
    with the stored state, not a malformed request."""

    status = 409
    code = "conflict"


class RateLimited(ApplicationError):
    status = 429
    code = "throttled"

    def __init__(self, message: str, *, retry_after: int, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after


class ServiceUnavailable(ApplicationError):
    status = 503
    code = "unavailable"
