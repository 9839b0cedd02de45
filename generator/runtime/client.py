"""What every generated client shares: construction, connection strings, closing, repr."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from realtime_rest._runtime.auth import AsyncCredential, ConnectionString, Credential
from realtime_rest._runtime.endpoints import Endpoint
from realtime_rest._runtime.pipeline import (
    DEFAULT_MAX_PAGES,
    AsyncPipeline,
    ErrorModel,
    Pipeline,
    RetryPolicy,
    _PipelineBase,
)
from realtime_rest._runtime.request import check_string
from realtime_rest._runtime.transport import DEFAULT_MAX_RESPONSE_BYTES
from realtime_rest._version import __version__

ClientT = TypeVar("ClientT", bound="_ClientCore")
USER_AGENT = f"realtime-rest-clients/{__version__}"


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

    def __init__(self, endpoint: Any, credential: Any, *, hub: str, **options: Any) -> None:
        raise NotImplementedError  # declared so that from_connection_string can call cls(...)

    @classmethod
    def from_connection_string(
        cls: type[ClientT], connection_string: str, *, hub: str, **options: Any
    ) -> ClientT:
        """A client from a connection string: ``Endpoint=...;AccessKey=...;Version=1.0;``.

        REST calls go to ``ServerEndpoint`` when the string has one, else to ``Endpoint``; end
        clients are sent to ``ClientEndpoint`` when it has one, else to ``Endpoint``.
        """
        parsed = ConnectionString.parse(connection_string)
        options.setdefault("client_endpoint", parsed.client_endpoint)
        return cls(parsed.endpoint, parsed.access_key, hub=hub, **options)

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
        retry_policy: RetryPolicy | None,
        reverse_proxy_endpoint: str | Endpoint | None,
        max_pages: int,
        max_response_bytes: int,
        allow_http_credentials: bool,
    ) -> dict[str, Any]:
        return {
            "error_model": self._error_model,
            "audience_includes_query": self._audience_includes_query,
            "retry_policy": retry_policy or RetryPolicy(),
            "reverse_proxy_endpoint": reverse_proxy_endpoint,
            "scope": self._scope,
            "user_agent": USER_AGENT,
            "max_pages": max_pages,
            "max_response_bytes": max_response_bytes,
            "allow_http_credentials": allow_http_credentials,
        }


class BaseClient(_ClientCore):
    _pipeline: Pipeline

    def __init__(
        self,
        endpoint: str | Endpoint,
        credential: Credential,
        *,
        hub: str,
        retry_policy: RetryPolicy | None = None,
        reverse_proxy_endpoint: str | Endpoint | None = None,
        client_endpoint: str | Endpoint | None = None,
        max_pages: int = DEFAULT_MAX_PAGES,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        allow_http_credentials: bool = False,
        **transport_options: Any,
    ) -> None:
        """
        :param endpoint: the service endpoint, for example ``https://contoso.webpubsub.azure.com``.
        :param credential: an :class:`AccessKey`, or a Microsoft Entra ID credential (any object
            with ``get_token``).
        :param hub: the hub every call of this client addresses.
        :param retry_policy: how failed requests are retried and the deadline of each call
            (60 seconds, 3 retries unless given); ``NO_RETRIES`` switches retries off.
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
        :param transport_options: ``timeout`` per attempt (seconds or a ``Timeout``; 10 s to
            connect, 30 s for each read unless given) and ``transport`` (what sends the requests:
            urllib3 unless given; ``MockTransport`` in tests).

        Endpoints are ``http(s)://host[:port][/path]``; anything else raises ValueError.
        """
        self._hub = self._bind_hub(hub)
        options = self._pipeline_options(
            retry_policy,
            reverse_proxy_endpoint,
            max_pages,
            max_response_bytes,
            allow_http_credentials,
        )
        self._pipeline = Pipeline(endpoint, credential, **options, **transport_options)
        self._bind_client_endpoint(client_endpoint)

    def close(self) -> None:
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
        retry_policy: RetryPolicy | None = None,
        reverse_proxy_endpoint: str | Endpoint | None = None,
        client_endpoint: str | Endpoint | None = None,
        max_pages: int = DEFAULT_MAX_PAGES,
        max_response_bytes: int = DEFAULT_MAX_RESPONSE_BYTES,
        allow_http_credentials: bool = False,
        **transport_options: Any,
    ) -> None:
        """The same options as the synchronous client; the credential's ``get_token`` is awaited."""
        self._hub = self._bind_hub(hub)
        options = self._pipeline_options(
            retry_policy,
            reverse_proxy_endpoint,
            max_pages,
            max_response_bytes,
            allow_http_credentials,
        )
        self._pipeline = AsyncPipeline(endpoint, credential, **options, **transport_options)
        self._bind_client_endpoint(client_endpoint)

    async def close(self) -> None:
        await self._pipeline.close()

    async def __aenter__(self: ClientT) -> ClientT:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
