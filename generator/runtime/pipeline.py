"""Sending requests: authentication, retries with backoff, timeouts, logging with secrets redacted.

The sync and async pipelines share every decision (RetryPolicy, headers, error mapping); only the
waiting differs.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any, Protocol
from urllib.parse import urlencode, urljoin

import httpx

from realtime_rest._runtime.auth import AccessKey, AsyncCredential, Credential, TokenCache
from realtime_rest._runtime.errors import ApiError, TransportError, error_class
from realtime_rest._runtime.request import Request

logger = logging.getLogger("realtime_rest")


class ErrorModel(Protocol):
    """A generated model class that error bodies are parsed into."""

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Any: ...


DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
_RETRY_STATUSES = frozenset({408, 429, 500, 502, 503, 504})


@dataclass(frozen=True)
class RetryPolicy:
    """Bounded exponential backoff with full jitter.

    Every operation of these APIs is idempotent on the service side except sends (a retried send
    may deliver a message twice), so sends are retried only when the request never reached the
    service (connection refused) or the service said so (429, 503 with Retry-After).
    """

    max_retries: int = 3
    backoff: float = 0.5
    max_backoff: float = 8.0

    def delay(self, attempt: int, response: httpx.Response | None) -> float:
        retry_after = _retry_after(response) if response is not None else None
        if retry_after is not None:
            return min(retry_after, 60.0)
        return random.uniform(0, min(self.max_backoff, self.backoff * 2**attempt))

    def should_retry(
        self,
        attempt: int,
        request: Request,
        response: httpx.Response | None,
        error: Exception | None,
    ) -> bool:
        if attempt >= self.max_retries:
            return False
        if error is not None:
            return request.method != "POST" or isinstance(error, httpx.ConnectError)
        assert response is not None
        if response.status_code not in _RETRY_STATUSES:
            return False
        return request.method != "POST" or response.status_code in (429, 503)


NO_RETRIES = RetryPolicy(max_retries=0)


def _retry_after(response: httpx.Response) -> float | None:
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


class _PipelineBase:
    credential: AccessKey | Any  # an access key, or an Entra ID credential of either flavour

    def __init__(
        self,
        endpoint: str,
        *,
        error_model: type[ErrorModel] | None,
        audience_includes_query: bool,
        retry_policy: RetryPolicy,
        reverse_proxy_endpoint: str | None,
        scope: str,
        user_agent: str,
    ) -> None:
        self.endpoint = endpoint.rstrip("/")
        self._send_to = (reverse_proxy_endpoint or endpoint).rstrip("/")
        self._error_model = error_model
        self._audience_includes_query = audience_includes_query
        self._retry_policy = retry_policy
        self._scope = scope
        self._user_agent = user_agent
        self._token_cache = TokenCache()

    def url(self, request: Request, base: str | None = None) -> str:
        query = urlencode(request.query_pairs())
        url = f"{base or self.endpoint}{request.path}"
        return f"{url}?{query}" if query else url

    def next_page_url(self, next_link: str) -> str:
        return urljoin(self.endpoint + "/", next_link)

    def _headers(self, request: Request, authorization: str) -> dict[str, str]:
        headers = {
            "Authorization": authorization,
            "User-Agent": self._user_agent,
            **request.headers,
        }
        if request.body is not None:
            headers["Content-Type"] = request.body.content_type
        return headers

    def _proxied(self, url: str) -> str:
        # The token's audience stays the service URL; only where the request goes changes.
        return self._send_to + url[len(self.endpoint) :]

    def _build(
        self,
        client: httpx.Client | httpx.AsyncClient,
        request: Request,
        url: str,
        authorization: str,
    ) -> httpx.Request:
        return client.build_request(
            request.method,
            self._proxied(url),
            content=request.body.content if request.body else None,
            headers=self._headers(request, authorization),
        )

    def _access_key_authorization(self, key: AccessKey, url: str) -> str:
        audience = url if self._audience_includes_query else url.partition("?")[0]
        return f"Bearer {key.token_for(audience)}"

    def _next_delay(
        self,
        request: Request,
        url: str,
        attempt: int,
        response: httpx.Response | None,
        error: Exception | None,
    ) -> float | None:
        """Log an attempt; how long to wait before the next one, or None when this one is final."""
        outcome = response.status_code if response is not None else type(error).__name__
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug(
                "%s %s -> %s (attempt %d)", request.method, redact(url), outcome, attempt + 1
            )
        if not self._retry_policy.should_retry(attempt, request, response, error):
            return None
        return self._retry_policy.delay(attempt, response)

    def _outcome(
        self,
        request: Request,
        url: str,
        response: httpx.Response | None,
        error: Exception | None,
        accept_not_found: bool,
    ) -> httpx.Response:
        if response is None:
            raise TransportError(f"{request.method} {redact(url)} failed: {error!r}") from None
        if response.is_success or (accept_not_found and response.status_code == 404):
            return response
        raise self._api_error(response)

    def _api_error(self, response: httpx.Response) -> ApiError:
        body = _json_or_none(response)
        # Newer versions wrap the error as {"error": {...}}; older ones send it bare.
        error = body.get("error", body) if isinstance(body, dict) else None
        parsed = (
            self._error_model.from_wire(body)
            if self._error_model and isinstance(body, dict)
            else None
        )
        code = response.headers.get("x-ms-error-code") or (
            error.get("code") if isinstance(error, dict) else None
        )
        message = (
            (error.get("message") if isinstance(error, dict) else None)
            or response.reason_phrase
            or "error"
        )
        return error_class(response.status_code)(
            response.status_code,
            str(message),
            error_code=code,
            request_id=response.headers.get("x-ms-request-id")
            or response.headers.get("x-request-id"),
            error=parsed,
        )


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json() if response.content else None
    except (json.JSONDecodeError, UnicodeDecodeError):
        return None


def redact(url: str) -> str:
    """A URL fit for logs: access tokens in the query are replaced."""
    head, separator, query = url.partition("?")
    if not separator:
        return url
    parts = [
        (
            f"{name}=REDACTED"
            if name.lower() in ("access_token", "accesskey", "sig")
            else f"{name}={value}"
        )
        for name, _, value in (pair.partition("=") for pair in query.split("&"))
    ]
    return f"{head}?{'&'.join(parts)}"


class Pipeline(_PipelineBase):
    """Sends requests with a pooled httpx.Client. Thread-safe; reuse one per application."""

    def __init__(
        self,
        endpoint: str,
        credential: Credential,
        *,
        transport: httpx.BaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        **options: Any,
    ) -> None:
        super().__init__(endpoint, **options)
        self.credential = credential
        self._client = httpx.Client(transport=transport, timeout=timeout)

    def send(
        self, request: Request, *, accept_not_found: bool = False, url: str | None = None
    ) -> httpx.Response:
        target = url or self.url(request)
        attempt = 0
        while True:
            response: httpx.Response | None = None
            error: httpx.TransportError | None = None
            try:
                sent = self._build(self._client, request, target, self._authorization(target))
                response = self._client.send(sent)
            except httpx.TransportError as caught:
                error = caught
            delay = self._next_delay(request, target, attempt, response, error)
            if delay is None:
                return self._outcome(request, target, response, error, accept_not_found)
            time.sleep(delay)
            attempt += 1

    def _authorization(self, url: str) -> str:
        if isinstance(self.credential, AccessKey):
            return self._access_key_authorization(self.credential, url)
        token = self._token_cache.current()
        if token is None:
            token = self._token_cache.store(self.credential.get_token(self._scope))
        return f"Bearer {token}"

    def close(self) -> None:
        self._client.close()


class AsyncPipeline(_PipelineBase):
    """Sends requests with a pooled httpx.AsyncClient. Safe to share between tasks."""

    def __init__(
        self,
        endpoint: str,
        credential: AsyncCredential,
        *,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: httpx.Timeout | float = DEFAULT_TIMEOUT,
        **options: Any,
    ) -> None:
        super().__init__(endpoint, **options)
        self.credential = credential
        self._client = httpx.AsyncClient(transport=transport, timeout=timeout)

    async def send(
        self, request: Request, *, accept_not_found: bool = False, url: str | None = None
    ) -> httpx.Response:
        target = url or self.url(request)
        attempt = 0
        while True:
            response: httpx.Response | None = None
            error: httpx.TransportError | None = None
            try:
                sent = self._build(self._client, request, target, await self._authorization(target))
                response = await self._client.send(sent)
            except httpx.TransportError as caught:
                error = caught
            delay = self._next_delay(request, target, attempt, response, error)
            if delay is None:
                return self._outcome(request, target, response, error, accept_not_found)
            # Imported here, not at the top: importing asyncio costs every sync user ~30 ms.
            import asyncio

            await asyncio.sleep(delay)
            attempt += 1

    async def _authorization(self, url: str) -> str:
        if isinstance(self.credential, AccessKey):
            return self._access_key_authorization(self.credential, url)
        token = self._token_cache.current()
        if token is None:
            token = self._token_cache.store(await self.credential.get_token(self._scope))
        return f"Bearer {token}"

    async def close(self) -> None:
        await self._client.aclose()
