"""What every generated client shares: construction, connection strings, closing, repr."""

from __future__ import annotations

from typing import Any, ClassVar, TypeVar

from realtime_rest._runtime.auth import AsyncCredential, ConnectionString, Credential
from realtime_rest._runtime.pipeline import (
    AsyncPipeline,
    ErrorModel,
    Pipeline,
    RetryPolicy,
    _PipelineBase,
)
from realtime_rest._runtime.request import check_string
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

    def __init__(self, endpoint: str, credential: Any, *, hub: str, **options: Any) -> None:
        raise NotImplementedError  # declared so that from_connection_string can call cls(...)

    @classmethod
    def from_connection_string(
        cls: type[ClientT], connection_string: str, *, hub: str, **options: Any
    ) -> ClientT:
        """A client from a connection string: ``Endpoint=...;AccessKey=...;Version=1.0;``."""
        parsed = ConnectionString.parse(connection_string)
        if parsed.client_endpoint:
            options.setdefault("client_endpoint", parsed.client_endpoint)
        return cls(parsed.endpoint, parsed.access_key, hub=hub, **options)

    @property
    def hub(self) -> str:
        return self._hub

    @property
    def endpoint(self) -> str:
        return self._pipeline.endpoint

    def __repr__(self) -> str:
        return f"{type(self).__name__}(endpoint={self.endpoint!r}, hub={self._hub!r})"

    def _bind_hub(self, hub: str) -> str:
        check_string("hub", hub, required=True, segment=True, pattern=self._hub_pattern)
        return hub

    def _pipeline_options(
        self, retry_policy: RetryPolicy | None, reverse_proxy_endpoint: str | None
    ) -> dict[str, Any]:
        return {
            "error_model": self._error_model,
            "audience_includes_query": self._audience_includes_query,
            "retry_policy": retry_policy or RetryPolicy(),
            "reverse_proxy_endpoint": reverse_proxy_endpoint,
            "scope": self._scope,
            "user_agent": USER_AGENT,
        }


class BaseClient(_ClientCore):
    _pipeline: Pipeline

    def __init__(
        self,
        endpoint: str,
        credential: Credential,
        *,
        hub: str,
        retry_policy: RetryPolicy | None = None,
        reverse_proxy_endpoint: str | None = None,
        client_endpoint: str | None = None,
        **transport_options: Any,
    ) -> None:
        """
        :param endpoint: the service endpoint, for example ``https://contoso.webpubsub.azure.com``.
        :param credential: an :class:`AccessKey`, or a Microsoft Entra ID credential (any object
            with ``get_token``).
        :param hub: the hub every call of this client addresses.
        :param retry_policy: how failed requests are retried; ``NO_RETRIES`` switches retries off.
        :param reverse_proxy_endpoint: send requests there instead (an API gateway); tokens still
            name the service endpoint.
        :param client_endpoint: where end clients connect, when it is not the endpoint.
        :param transport_options: ``timeout`` (seconds or an ``httpx.Timeout``) and ``transport``
            (an httpx transport).
        """
        self._hub = self._bind_hub(hub)
        self._client_endpoint = client_endpoint or endpoint
        options = self._pipeline_options(retry_policy, reverse_proxy_endpoint)
        self._pipeline = Pipeline(endpoint, credential, **options, **transport_options)

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
        endpoint: str,
        credential: AsyncCredential,
        *,
        hub: str,
        retry_policy: RetryPolicy | None = None,
        reverse_proxy_endpoint: str | None = None,
        client_endpoint: str | None = None,
        **transport_options: Any,
    ) -> None:
        """The same options as the synchronous client; the credential's ``get_token`` is awaited."""
        self._hub = self._bind_hub(hub)
        self._client_endpoint = client_endpoint or endpoint
        options = self._pipeline_options(retry_policy, reverse_proxy_endpoint)
        self._pipeline = AsyncPipeline(endpoint, credential, **options, **transport_options)

    async def close(self) -> None:
        await self._pipeline.close()

    async def __aenter__(self: ClientT) -> ClientT:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()
