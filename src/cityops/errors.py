"""Domain errors. They carry no HTTP status: ``api/errors.py`` maps them once."""

from __future__ import annotations


class CityOpsError(Exception):
    """Base of every error a caller is meant to see."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(CityOpsError):
    """The request or file is malformed: names the field and the reason."""


class InvalidQuery(InvalidInput):
    """A query option ($filter, $orderby, ...) could not be parsed or applied."""


class NotFound(CityOpsError):
    """The entity does not exist, or the caller may not see it (ids do not leak)."""


class Conflict(CityOpsError):
    """The change contradicts the current state (e.g. resolving a resolved incident)."""


class Forbidden(CityOpsError):
    """The caller is known but may not do this."""


class Unauthorized(CityOpsError):
    """No valid credentials were given where they are needed."""


class NotImplementedOption(CityOpsError):
    """A valid but unsupported option (maps to 501)."""


class TooLarge(CityOpsError):
    """A body or file over the configured limit."""


class SchemaNotCurrent(CityOpsError):
    """The database schema is missing or at another revision than this CityOps needs:
    ``cityops db upgrade`` is the only command that migrates."""


class ServiceUnavailable(CityOpsError):
    """A service CityOps depends on (a broker, a database) cannot do this now: 503."""


class Unavailable(ServiceUnavailable):
    """The database could not do the work in time (the statement time limit, a lock held
    longer than the wait, a shutdown): nothing was changed; try again after
    ``retry_after`` seconds (503 with Retry-After)."""

    def __init__(self, message: str, *, retry_after: int = 5) -> None:
        super().__init__(message)
        self.retry_after = retry_after
