"""One exception family for everything the gateway refuses, rendered to JSON in one place."""

from __future__ import annotations

from typing import Any


class SmsgateError(Exception):
    """A refusal with a stable machine-readable `code`, an HTTP `status` and a message."""

    code = "error"
    status = 400
    retry_after: int | None = None  # seconds, sent as Retry-After when set

    def __init__(self, message: str, *, code: str | None = None, **data: Any) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.data = data

    def to_dict(self) -> dict[str, Any]:
        """The body of the JSON error response."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        error.update(self.data)
        return {"error": error}


class BadRequest(SmsgateError):
    code, status = "bad_request", 400


class InvalidInput(SmsgateError):
    code, status = "invalid_input", 422


class Unauthorized(SmsgateError):
    code, status = "unauthorized", 401


class Forbidden(SmsgateError):
    code, status = "forbidden", 403


class NotFound(SmsgateError):
    code, status = "not_found", 404


class Conflict(SmsgateError):
    code, status = "conflict", 409


class PayloadTooLarge(SmsgateError):
    code, status = "payload_too_large", 413


class Unavailable(SmsgateError):
    """A dependency is down; the caller (Twilio included) should retry later."""

    code, status = "unavailable", 503


class DatabaseUnavailable(Unavailable):
    """The database cannot be reached (or its pool has no free connection): 503, retry."""

    code = "database_unavailable"

    def __init__(self, message: str = "database unavailable, retry later") -> None:
        super().__init__(message)


class ExportsBusy(Unavailable):
    """Every connection set aside for CSV exports is streaming one: 503, retry shortly."""

    code, retry_after = "exports_busy", 10
