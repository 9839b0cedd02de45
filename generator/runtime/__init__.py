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
    NotFoundError,
    RealtimeRestError,
    ServiceError,
    ThrottledError,
    TransportError,
)
from realtime_rest._runtime.pipeline import NO_RETRIES, RetryPolicy

__all__ = [
    "AccessKey",
    "AccessToken",
    "ApiError",
    "AsyncTokenCredential",
    "AuthenticationError",
    "BadRequestError",
    "ConnectionStringError",
    "NO_RETRIES",
    "NotFoundError",
    "RealtimeRestError",
    "RetryPolicy",
    "ServiceError",
    "ThrottledError",
    "TokenCredential",
    "TransportError",
]
