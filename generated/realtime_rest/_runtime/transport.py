"""The HTTP library, behind one small adapter for sync and one for async.

Everything else in the package works on the Response and AttemptError below, so that another HTTP
library is one more adapter here. Bodies are streamed and read up to a limit, never whole.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

# Per attempt: connecting, and each read or write, capped by what is left of the call's deadline.
DEFAULT_TIMEOUT = httpx.Timeout(30.0, connect=10.0)
# Responses are read up to this many bytes; the rest is not read (see Response.truncated).
DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024


@dataclass(frozen=True)
class Response:
    """A response as the package sees it.

    :ivar headers: the response headers, names in lower case.
    :ivar content: the body, or its first ``max_response_bytes`` when ``truncated``.
    """

    method: str
    url: str
    status: int
    reason: str
    headers: Mapping[str, str]
    content: bytes
    truncated: bool = False

    @property
    def request_id(self) -> str | None:
        return self.headers.get("x-ms-request-id") or self.headers.get("x-request-id")

    @property
    def is_success(self) -> bool:
        return 200 <= self.status < 300

    def json(self) -> Any:
        """The body as JSON; ValueError when it is not JSON or was cut short."""
        if self.truncated:
            raise ValueError("the body is larger than the client reads")
        return json.loads(self.content)


class AttemptError(Exception):
    """An attempt that got no response.

    :ivar may_have_arrived: the request may have reached the service (a send may have happened).
    :ivar transient: trying again may succeed; local errors (a request the HTTP library cannot
        send, for example) are not transient.
    """

    def __init__(self, description: str, *, may_have_arrived: bool, transient: bool) -> None:
        super().__init__(description)
        self.may_have_arrived = may_have_arrived
        self.transient = transient


def _attempt_error(error: httpx.TransportError) -> AttemptError:
    description = f"{type(error).__name__}: {error}"
    if isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
        return AttemptError(description, may_have_arrived=False, transient=True)
    if isinstance(error, (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)):
        return AttemptError(description, may_have_arrived=True, transient=True)
    return AttemptError(description, may_have_arrived=False, transient=False)


def _timeout(configured: httpx.Timeout, remaining: float) -> httpx.Timeout:
    def capped(value: float | None) -> float:
        return remaining if value is None else min(value, remaining)

    return httpx.Timeout(
        connect=capped(configured.connect),
        read=capped(configured.read),
        write=capped(configured.write),
        pool=capped(configured.pool),
    )


class _Body:
    """Collects a streamed body up to a limit and within the deadline."""

    def __init__(self, limit: int, deadline: float) -> None:
        self.chunks: list[bytes] = []
        self.size = 0
        self.limit = limit
        self.deadline = deadline
        self.truncated = False

    def add(self, chunk: bytes) -> bool:
        """Keep a chunk; False once the limit is reached and reading should stop."""
        if time.monotonic() > self.deadline:
            raise AttemptError(
                "ReadTimeout: the call's deadline passed while reading the body",
                may_have_arrived=True,
                transient=True,
            )
        room = self.limit - self.size
        self.chunks.append(chunk[:room])
        self.size += min(len(chunk), room)
        if len(chunk) > room:
            self.truncated = True
            return False
        return True

    def response(self, out: Outgoing, sent: httpx.Response) -> Response:
        return Response(
            method=out.method,
            url=out.url,
            status=sent.status_code,
            reason=sent.reason_phrase,
            headers={name.lower(): value for name, value in sent.headers.items()},
            content=b"".join(self.chunks),
            truncated=self.truncated,
        )


@dataclass(frozen=True)
class Outgoing:
    """One attempt of a request, as the pipeline hands it to a transport."""

    method: str
    url: str
    headers: dict[str, str]
    content: bytes | None
    deadline: float  # time.monotonic() by which the attempt must be over
    max_bytes: int  # of the response body to read


def _build(client: httpx.Client | httpx.AsyncClient, timeout: httpx.Timeout, out: Outgoing) -> Any:
    remaining = max(out.deadline - time.monotonic(), 0.001)
    return client.build_request(
        out.method,
        out.url,
        content=out.content,
        headers=out.headers,
        timeout=_timeout(timeout, remaining),
    )


class SyncTransport:
    def __init__(
        self, transport: httpx.BaseTransport | None, timeout: httpx.Timeout | float
    ) -> None:
        self._timeout = httpx.Timeout(timeout)
        self._client = httpx.Client(transport=transport, timeout=self._timeout)

    def send(self, out: Outgoing) -> Response:
        body = _Body(out.max_bytes, out.deadline)
        try:
            sent = self._client.send(_build(self._client, self._timeout, out), stream=True)
            try:
                for chunk in sent.iter_bytes():
                    if not body.add(chunk):
                        break
            finally:
                sent.close()
        except httpx.TransportError as error:
            raise _attempt_error(error) from None
        return body.response(out, sent)

    def close(self) -> None:
        self._client.close()


class AsyncTransport:
    def __init__(
        self, transport: httpx.AsyncBaseTransport | None, timeout: httpx.Timeout | float
    ) -> None:
        self._timeout = httpx.Timeout(timeout)
        self._client = httpx.AsyncClient(transport=transport, timeout=self._timeout)

    async def send(self, out: Outgoing) -> Response:
        body = _Body(out.max_bytes, out.deadline)
        try:
            sent = await self._client.send(_build(self._client, self._timeout, out), stream=True)
            try:
                async for chunk in sent.aiter_bytes():
                    if not body.add(chunk):
                        break
            finally:
                await sent.aclose()
        except httpx.TransportError as error:
            raise _attempt_error(error) from None
        return body.response(out, sent)

    async def close(self) -> None:
        await self._client.aclose()
