"""The sync clients' default transport: urllib3, one connection pool per origin, kept alive."""

from __future__ import annotations

import threading
import time

import urllib3
from urllib3.exceptions import (
    ConnectTimeoutError,
    EmptyPoolError,
    HTTPError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

from realtime_rest._runtime.transport import (
    AttemptError,
    BodyReader,
    Outgoing,
    Response,
    Timeout,
    remaining,
)

# Connections kept open per origin; more threads than this still send, on short-lived connections.
POOL_SIZE = 10
_CHUNK = 64 * 1024


class Urllib3Transport:
    """Sends with urllib3. Thread-safe. Redirects are not followed and urllib3 retries nothing:
    the pipeline decides both."""

    def __init__(self, timeout: Timeout | float) -> None:
        self._timeout = Timeout.of(timeout)
        self._default_timeout = urllib3.Timeout(
            connect=self._timeout.connect, read=self._timeout.read
        )
        self._pools: dict[str, urllib3.HTTPConnectionPool] = {}
        self._lock = threading.Lock()

    def send(self, request: Outgoing) -> Response:
        origin, target = _split(request.url)
        pool = self._pools.get(origin) or self._pool(origin)
        body = BodyReader(request)
        try:
            sent = pool.urlopen(
                request.method,
                target,
                body=request.content,
                headers=request.headers,
                retries=False,
                redirect=False,
                timeout=self._attempt_timeout(request),
                preload_content=False,
                release_conn=False,
            )
            try:
                complete = True
                while sent.length_remaining != 0 and (chunk := sent.read1(_CHUNK)):
                    if not body.add(chunk):
                        complete = False
                        break
            except BaseException:
                sent.close()  # the connection is in an unknown state: never reused
                raise
            if complete:
                sent.release_conn()
            else:
                sent.close()
        except HTTPError as error:
            raise _attempt_error(error) from None
        headers = {name.lower(): value for name, value in sent.headers.items()}
        return body.response(request, sent.status, sent.reason or "", headers)

    def _attempt_timeout(self, request: Outgoing) -> urllib3.Timeout:
        """The configured timeouts, capped by what is left of the deadline."""
        if request.deadline - time.monotonic() > self._timeout.connect + self._timeout.read:
            return self._default_timeout  # the common case, made once
        return urllib3.Timeout(
            connect=remaining(request, self._timeout.connect),
            read=remaining(request, self._timeout.read),
        )

    def _pool(self, origin: str) -> urllib3.HTTPConnectionPool:
        with self._lock:
            pool = self._pools.get(origin)
            if pool is None:
                pool = urllib3.connection_from_url(origin, maxsize=POOL_SIZE, block=False)
                self._pools[origin] = pool
            return pool

    def close(self) -> None:
        with self._lock:
            pools, self._pools = self._pools, {}
        for pool in pools.values():
            pool.close()


def _split(url: str) -> tuple[str, str]:
    """``https://host:port/path?query`` as (``https://host:port``, ``/path?query``)."""
    scheme, _, rest = url.partition("://")
    authority, slash, target = rest.partition("/")
    return f"{scheme}://{authority}", f"{slash}{target}" or "/"


def _attempt_error(error: HTTPError) -> AttemptError:
    description = f"{_name(error)}: {error}"
    # NewConnectionError and NameResolutionError are ConnectTimeoutErrors too.
    if isinstance(error, (ConnectTimeoutError, EmptyPoolError, SSLError)):
        return AttemptError(description, may_have_arrived=False, transient=True)
    if isinstance(error, (ReadTimeoutError, ProtocolError)):
        return AttemptError(description, may_have_arrived=True, transient=True)
    return AttemptError(description, may_have_arrived=False, transient=False)


def _name(error: HTTPError) -> str:
    """The kind of failure, named as the other transports name it."""
    if isinstance(error, ReadTimeoutError):
        return "ReadTimeout"
    if isinstance(error, ConnectTimeoutError) and "timed out" in str(error):
        return "ConnectTimeout"
    return type(error).__name__
