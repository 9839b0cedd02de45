"""Options every generated method takes per call, keyword-only: ``client.send_to_all(m, timeout=5)``,
and the defaults of the client-wide options they override."""

from __future__ import annotations

import logging
import math
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, TypedDict

if sys.version_info >= (3, 11):
    from typing import Unpack
else:  # pragma: no cover - Python 3.10
    from typing_extensions import Unpack

if TYPE_CHECKING:
    from realtime_rest._runtime.endpoints import Endpoint
    from realtime_rest._runtime.pipeline import RetryPolicy
    from realtime_rest._runtime.transport import AsyncTransport, Response, SyncTransport

__all__ = ["AsyncClientOptions", "CallOptions", "ClientOptions", "Unpack"]

# Seconds a call may take in all, retries and their waits included (the client's ``timeout``).
DEFAULT_CALL_TIMEOUT = 60.0
# Seconds each attempt may take to connect, and to wait for each read or write.
DEFAULT_CONNECTION_TIMEOUT = 10.0
DEFAULT_READ_TIMEOUT = 30.0
# The package's logger: one INFO line per request sent, one WARNING per retry, never a secret.
LOGGER = logging.getLogger("realtime_rest")


class CallOptions(TypedDict, total=False):
    """Per-call options.

    :ivar timeout: seconds the call may take in all, retries and their waits included; the
        client's ``timeout`` (60 seconds unless given) otherwise. A paged call applies it to each
        page.
    :ivar headers: extra request headers. ``Authorization``, ``Host``, ``Content-Length`` and
        ``Transfer-Encoding`` are the client's own and are refused, as are names or values that
        HTTP does not allow.
    :ivar raw_response_hook: called with the final response of the call (of each page of a paged
        call), error responses included, before its result or error is made from it.
    """

    timeout: float
    headers: Mapping[str, str]
    raw_response_hook: Callable[[Response], None]


class _SharedClientOptions(TypedDict, total=False):
    timeout: float
    connection_timeout: float
    read_timeout: float
    retry_policy: RetryPolicy
    logger: logging.Logger
    reverse_proxy_endpoint: str | Endpoint | None
    client_endpoint: str | Endpoint | None
    max_pages: int
    max_response_bytes: int
    allow_http_credentials: bool


class ClientOptions(_SharedClientOptions, total=False):
    """The keyword options of a synchronous client's constructor, which
    ``from_connection_string`` takes too; their meaning and defaults are the constructor's."""

    transport: SyncTransport | None


class AsyncClientOptions(_SharedClientOptions, total=False):
    """The keyword options of an asynchronous client's constructor; see ClientOptions."""

    transport: AsyncTransport | None


def check_seconds(name: str, value: object) -> float:
    """A duration option as a float; TypeError or ValueError naming the option otherwise."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number of seconds, not {type(value).__name__}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number of seconds above 0, not {value!r}")
    return float(value)
