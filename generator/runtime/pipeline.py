"""Sending requests: authentication, retries with backoff, deadlines, logging with secrets redacted.

The sync and async pipelines share every decision (RetryPolicy, headers, error mapping, where a
request may go); only the waiting and the transport differ.
"""

from __future__ import annotations

import logging
import os
import random
import re
import time
import warnings
from collections.abc import Callable, Mapping
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import unquote, urljoin, urlsplit

from realtime_rest._runtime.auth import (
    AccessKey,
    AccessKeyTokens,
    AsyncCredential,
    Credential,
    TokenCache,
)
from realtime_rest._runtime.endpoints import Endpoint
from realtime_rest._runtime.errors import (
    ApiError,
    ClientClosedError,
    InsecureConnectionWarning,
    ServiceErrorDetail,
    TransportError,
    error_class,
    excerpt,
    redact,
)
from realtime_rest._runtime.options import (
    DEFAULT_CALL_TIMEOUT,
    LOGGER,
    CallOptions,
    Unpack,
    check_seconds,
)
from realtime_rest._runtime.records import record
from realtime_rest._runtime.request import Request
from realtime_rest._runtime.transport import (
    DEFAULT_MAX_RESPONSE_BYTES,
    DEFAULT_TIMEOUT,
    AsyncTransport,
    AttemptError,
    Outgoing,
    Response,
    SyncTransport,
    Timeout,
)

if TYPE_CHECKING:
    import asyncio

# Sent with every request: one fresh id per call, the same on each of its retries.
CLIENT_REQUEST_ID = "x-ms-client-request-id"

# A paged call stops with UnexpectedResponseError after this many pages (the client's max_pages).
DEFAULT_MAX_PAGES = 1000
_RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
_OWN_HEADERS = frozenset({"authorization", "host", "content-length", "transfer-encoding"})
_HEADER_NAME = re.compile(r"[!#$%&'*+.^_`|~0-9A-Za-z-]+")
_MESSAGE_CHARACTERS = 500


class ErrorModel(Protocol):
    """A generated model class that error bodies are parsed into."""

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> ServiceErrorDetail: ...


@record
class RetryPolicy:
    """Bounded exponential backoff with full jitter, within an overall deadline per call.

    Only transient failures are retried: connection failures and timeouts, 408, 429 and 5xx
    answers. Every operation of these APIs is idempotent on the service side except sends (a
    retried send may deliver a message twice), so sends are retried only when the request never
    reached the service (it could not connect, or connecting timed out) or the service said so
    (429, 503). Retries happen within the call's ``timeout`` (the client's, 60 seconds unless
    given, or the per-call option): no wait or attempt runs past it.

    :ivar max_retries: attempts after the first.
    :ivar backoff: the first wait's upper bound in seconds; it doubles with each retry.
    :ivar max_backoff: the longest wait between attempts, when the service names none.
    :ivar max_retry_after: the longest ``Retry-After`` honoured; asked to wait longer, the client
        stops and raises the service's answer instead of sleeping that long.
    """

    max_retries: int = 3
    backoff: float = 0.5
    max_backoff: float = 8.0
    max_retry_after: float = 30.0

    def delay(self, attempt: int, response: Response | None) -> float | None:
        """Seconds to wait before the next attempt; None when the service asks for too long."""
        retry_after = _retry_after(response) if response is not None else None
        if retry_after is not None:
            return retry_after if retry_after <= self.max_retry_after else None
        return random.uniform(0, min(self.max_backoff, self.backoff * 2**attempt))

    def should_retry(
        self,
        attempt: int,
        request: Request,
        response: Response | None,
        error: AttemptError | None,
    ) -> bool:
        if attempt >= self.max_retries:
            return False
        if error is not None:
            return error.transient and (request.method != "POST" or not error.may_have_arrived)
        assert response is not None
        if response.status not in _RETRY_STATUSES:
            return False
        return request.method != "POST" or response.status in (429, 503)


NO_RETRIES = RetryPolicy(max_retries=0)


def _retry_after(response: Response) -> float | None:
    value = response.headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None


@record
class _Call:
    """One call as sent: the URL it goes to, the URL its token names, and when it must end."""

    url: str
    audience_url: str
    headers: Mapping[str, str]
    deadline: float
    hook: Callable[[Response], None] | None
    client_request_id: str


