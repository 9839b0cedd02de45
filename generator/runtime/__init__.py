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
    ConnectionStringError,
    InsecureConnectionWarning,
    NotFoundError,
    RealtimeRestError,
    ServiceError,
    ThrottledError,
    TransportError,
    UnexpectedResponseError,
    WireFormatError,
)
from realtime_rest._runtime.options import CallOptions
from realtime_rest._runtime.pipeline import NO_RETRIES, RetryPolicy
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
    "AsyncTokenCredential",
    "AttemptError",
    "AuthenticationError",
    "BadRequestError",
    "CallOptions",
    "ConnectionStringError",
    "InsecureConnectionWarning",
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
    "ThrottledError",
    "Timeout",
    "TokenCredential",
    "TransportError",
    "UnexpectedResponseError",
    "WireFormatError",
]
