"""Credentials: access keys (signed JWTs), Microsoft Entra ID tokens, connection strings."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Callable
from typing import Any, NamedTuple, Protocol, Union

from realtime_rest._runtime.endpoints import Endpoint
from realtime_rest._runtime.errors import ConnectionStringError
from realtime_rest._runtime.records import record

# Tokens for the service's REST API live this long; each is reused until shortly before then.
ACCESS_TOKEN_LIFETIME_SECONDS = 300
# An Entra ID token is renewed this long before it expires.
TOKEN_REFRESH_MARGIN_SECONDS = 300


class AccessKey:
    """An access key of the resource. Its value is never shown in repr, str or logs."""

    __slots__ = ("_key",)

    def __init__(self, key: str) -> None:
        if not key:
            raise ValueError("the access key is empty")
        self._key = key

    def __repr__(self) -> str:
        return "AccessKey(<redacted>)"

    __str__ = __repr__

    def sign(self, claims: dict[str, Any]) -> str:
        """A compact JWT over the claims, signed HS256 with the key."""
        header = _b64url(json.dumps({"alg": "HS256", "typ": "JWT"}, separators=(",", ":")).encode())
        payload = _b64url(json.dumps(claims, separators=(",", ":")).encode())
        signing_input = f"{header}.{payload}".encode("ascii")
        signature = hmac.new(self._key.encode("utf-8"), signing_input, hashlib.sha256).digest()
        return f"{header}.{payload}.{_b64url(signature)}"

    def token_for(self, audience: str, lifetime: int = ACCESS_TOKEN_LIFETIME_SECONDS) -> str:
        now = int(time.time())
        return self.sign({"aud": audience, "iat": now, "exp": now + lifetime})


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


class AccessToken(NamedTuple):
    """What azure-identity credentials return: a token and its expiry in epoch seconds."""

    token: str
    expires_on: int

    def __repr__(self) -> str:
        return f"AccessToken(token=<redacted>, expires_on={self.expires_on})"


class TokenLike(Protocol):
    """What a credential's get_token returns: azure-core's AccessToken, or this package's."""

    @property
    def token(self) -> str: ...

    @property
    def expires_on(self) -> int: ...


class TokenCredential(Protocol):
    """Any Microsoft Entra ID credential with azure-identity's synchronous get_token.

    Its get_token returns the token itself, so type checkers refuse an asynchronous credential
    (whose get_token returns a coroutine) where this is expected.
    """

    def get_token(self, *scopes: str, **kwargs: Any) -> TokenLike: ...


class AsyncTokenCredential(Protocol):
    """Any Microsoft Entra ID credential with azure-identity's asynchronous get_token
    (``azure.identity.aio``); type checkers refuse a synchronous one where this is expected."""

    async def get_token(self, *scopes: str, **kwargs: Any) -> TokenLike: ...


Credential = Union[AccessKey, TokenCredential]
AsyncCredential = Union[AccessKey, AsyncTokenCredential]


class TokenCache:
    """Holds the last Entra ID token until shortly before it expires. Thread-safe.

    ``get`` is single-flight: while one thread asks the credential, the others wait for its
    answer instead of asking too. The async pipeline does the same with an asyncio lock.
    """

    def __init__(self) -> None:
        self._token: Any = None
        self._lock = threading.Lock()
        self._fetching = threading.Lock()

    def current(self) -> str | None:
        with self._lock:
            token = self._token
        if token is None or token.expires_on - TOKEN_REFRESH_MARGIN_SECONDS <= time.time():
            return None
        return str(token.token)

    def store(self, token: object) -> str:
        if not isinstance(getattr(token, "token", None), str) or not isinstance(
            getattr(token, "expires_on", None), (int, float)
        ):
            raise TypeError(
                "the credential's get_token returned no token with expires_on: an asynchronous "
                "credential needs the asynchronous client"
            )
        with self._lock:
            self._token = token
        return str(getattr(token, "token"))

    def get(self, fetch: Callable[[], object]) -> str:
        """The cached token, else one fetched by exactly one of the threads that need it."""
        token = self.current()
        if token is not None:
            return token
        with self._fetching:
            return self.current() or self.store(fetch())