class _PipelineBase:
    credential: AccessKey | Any  # an access key, or an Entra ID credential of either flavour

    def __init__(
        self,
        endpoint: str | Endpoint,
        credential: Any,
        *,
        error_model: type[ErrorModel] | None,
        audience_includes_query: bool,
        retry_policy: RetryPolicy,
        reverse_proxy_endpoint: str | Endpoint | None,
        scope: str,
        user_agent: str,
        max_pages: int = DEFAULT_MAX_PAGES,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        allow_http_credentials: bool = False,
        call_timeout: float = DEFAULT_CALL_TIMEOUT,
        logger: logging.Logger = LOGGER,
    ) -> None:
        self.endpoint = Endpoint.parse(endpoint, "endpoint")
        self._send_to = (
            Endpoint.parse(reverse_proxy_endpoint, "reverse_proxy_endpoint")
            if reverse_proxy_endpoint is not None
            else self.endpoint
        )
        # As text once: every call's URLs start with them.
        self._send_to_url = str(self._send_to)
        self._endpoint_url = str(self.endpoint)
        self.credential = credential
        self._check_plain_http(allow_http_credentials)
        self._error_model = error_model
        self._audience_includes_query = audience_includes_query
        self._retry_policy = retry_policy
        self._scope = scope
        self._user_agent = user_agent
        self.max_pages = max_pages
        self._max_response_bytes = max_response_bytes
        self._token_cache = TokenCache()
        self._key_tokens = AccessKeyTokens()
        self._call_timeout = call_timeout
        self._logger = logger
        self._closed = False

    def _check_plain_http(self, allowed: bool) -> None:
        """Entra ID tokens travel over plain http only to loopback or when the caller says so;
        access-key tokens (short-lived, one URL each) do with a warning."""
        if self._send_to.scheme != "http" or self._send_to.is_loopback or allowed:
            return
        if not isinstance(self.credential, AccessKey):
            raise ValueError(
                "refusing to send Microsoft Entra ID tokens over plain http to a host that is not "
                "loopback: use https, or pass allow_http_credentials=True"
            )
        warnings.warn(
            "access tokens are sent over plain http to a host that is not loopback; anyone on "
            "the network can read and replay them (use https, or pass allow_http_credentials=True)",
            InsecureConnectionWarning,
            stacklevel=2,  # one place in the package: shown once per process
        )

    def next_page_target(self, link: str) -> tuple[str, str]:
        """Where a next link leads, as (path under the endpoint, query); ValueError saying why a
        link is not followed. Only links to the endpoint's own scheme, host, port and path are."""
        if any(character.isspace() or not character.isprintable() for character in link):
            raise ValueError("contains spaces or control characters")
        if any(segment in (".", "..") for segment in unquote(urlsplit(link).path).split("/")):
            raise ValueError("has '.' or '..' segments")
        parts = urlsplit(urljoin(f"{self.endpoint}/", link))
        try:
            origin = Endpoint.parse(f"{parts.scheme}://{parts.netloc}", "it").origin
        except ValueError:
            raise ValueError("is not an http(s) URL with a valid host") from None
        if origin != self.endpoint.origin:
            raise ValueError("points to another scheme, host or port than the endpoint")
        if not parts.path.startswith(f"{self.endpoint.path}/"):
            raise ValueError("points outside the endpoint's path")
        return parts.path[len(self.endpoint.path) :], parts.query

    def _call(
        self, request: Request, target: tuple[str, str] | None, options: CallOptions
    ) -> _Call:
        if self._closed:
            raise ClientClosedError("the client is closed: create a new one to send requests")
        path, query = target or (request.path, request.encoded_query())
        suffix = f"{path}?{query}" if query else path
        timeout = (
            check_seconds("timeout", options["timeout"])
            if "timeout" in options
            else self._call_timeout
        )
        headers, client_request_id = _with_client_request_id(_extra_headers(options.get("headers")))
        return _Call(
            url=f"{self._send_to_url}{suffix}",
            audience_url=f"{self._endpoint_url}{suffix}",
            headers=headers,
            deadline=time.monotonic() + timeout,
            hook=options.get("raw_response_hook"),
            client_request_id=client_request_id,
        )

    def _headers(self, request: Request, call: _Call, authorization: str) -> dict[str, str]:
        headers = {"User-Agent": self._user_agent, **request.headers, **call.headers}
        headers["Authorization"] = authorization
        if request.body is not None:
            headers["Content-Type"] = request.body.content_type
        return headers

    def _outgoing(self, request: Request, call: _Call, headers: dict[str, str]) -> Outgoing:
        return Outgoing(
            method=request.method,
            url=call.url,
            headers=headers,
            content=request.body.content if request.body else None,
            deadline=call.deadline,
            max_bytes=self._max_response_bytes,
        )

    def _access_key_authorization(self, key: AccessKey, url: str) -> str:
        audience = url if self._audience_includes_query else url.partition("?")[0]
        return f"Bearer {self._key_tokens.token_for(key, audience)}"

    def _next_delay(
        self,
        request: Request,
        call: _Call,
        attempt: int,
        started: float,
        response: Response | None,
        error: AttemptError | None,
    ) -> float | None:
        """Log an attempt; how long to wait before the next one, or None when this one is final."""
        self._log_attempt(request, call, attempt, started, response, error)
        if not self._retry_policy.should_retry(attempt, request, response, error):
            return None
        delay = self._retry_policy.delay(attempt, response)
        if delay is None or time.monotonic() + delay >= call.deadline:
            return None
        self._log_retry(request, call, attempt, delay, response, error)
        return delay

    def _log_attempt(
        self,
        request: Request,
        call: _Call,
        attempt: int,
        started: float,
        response: Response | None,
        error: AttemptError | None,
    ) -> None:
        """One INFO line per request sent: what, where, the outcome, how long, which ids."""
        if not self._logger.isEnabledFor(logging.INFO):
            return
        outcome = response.status if response is not None else str(error).partition(":")[0]
        service_id = response.request_id if response is not None else None
        self._logger.info(
            "%s %s -> %s in %.0f ms (attempt %d, request id %s, client request id %s)",
            request.method,
            redact(call.url),
            outcome,
            (time.monotonic() - started) * 1000,
            attempt + 1,
            service_id or "none",
            call.client_request_id,
        )

    def _log_retry(
        self,
        request: Request,
        call: _Call,
        attempt: int,
        delay: float,
        response: Response | None,
        error: AttemptError | None,
    ) -> None:
        """One WARNING per retry: the wait and why."""
        reason = f"{response.status} {response.reason}" if response is not None else str(error)
        self._logger.warning(
            "%s %s: retrying in %.2f s (retry %d of %d, client request id %s): %s",
            request.method,
            redact(call.url),
            delay,
            attempt + 1,
            self._retry_policy.max_retries,
            call.client_request_id,
            reason,
        )

    def _outcome(
        self,
        request: Request,
        call: _Call,
        response: Response | None,
        error: AttemptError | None,
        accept_not_found: bool,
    ) -> Response:
        if response is None:
            raise TransportError(f"{request.method} {redact(call.url)} failed: {error}")
        if call.hook is not None:
            call.hook(response)
        if response.is_success or (accept_not_found and response.status == 404):
            return response
        raise self._api_error(response)

    def _api_error(self, response: Response) -> ApiError:
        body = _json_or_none(response)
        # Newer versions wrap the error as {"error": {...}}; older ones send it bare.
        error = body.get("error", body) if isinstance(body, dict) else None
        details = error if isinstance(error, dict) else {}
        code = response.headers.get("x-ms-error-code") or details.get("code")
        message = details.get("message")
        if not isinstance(message, str) or not message:
            message = excerpt(body.encode()) if isinstance(body, str) and body else None
        return error_class(response.status)(
            response.status,
            (message or response.reason or "error")[:_MESSAGE_CHARACTERS],
            error_code=code if isinstance(code, str) else None,
            request_id=response.request_id,
            error=self._error_details(error),
            method=response.method,
            url=response.url,
        )

    def _error_details(self, error: Any) -> ServiceErrorDetail | None:
        """The error object (unwrapped) as the version's error model, or None when it has none
        or the body is odd."""
        if self._error_model is None or not isinstance(error, dict):
            return None
        try:
            return self._error_model.from_wire(error)
        except (TypeError, KeyError, ValueError, AttributeError):
            return None


