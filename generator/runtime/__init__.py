"""The runtime shared by every generated client: transport, authentication, errors and paging."""

from realtime_rest._runtime.auth import (
    AccessKey,
    AccessToken,
    AsyncTokenCredential,
    TokenCredential,
)
from realtime_rest._runtime.errors import (
    ApiError,
    AuthenticationError,
    BadRequestError,
    ClientClosedError,
    ConnectionStringError,
    InsecureConnectionWarning,
    NotFoundError,
    RealtimeRestError,
    ServiceError,
    ServiceErrorDetail,
    ThrottledError,
    TransportError,
    UnexpectedResponseError,
    WireFormatError,
)
from realtime_rest._runtime.options import AsyncClientOptions, CallOptions, ClientOptions
from realtime_rest._runtime.pipeline import NO_RETRIES, RetryPolicy
from realtime_rest._runtime.responses import AsyncItemPaged, ItemPaged
from realtime_rest._runtime.transport import Response

__all__ = [
    "AccessKey",
    "AccessToken",
    "ApiError",
    "AsyncClientOptions",
    "AsyncItemPaged",
    "AsyncTokenCredential",
    "AuthenticationError",
    "BadRequestError",
    "CallOptions",
    "ClientClosedError",
    "ClientOptions",
    "ConnectionStringError",
    "InsecureConnectionWarning",
    "ItemPaged",
    "NO_RETRIES",
    "NotFoundError",
    "RealtimeRestError",
    "Response",
    "RetryPolicy",
    "ServiceError",
    "ServiceErrorDetail",
    "ThrottledError",
    "TokenCredential",
    "TransportError",
    "UnexpectedResponseError",
    "WireFormatError",
]
