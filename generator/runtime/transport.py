"""What the pipeline and a transport exchange, and the test seam.

A transport takes one attempt of a request (an Outgoing) and returns the package's own Response,
or raises AttemptError. The defaults are small adapters: urllib3 for the sync clients
(http_urllib3.py) and aiohttp for the async ones (http_aiohttp.py), each imported only when a
client of its flavour is made. MockTransport answers from a function instead, for tests.
Bodies are read up to a limit, never whole.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping
from http import HTTPStatus
from typing import Any, Protocol

from realtime_rest._runtime.records import field, record

# Responses are read up to this many bytes; the rest is not read (see Response.truncated).
DEFAULT_MAX_RESPONSE_BYTES = 8 * 1024 * 1024


@record
class Timeout:
    """Per attempt: seconds to connect (a free connection of the pool included), and to wait for
    each read of the answer; each is capped by what is left of the call's deadline (the retry
    policy's ``deadline``, or the call's ``timeout``), which no attempt outlasts."""

    read: float = 30.0
    connect: float = 10.0

    @classmethod
    def of(cls, value: Timeout | float) -> Timeout:
        """A Timeout as given, or one of the same seconds for everything."""
        return value if isinstance(value, Timeout) else cls(read=value, connect=value)


DEFAULT_TIMEOUT = Timeout()


@record
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


@record
class Outgoing:
    """One attempt of a request, as the pipeline hands it to a transport."""

    method: str
    url: str
    headers: dict[str, str]
    content: bytes | None
    deadline: float  # time.monotonic() by which the attempt must be over
    max_bytes: int  # of the response body to read


class SyncTransport(Protocol):
    """What a sync client sends with: one attempt at a time, from any thread."""

    def send(self, request: Outgoing) -> Response: ...

    def close(self) -> None: ...


class AsyncTransport(Protocol):
    """What an async client sends with: one attempt at a time, from any task of one event loop."""

    async def send_async(self, request: Outgoing) -> Response: ...

    async def aclose(self) -> None: ...


def remaining(out: Outgoing, limit: float) -> float:
    """Seconds an attempt may wait now: ``limit``, capped by what is left of the deadline."""
    return max(min(limit, out.deadline - time.monotonic()), 0.001)


class BodyReader:
    """Collects a body chunk by chunk up to a limit and within the deadline."""

    __slots__ = ("chunks", "room", "deadline", "truncated")

    def __init__(self, out: Outgoing) -> None:
        self.chunks: list[bytes] = []
        self.room = out.max_bytes
        self.deadline = out.deadline
        self.truncated = False

    def add(self, chunk: bytes) -> bool:
        """Keep a chunk; False once the limit is reached and reading should stop."""
        if time.monotonic() > self.deadline:
            raise AttemptError(
                "ReadTimeout: the call's deadline passed while reading the body",
                may_have_arrived=True,
                transient=True,
            )
        if len(chunk) > self.room:
            self.chunks.append(chunk[: self.room])
            self.truncated = True
            return False
        self.chunks.append(chunk)
        self.room -= len(chunk)
        return True

    def response(
        self, out: Outgoing, status: int, reason: str, headers: Mapping[str, str]
    ) -> Response:
        content = b"".join(self.chunks) if len(self.chunks) != 1 else self.chunks[0]
        return Response(out.method, out.url, status, reason, headers, content, self.truncated)


# --- the test seam -------------------------------------------------------------------------------


@record
class Reply:
    """What a MockTransport's handler answers: a status, headers and a body."""

    status: int
    content: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def with_json(cls, status: int, value: Any, headers: Mapping[str, str] | None = None) -> Reply:
        """A reply whose body is ``value`` as JSON, with its content type."""
        return cls(
            status,
            json.dumps(value).encode(),
            {"content-type": "application/json", **(headers or {})},
        )


@record
class MockRequest:
    """An attempt as a MockTransport's handler sees it.

    :ivar headers: the request headers, names in lower case.
    :ivar content: the body; empty when there is none.
    """

    method: str
    url: str
    headers: Mapping[str, str]
    content: bytes

    @property
    def target(self) -> str:
        """The path and query exactly as sent."""
        after_scheme = self.url.partition("://")[2]
        return "/" + after_scheme.partition("/")[2]


Handler = Callable[[MockRequest], Reply]


class MockTransport:
    """Answers every attempt by calling ``handler(request)``, without a network; serves sync and
    async clients alike: ``Client(..., transport=MockTransport(handler))``.

    The handler sees each attempt as it would be sent (method, URL, headers, body) and returns a
    Reply, or raises AttemptError to stand for a failure of the connection. The reply's body is
    read up to the client's limit, as a real transport reads it.
    """

    def __init__(self, handler: Handler) -> None:
        self._handler = handler

    def send(self, request: Outgoing) -> Response:
        headers = {name.lower(): value for name, value in request.headers.items()}
        reply = self._handler(
            MockRequest(request.method, request.url, headers, request.content or b"")
        )
        body = BodyReader(request)
        body.add(reply.content)
        answered = {name.lower(): value for name, value in reply.headers.items()}
        return body.response(request, reply.status, _reason(reply.status), answered)

    async def send_async(self, request: Outgoing) -> Response:
        return self.send(request)

    def close(self) -> None:
        pass

    async def aclose(self) -> None:
        pass


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""