def _extra_headers(headers: Mapping[str, str] | None) -> Mapping[str, str]:
    """The caller's extra headers, refused by name (never by value) where HTTP or the client
    does not allow them."""
    if not headers:
        return {}
    for name, value in headers.items():
        if not isinstance(name, str) or not _HEADER_NAME.fullmatch(name):
            raise ValueError("headers: a header name is not an HTTP token")
        if name.lower() in _OWN_HEADERS:
            raise ValueError(f"headers: {name} is set by the client")
        if not isinstance(value, str) or any(c in value for c in "\r\n\0"):
            raise ValueError(f"headers: the value of {name} must be a str without line breaks")
    return headers


def _with_client_request_id(headers: Mapping[str, str]) -> tuple[Mapping[str, str], str]:
    """The headers with the call's client request id: the caller's when given, else a new one."""
    for name, value in headers.items():
        if name.lower() == CLIENT_REQUEST_ID:
            return headers, value
    client_request_id = _new_request_id()
    return {**headers, CLIENT_REQUEST_ID: client_request_id}, client_request_id


def _new_request_id() -> str:
    """A random (version 4) UUID, as str(uuid.uuid4()) writes it, in half the time and without
    importing uuid (2 ms at every import of the package)."""
    data = bytearray(os.urandom(16))
    data[6] = data[6] & 0x0F | 0x40  # version 4
    data[8] = data[8] & 0x3F | 0x80  # the RFC 4122 variant
    text = data.hex()
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"


