"""The async clients' default transport: aiohttp, one pooled session, kept alive."""

from __future__ import annotations

import asyncio
import time

import aiohttp
from yarl import URL

from realtime_rest._runtime.transport import (
    AttemptError,
    BodyReader,
    Outgoing,
    Response,
    Timeout,
    remaining,
)

# Connections kept open in all (aiohttp's default).
POOL_SIZE = 100


class AiohttpTransport:
    """Sends with aiohttp. Redirects are not followed: the pipeline decides."""

    def __init__(self, timeout: Timeout | float) -> None:
        self._timeout = Timeout.of(timeout)
        self._default_timeout = aiohttp.ClientTimeout(
            connect=self._timeout.connect, sock_read=self._timeout.read
        )
        # Made at the first send: aiohttp wants a session made inside its event loop.
        self._session: aiohttp.ClientSession | None = None

    async def send_async(self, request: Outgoing) -> Response:
        session = self._session or self._new_session()
        body = BodyReader(request)
        try:
            async with session.request(
                request.method,
                URL(request.url, encoded=True),  # as the pipeline encoded it, not normalized
                data=request.content,
                headers=request.headers,
                allow_redirects=False,
                timeout=self._attempt_timeout(request),
            ) as sent:
                while chunk := await sent.content.readany():
                    if not body.add(chunk):
                        sent.close()  # the rest is never read: the connection is not reused
                        break
                headers = {name.lower(): value for name, value in sent.headers.items()}
                return body.response(request, sent.status, sent.reason or "", headers)
        except (aiohttp.ClientError, asyncio.TimeoutError) as error:
            raise _attempt_error(error) from None

    def _attempt_timeout(self, request: Outgoing) -> aiohttp.ClientTimeout:
        """The configured timeouts, capped by what is left of the deadline. Connecting (a pool
        slot included) then waiting for the answer fit in it either way; the body's reading is
        held to it by BodyReader."""
        if request.deadline - time.monotonic() > self._timeout.connect + self._timeout.read:
            return self._default_timeout  # the common case, made once
        return aiohttp.ClientTimeout(
            total=remaining(request, float("inf")),
            connect=remaining(request, self._timeout.connect),
            sock_read=remaining(request, self._timeout.read),
        )

    def _new_session(self) -> aiohttp.ClientSession:
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=POOL_SIZE),
            cookie_jar=aiohttp.DummyCookieJar(),  # a client of an API keeps no cookies
        )
        return self._session

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()


def _attempt_error(error: Exception) -> AttemptError:
    description = f"{_name(error)}: {_detail(error)}"
    if isinstance(
        error,
        (
            aiohttp.ClientConnectorError,
            aiohttp.ConnectionTimeoutError,
            aiohttp.ServerFingerprintMismatch,
        ),
    ):
        return AttemptError(description, may_have_arrived=False, transient=True)
    if isinstance(
        error,
        (
            aiohttp.ClientConnectionError,
            aiohttp.ClientPayloadError,
            aiohttp.ClientResponseError,
            asyncio.TimeoutError,
        ),
    ):
        return AttemptError(description, may_have_arrived=True, transient=True)
    return AttemptError(description, may_have_arrived=False, transient=False)


def _detail(error: Exception) -> str:
    """What went wrong, without the URL that some of aiohttp's messages show (its query may
    carry a secret)."""
    if isinstance(error, aiohttp.ClientResponseError):
        return error.message
    if isinstance(error, aiohttp.InvalidURL):
        return "the URL is not valid"
    return str(error)


def _name(error: Exception) -> str:
    """The kind of failure, named as the other transports name it."""
    if isinstance(error, aiohttp.ConnectionTimeoutError):
        return "ConnectTimeout"
    if isinstance(error, asyncio.TimeoutError):
        return "ReadTimeout"
    return type(error).__name__
