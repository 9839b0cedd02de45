"""The errors every client raises: one hierarchy, rooted at RealtimeRestError."""

from __future__ import annotations

import re
from typing import Protocol

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


class ClientClosedError(RealtimeRestError, RuntimeError):
    """A call was made on a client after its ``close()`` (or the end of its ``with`` block)."""


class ServiceErrorDetail(Protocol):
    """What the error model of every API version that has one holds (``models.ErrorDetail``).

    Versions whose spec documents no error body (SignalR v1, Web PubSub 2020-10-01) leave
    ``ApiError.error`` None; ``isinstance(error.error, models.ErrorDetail)`` gives a version's
    further fields (``details``, ``inner``).
    """

    @property
    def code(self) -> str | None: ...

    @property
    def message(self) -> str | None: ...

    @property
    def target(self) -> str | None: ...


class ApiError(RealtimeRestError):
    """The service answered with an error status.

    The message names the request (method and URL, secrets blanked), then the service's message,
    status, error code and request id.

    :ivar status: the HTTP status code.
    :ivar error_code: the service's error code (``x-ms-error-code`` header, else the body's code).
    :ivar message: the service's message, or the status text.
    :ivar request_id: the request id the service logged, for support cases.
    :ivar error: the response body parsed into the version's error model, where it has one.
    :ivar method: the request's HTTP method.
    :ivar url: the request's URL, with any token in its query blanked.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        error_code: str | None = None,
        request_id: str | None = None,
        error: ServiceErrorDetail | None = None,
        method: str = "",
        url: str = "",
    ) -> None:
        self.status = status
        self.message = message
        self.error_code = error_code
        self.request_id = request_id
        self.error = error
        self.method = method
        self.url = redact(url)
        details = [f"status {status}"]
        if error_code:
            details.append(f"code {error_code}")
        if request_id:
            details.append(f"request id {request_id}")
        request = f"{method} {self.url}: " if method else ""
        super().__init__(f"{request}{message} ({', '.join(details)})")


class UnexpectedResponseError(ApiError):
    """The service answered with something the operation does not document: a body of the wrong
    shape or size, or a next link that cannot be followed safely.

    :ivar excerpt: the start of the body, with anything that looks like a token blanked out.
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        request_id: str | None = None,
        body: bytes = b"",
        method: str = "",
        url: str = "",
    ) -> None:
        super().__init__(status, message, request_id=request_id, method=method, url=url)
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


# Query parameters that carry credentials: client access URLs, SAS-style signatures.
_SECRET_QUERY_NAMES = frozenset({"access_token", "accesskey", "sig", "signature", "token"})


def redact(url: str) -> str:
    """A URL fit for logs and messages: the values of credential query parameters replaced."""
    head, separator, query = url.partition("?")
    if not separator:
        return url
    parts = [
        f"{name}=REDACTED" if name.lower() in _SECRET_QUERY_NAMES else f"{name}{equals}{value}"
        for name, equals, value in (pair.partition("=") for pair in query.split("&"))
    ]
    return f"{head}?{'&'.join(parts)}"


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
