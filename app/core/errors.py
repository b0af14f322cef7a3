"""Errors that carry an HTTP status and a stable code, raised anywhere below the API."""

from __future__ import annotations


class AppError(Exception):
    """An error a client or operator can act on."""

    status = 500
    code = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ):
        super().__init__(message)
        self.message = message
        self.headers = headers
        if code:
            self.code = code
        if status:
            self.status = status


class ConfigError(AppError):
    """Settings that cannot work; the message says what to change."""

    code = "config_error"


class BadRequest(AppError):
    """The request is well-formed JSON but asks for something invalid."""

    status = 422
    code = "invalid_request"


class Unauthorized(AppError):
    """No key, or one the service does not know."""

    status = 401
    code = "unauthorized"


class Forbidden(AppError):
    """A valid key without the scope this endpoint needs."""

    status = 403
    code = "forbidden"


class RateLimited(AppError):
    """Too many requests from one key or address."""

    status = 429
    code = "rate_limited"


class StoreUnavailable(AppError):
    """The vector store cannot be reached or opened."""

    status = 503
    code = "store_unavailable"


class UpstreamUnavailable(AppError):
    """A model endpoint or RPC node did not answer in time."""

    status = 503
    code = "upstream_unavailable"


class NotFound(AppError):
    """A resource the service does not have, such as an unknown chain."""

    status = 404
    code = "not_found"


class UpstreamError(AppError):
    """An RPC node or model endpoint answered with something unusable, or refused the connection."""

    status = 502
    code = "upstream_error"


class UpstreamTimeout(AppError):
    """An RPC node or model endpoint did not answer within the time limit."""

    status = 504
    code = "upstream_timeout"