def _json_or_none(response: Response) -> Any:
    try:
        return response.json() if response.content else None
    except (ValueError, RecursionError):
        return None


class Pipeline(_PipelineBase):
    """Sends requests with a pooled HTTP client. Thread-safe; reuse one per application."""

    def __init__(
        self,
        endpoint: str | Endpoint,
        credential: Credential,
        *,
        transport: SyncTransport | None = None,
        timeout: Timeout | float = DEFAULT_TIMEOUT,
        **options: Any,
    ) -> None:
        super().__init__(endpoint, credential, **options)
        if transport is None:
            # Imported here: a program of async clients only never loads urllib3.
            from realtime_rest._runtime.http_urllib3 import Urllib3Transport

            transport = Urllib3Transport(timeout)
        self._transport = transport

    def send(
        self,
        request: Request,
        *,
        accept_not_found: bool = False,
        target: tuple[str, str] | None = None,
        **options: Unpack[CallOptions],
    ) -> Response:
        call = self._call(request, target, options)
        attempt = 0
        while True:
            response: Response | None = None
            error: AttemptError | None = None
            started = time.monotonic()
            try:
                headers = self._headers(request, call, self._authorization(call.audience_url))
                response = self._transport.send(self._outgoing(request, call, headers))
            except AttemptError as caught:
                error = caught
            delay = self._next_delay(request, call, attempt, started, response, error)
            if delay is None:
                return self._outcome(request, call, response, error, accept_not_found)
            time.sleep(delay)
            attempt += 1

    def _authorization(self, url: str) -> str:
        credential = self.credential
        if isinstance(credential, AccessKey):
            return self._access_key_authorization(credential, url)
        token = self._token_cache.get(lambda: credential.get_token(self._scope))
        return f"Bearer {token}"

    def close(self) -> None:
        self._closed = True
        self._transport.close()


class AsyncPipeline(_PipelineBase):
    """Sends requests with a pooled async HTTP client. Safe to share between tasks."""

    def __init__(
        self,
        endpoint: str | Endpoint,
        credential: AsyncCredential,
        *,
        transport: AsyncTransport | None = None,
        timeout: Timeout | float = DEFAULT_TIMEOUT,
        **options: Any,
    ) -> None:
        super().__init__(endpoint, credential, **options)
        if transport is None:
            # Imported here: the sync clients never pay for aiohttp (and asyncio).
            from realtime_rest._runtime.http_aiohttp import AiohttpTransport

            transport = AiohttpTransport(timeout)
        self._transport = transport
        self._refresh_lock: asyncio.Lock | None = None

    async def send(
        self,
        request: Request,
        *,
        accept_not_found: bool = False,
        target: tuple[str, str] | None = None,
        **options: Unpack[CallOptions],
    ) -> Response:
        call = self._call(request, target, options)
        attempt = 0
        while True:
            response: Response | None = None
            error: AttemptError | None = None
            started = time.monotonic()
            try:
                headers = self._headers(request, call, await self._authorization(call.audience_url))
                response = await self._transport.send_async(self._outgoing(request, call, headers))
            except AttemptError as caught:
                error = caught
            delay = self._next_delay(request, call, attempt, started, response, error)
            if delay is None:
                return self._outcome(request, call, response, error, accept_not_found)
            # Imported here, not at the top: importing asyncio costs every sync user ~30 ms.
            import asyncio

            await asyncio.sleep(delay)
            attempt += 1

    async def _authorization(self, url: str) -> str:
        if isinstance(self.credential, AccessKey):
            return self._access_key_authorization(self.credential, url)
        token = self._token_cache.current()
        if token is None:
            # One get_token in flight: the tasks that also need a token wait for its answer.
            import asyncio

            if self._refresh_lock is None:
                self._refresh_lock = asyncio.Lock()
            async with self._refresh_lock:
                token = self._token_cache.current() or self._token_cache.store(
                    await self.credential.get_token(self._scope)
                )
        return f"Bearer {token}"

    async def close(self) -> None:
        self._closed = True
        await self._transport.aclose()
