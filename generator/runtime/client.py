"""What every generated client shares: construction, connection strings, closing, repr.

The options of a client are keyword arguments of its constructor, typed and with their defaults
in the signature; ``from_connection_string`` takes the same ones (``ClientOptions``).
"""

from __future__ import annotations

import logging
from typing import Any, ClassVar, TypeVar

from realtime_rest._runtime.auth import AsyncCredential, ConnectionString, Credential
from realtime_rest._runtime.endpoints import Endpoint
from realtime_rest._runtime.options import (
    DEFAULT_CALL_TIMEOUT,
    DEFAULT_CONNECTION_TIMEOUT,
    DEFAULT_READ_TIMEOUT,
    LOGGER,
    AsyncClientOptions,
    ClientOptions,
    Unpack,
    check_seconds,
)
from realtime_rest._runtime.pipeline import (
    DEFAULT_MAX_PAGES,
    AsyncPipeline,
    ErrorModel,
    Pipeline,
    RetryPolicy,
    _PipelineBase,
)
from realtime_rest._runtime.request import check_string
from realtime_rest._runtime.transport import (
    DEFAULT_MAX_RESPONSE_BYTES,
    AsyncTransport,
    SyncTransport,
    Timeout,
)
from realtime_rest._version import __version__

ClientT = TypeVar("ClientT", bound="BaseClient")
AsyncClientT = TypeVar("AsyncClientT", bound="AsyncBaseClient")
USER_AGENT = f"realtime-rest-clients/{__version__}"
DEFAULT_RETRY_POLICY = RetryPolicy()


class _ClientCore:
    """The per-version facts a generated client declares, and what the sync and async share."""

    API_VERSION: ClassVar[str | None]
    _scope: ClassVar[str]
    _hub_pattern: ClassVar[str | None]
    _error_model: ClassVar[type[ErrorModel] | None]
    _audience_includes_query: ClassVar[bool]
    _hub: str
    _client_endpoint: str  # where end clients connect; the endpoint unless told otherwise
    _pipeline: _PipelineBase

    @property
    def hub(self) -> str:
        return self._hub

    @property
    def endpoint(self) -> str:
        return str(self._pipeline.endpoint)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(endpoint={self.endpoint!r}, hub={self._hub!r})"

    def _bind_hub(self, hub: str) -> str:
        check_string("hub", hub, required=True, segment=True, pattern=self._hub_pattern)
        return hub

    def _bind_client_endpoint(self, client_endpoint: str | Endpoint | None) -> None:
        if client_endpoint is None:
            self._client_endpoint = self.endpoint
        else:
            self._client_endpoint = str(Endpoint.parse(client_endpoint, "client_endpoint"))

    def _pipeline_options(
        self,
        timeout: float,
        connection_timeout: float,
        read_timeout: float,
        retry_policy: RetryPolicy,
        logger: logging.Logger,
        reverse_proxy_endpoint: str | Endpoint | None,
        max_pages: int,
        max_response_bytes: int,
        allow_http_credentials: bool,
    ) -> dict[str, Any]:
        """The pipeline's keyword arguments, each option checked and named when it is wrong."""
        if not isinstance(retry_policy, RetryPolicy):
            raise TypeError(
                f"retry_policy must be a RetryPolicy, not {type(retry_policy).__name__}"
            )
        if not isinstance(logger, logging.Logger):
            raise TypeError(f"logger must be a logging.Logger, not {type(logger).__name__}")
        return {
            "error_model": self._error_model,
            "audience_includes_query": self._audience_includes_query,
            "call_timeout": check_seconds("timeout", timeout),
            "timeout": _attempt_timeout(connection_timeout, read_timeout),
            "retry_policy": retry_policy,
            "logger": logger,
            "reverse_proxy_endpoint": reverse_proxy_endpoint,
            "scope": self._scope,
            "user_agent": USER_AGENT,
            "max_pages": max_pages,
            "max_response_bytes": max_response_bytes,
            "allow_http_credentials": allow_http_credentials,
        }


def _attempt_timeout(connection_timeout: float, read_timeout: float) -> Timeout:
    """The timeouts of one attempt: connecting (a pooled connection included), and each read."""
    return Timeout(
        read=check_seconds("read_timeout", read_timeout),
        connect=check_seconds("connection_timeout", connection_timeout),
    )