class AccessKeyTokens:
    """The access key's tokens, signed once per audience and reused until shortly before expiry.

    Bounded: Web PubSub audiences name the whole request URL, so a busy client sees many; the
    oldest is dropped when the cache is full. Thread-safe.
    """

    MAX_AUDIENCES = 1024
    REUSE_MARGIN_SECONDS = 60

    def __init__(self) -> None:
        self._tokens: dict[str, tuple[str, float]] = {}
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"AccessKeyTokens({len(self._tokens)} audiences)"

    def token_for(self, key: AccessKey, audience: str) -> str:
        now = time.time()
        with self._lock:
            cached = self._tokens.get(audience)
        if cached is not None and cached[1] - self.REUSE_MARGIN_SECONDS > now:
            return cached[0]
        token = key.token_for(audience)
        with self._lock:
            if len(self._tokens) >= self.MAX_AUDIENCES:
                self._tokens.pop(next(iter(self._tokens)))
            self._tokens[audience] = (token, now + ACCESS_TOKEN_LIFETIME_SECONDS)
        return token


# The connection string fields this package reads; others (AuthType, ClientId...) are ignored.
_FIELD_NAMES = {
    "endpoint": "Endpoint",
    "accesskey": "AccessKey",
    "version": "Version",
    "port": "Port",
    "clientendpoint": "ClientEndpoint",
    "serverendpoint": "ServerEndpoint",
}


@record
class ConnectionString:
    """The parts of ``Endpoint=...;AccessKey=...;Version=1.0;``.

    Field names are case-insensitive and each may appear once. Optional fields: ``Port=`` (replaces
    the Endpoint's port, keeping its host and path), ``ServerEndpoint=`` (where the REST API is
    reached, when not at the Endpoint) and ``ClientEndpoint=`` (where end clients connect, when
    not at the Endpoint). Errors name the field, never its value.
    """

    endpoint: Endpoint  # where the REST API is called: ServerEndpoint, else Endpoint
    access_key: AccessKey
    client_endpoint: Endpoint  # what end clients are told: ClientEndpoint, else Endpoint

    @classmethod
    def parse(cls, text: str) -> ConnectionString:
        if not isinstance(text, str):
            raise TypeError(f"connection_string must be a str, not {type(text).__name__}")
        fields = _fields(text)
        for required in ("endpoint", "accesskey"):
            if not fields.get(required):
                raise ConnectionStringError(
                    f"malformed connection string: {_FIELD_NAMES[required]} is missing"
                )
        version = fields.get("version", "1.0")
        if version != "1.0":
            raise ConnectionStringError("unsupported connection string Version; expected 1.0")
        endpoint = _field(lambda: Endpoint.parse(fields["endpoint"], "Endpoint"))
        if "port" in fields:
            endpoint = _field(lambda: endpoint.with_port(fields["port"], "Port"))
        return cls(
            endpoint=_optional_endpoint(fields, "serverendpoint") or endpoint,
            access_key=AccessKey(fields["accesskey"]),
            client_endpoint=_optional_endpoint(fields, "clientendpoint") or endpoint,
        )


def _fields(text: str) -> dict[str, str]:
    fields: dict[str, str] = {}
    for position, part in enumerate(text.split(";"), start=1):
        if not part.strip():
            continue
        name, separator, value = part.partition("=")
        name = name.strip().lower()
        if not separator or not name:
            # The segment is not echoed: it may be the key itself.
            raise ConnectionStringError(
                f"malformed connection string: segment {position} is not Name=value"
            )
        if name in fields:
            shown = _FIELD_NAMES.get(name, f"segment {position}'s field")
            raise ConnectionStringError(f"malformed connection string: {shown} appears twice")
        fields[name] = value.strip()
    return fields


def _optional_endpoint(fields: dict[str, str], key: str) -> Endpoint | None:
    """The endpoint in a field, or None when the field is absent or empty."""
    value = fields.get(key)
    if not value:
        return None
    return _field(lambda: Endpoint.parse(value, _FIELD_NAMES[key]))


def _field(parse: Callable[[], Endpoint]) -> Endpoint:
    try:
        return parse()
    except ValueError as error:
        raise ConnectionStringError(f"malformed connection string: {error}") from None
