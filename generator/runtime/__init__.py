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
from realtime_rest._runtime.transport import (
    AttemptError,
    MockRequest,
    MockTransport,
    Outgoing,
    Reply,
    Response,
    Timeout,
)

__all__ = [
    "AccessKey",
    "AccessToken",
    "ApiError",
    "AsyncClientOptions",
    "AsyncItemPaged",
    "AsyncTokenCredential",
    "AttemptError",
    "AuthenticationError",
    "BadRequestError",
    "CallOptions",
    "ClientClosedError",
    "ClientOptions",
    "ConnectionStringError",
    "InsecureConnectionWarning",
    "ItemPaged",
    "MockRequest",
    "MockTransport",
    "NO_RETRIES",
    "NotFoundError",
    "Outgoing",
    "RealtimeRestError",
    "Reply",
    "Response",
    "RetryPolicy",
    "ServiceError",
    "ServiceErrorDetail",
    "ThrottledError",
    "Timeout",
    "TokenCredential",
    "TransportError",
    "UnexpectedResponseError",
    "WireFormatError",
]