class BaseClient(_ClientCore):
    _pipeline: Pipeline

    def __init__(
        self,
        endpoint: str | Endpoint,
        credential: Credential,
        *,
        hub: str,
        timeout: float = DEFAULT_CALL_TIMEOUT,
        connection_timeout: float = DEFAULT_CONNECTION_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        retry_policy: RetryPolicy = DEFAULT_RETRY_POLICY,
        transport: SyncTransport | None = None,
        logger: logging.Logger = LOGGER,
        reverse_proxy_endpoint: str | Endpoint | None = None,
        client_endpoint: str | Endpoint | None = None,
        max_pages: int = DEFAULT_MAX_PAGES,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        allow_http_credentials: bool = False,
    ) -> None:
        """
        :param endpoint: the service endpoint, for example ``https://contoso.webpubsub.azure.com``.
        :param credential: an :class:`AccessKey`, or a synchronous Microsoft Entra ID credential
            (:class:`TokenCredential`: any object with ``get_token``, such as azure-identity's).
        :param hub: the hub every call of this client addresses.
        :param timeout: seconds each call may take in all, retries and their waits included (60
            unless given); the per-call ``timeout`` option overrides it.
        :param connection_timeout: seconds each attempt may take to connect (10 unless given). A
            send whose connection timed out never reached the service, so it is retried.
        :param read_timeout: seconds each attempt may wait for each read or write (30 unless
            given). A send whose answer timed out may have been delivered: it is not retried.
        :param retry_policy: how failed requests are retried (3 retries, exponential backoff
            from 0.5 s with jitter, ``Retry-After`` honoured up to 30 s, unless given);
            ``NO_RETRIES`` switches retries off.
        :param transport: what sends the requests: urllib3's pooled, kept-alive connections
            unless given; :class:`MockTransport` in tests. A given transport keeps its own
            timeouts.
        :param logger: where requests are logged (the ``realtime_rest`` logger unless given): one
            INFO line per request sent (method, URL, status, duration, request ids), one
            WARNING per retry (its delay and reason). Tokens and keys never appear in them.
        :param reverse_proxy_endpoint: send requests there instead (an API gateway); tokens still
            name the service endpoint.
        :param client_endpoint: where end clients connect, when it is not the endpoint.
        :param max_pages: a paged call stops with UnexpectedResponseError after this many pages
            (1000 unless given), so that a service repeating next links cannot loop it forever.
        :param max_response_bytes: the most of a response body that is read (8 MiB unless
            given); a longer body is cut off, and is an UnexpectedResponseError where a result is
            read from it.
        :param allow_http_credentials: send Microsoft Entra ID tokens over plain ``http://`` to a
            host that is not loopback (refused otherwise), and access-key tokens without the
            warning given otherwise.

        Endpoints are ``http(s)://host[:port][/path]``; anything else raises ValueError. An
        option of the wrong type raises TypeError, a duration that is not above 0 ValueError.
        """
        self._hub = self._bind_hub(hub)
        options = self._pipeline_options(
            timeout,
            connection_timeout,
            read_timeout,
            retry_policy,
            logger,
            reverse_proxy_endpoint,
            max_pages,
            max_response_bytes,
            allow_http_credentials,
        )
        self._pipeline = Pipeline(endpoint, credential, transport=transport, **options)
        self._bind_client_endpoint(client_endpoint)

    @classmethod
    def from_connection_string(
        cls: type[ClientT], connection_string: str, *, hub: str, **options: Unpack[ClientOptions]
    ) -> ClientT:
        """A client from a connection string: ``Endpoint=...;AccessKey=...;Version=1.0;``.

        REST calls go to ``ServerEndpoint`` when the string has one, else to ``Endpoint``; end
        clients are sent to ``ClientEndpoint`` when it has one, else to ``Endpoint``. The
        options are the constructor's.
        """
        parsed = ConnectionString.parse(connection_string)
        options.setdefault("client_endpoint", parsed.client_endpoint)
        return cls(parsed.endpoint, parsed.access_key, hub=hub, **options)

    def close(self) -> None:
        """Close the connections; later calls raise ClientClosedError."""
        self._pipeline.close()

    def __enter__(self: ClientT) -> ClientT:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


class AsyncBaseClient(_ClientCore):
    _pipeline: AsyncPipeline

    def __init__(
        self,
        endpoint: str | Endpoint,
        credential: AsyncCredential,
        *,
        hub: str,
        timeout: float = DEFAULT_CALL_TIMEOUT,
        connection_timeout: float = DEFAULT_CONNECTION_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        retry_policy: RetryPolicy = DEFAULT_RETRY_POLICY,
        transport: AsyncTransport | None = None,
        logger: logging.Logger = LOGGER,
        reverse_proxy_endpoint: str | Endpoint | None = None,
        client_endpoint: str | Endpoint | None = None,
        max_pages: int = DEFAULT_MAX_PAGES,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        allow_http_credentials: bool = False,
    ) -> None:
        """The same options as the synchronous client, with an async ``transport`` (aiohttp's
        pooled connections unless given) and an :class:`AccessKey` or an asynchronous Microsoft
        Entra ID credential (:class:`AsyncTokenCredential`, such as azure-identity's
        ``azure.identity.aio`` ones), whose ``get_token`` is awaited."""
        self._hub = self._bind_hub(hub)
        options = self._pipeline_options(
            timeout,
            connection_timeout,
            read_timeout,
            retry_policy,
            logger,
            reverse_proxy_endpoint,
            max_pages,
            max_response_bytes,
            allow_http_credentials,
        )
        self._pipeline = AsyncPipeline(endpoint, credential, transport=transport, **options)
        self._bind_client_endpoint(client_endpoint)

    @classmethod
    def from_connection_string(
        cls: type[AsyncClientT],
        connection_string: str,
        *,
        hub: str,
        **options: Unpack[AsyncClientOptions],
    ) -> AsyncClientT:
        """An async client from a connection string; see the synchronous client."""
        parsed = ConnectionString.parse(connection_string)
        options.setdefault("client_endpoint", parsed.client_endpoint)
        return cls(parsed.endpoint, parsed.access_key, hub=hub, **options)

    async def close(self) -> None:
        """Close the connections; later calls raise ClientClosedError."""
        await self._pipeline.close()

    async def __aenter__(self: AsyncClientT) -> AsyncClientT:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
