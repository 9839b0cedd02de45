"""The errors every client raises: one hierarchy, rooted at RealtimeRestError."""

from __future__ import annotations

import re
from typing import Any

# How much of a body an error shows, and the secrets blanked out of it first.
EXCERPT_CHARACTERS = 200
_SECRETS = re.compile(
    r'("(?:token|accessToken|access_token|accessKey|key)"\s*:\s*)"[^"]*"?'
    r"|eyJ[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*\.?[A-Za-z0-9_-]*",
    re.IGNORECASE,
)


class RealtimeRestError(Exception):
    """Base class of every error raised by the realtime_rest clients."""


class ConnectionStringError(RealtimeRestError, ValueError):
    """A connection string is malformed. The message never contains the access key."""


class TransportError(RealtimeRestError):
    """The request did not get a response: connection failure or timeout, after any retries."""


class ApiError(RealtimeRestError):
    """The service answered with an error status.

    :ivar status: the HTTP status code.
    :ivar error_code: the service's error code (``x-ms-error-code`` header, else the body's code).
    :ivar message: the service's message, or the status text.
    :ivar request_id: the request id the service logged, for support cases.
    :ivar error: the response body parsed into the version's error model, where it has one.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        error_code: str | None = None,
        request_id: str | None = None,
        error: Any = None,
    ) -> None:
        self.status = status
        self.message = message
        self.error_code = error_code
        self.request_id = request_id
        self.error = error
        details = [f"status {status}"]
        if error_code:
            details.append(f"code {error_code}")
        if request_id:
            details.append(f"request id {request_id}")
        super().__init__(f"{message} ({', '.join(details)})")


class UnexpectedResponseError(ApiError):
    """The service answered with something the operation does not document: a body of the wrong
    shape or size, or a next link that cannot be followed safely.

    :ivar excerpt: the start of the body, with anything that looks like a token blanked out.
    """

    def __init__(
        self, status: int, message: str, *, request_id: str | None = None, body: bytes = b""
    ) -> None:
        super().__init__(status, message, request_id=request_id)
        self.excerpt = excerpt(body)


class WireFormatError(RealtimeRestError, ValueError):
    """A model read a JSON value of the wrong type; raised inside the package and reported to
    callers as UnexpectedResponseError."""


class InsecureConnectionWarning(UserWarning):
    """Credentials are sent over plain http to a host that is not loopback."""


def excerpt(body: bytes) -> str:
    """The start of a body for an error message: decoded leniently, cut short, tokens blanked."""
    text = body[: EXCERPT_CHARACTERS * 4].decode("utf-8", errors="replace")
    return _SECRETS.sub(_blank, text)[:EXCERPT_CHARACTERS]


def _blank(match: re.Match[str]) -> str:
    return f'{match.group(1)}"<redacted>"' if match.group(1) else "<redacted>"


class BadRequestError(ApiError):
    """400: the service rejected the request as invalid."""


class AuthenticationError(ApiError):
    """401 or 403: the credential was refused or lacks the permission."""


class NotFoundError(ApiError):
    """404: the target does not exist."""


class ThrottledError(ApiError):
    """429: too many requests; retried automatically before this is raised."""


class ServiceError(ApiError):
    """5xx: the service failed; retried automatically before this is raised."""


def error_class(status: int) -> type[ApiError]:
    if status == 400:
        return BadRequestError
    if status in (401, 403):
        return AuthenticationError
    if status == 404:
        return NotFoundError
    if status == 429:
        return ThrottledError
    if status >= 500:
        return ServiceError
    return ApiError
