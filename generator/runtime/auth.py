"""Credentials: access keys (signed JWTs), Microsoft Entra ID tokens, connection strings."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from dataclasses import dataclass
from typing import Any, NamedTuple, Protocol, Union
from urllib.parse import urlsplit

from realtime_rest._runtime.errors import ConnectionStringError

# Tokens for the service's REST API live this long; a new one is signed for every request.
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


class TokenCredential(Protocol):
    """Any Microsoft Entra ID credential with azure-identity's synchronous get_token."""

    def get_token(self, *scopes: str, **kwargs: Any) -> Any: ...


class AsyncTokenCredential(Protocol):
    """Any Microsoft Entra ID credential with azure-identity's asynchronous get_token."""

    async def get_token(self, *scopes: str, **kwargs: Any) -> Any: ...


Credential = Union[AccessKey, TokenCredential]
AsyncCredential = Union[AccessKey, AsyncTokenCredential]


class TokenCache:
    """Holds the last Entra ID token until shortly before it expires. Thread-safe."""

    def __init__(self) -> None:
        self._token: Any = None
        self._lock = threading.Lock()

    def current(self) -> str | None:
        with self._lock:
            token = self._token
        if token is None or token.expires_on - TOKEN_REFRESH_MARGIN_SECONDS <= time.time():
            return None
        return str(token.token)

    def store(self, token: Any) -> str:
        with self._lock:
            self._token = token
        return str(token.token)


@dataclass(frozen=True)
class ConnectionString:
    """The parts of ``Endpoint=...;AccessKey=...;Version=1.0;``.

    Optional parts: ``Port=``, ``ClientEndpoint=`` and ``ServerEndpoint=`` (where the REST API is
    reached when it differs from the endpoint clients use).
    """

    endpoint: str
    access_key: AccessKey
    client_endpoint: str | None = None

    @classmethod
    def parse(cls, text: str) -> ConnectionString:
        fields: dict[str, str] = {}
        for position, part in enumerate(text.split(";"), start=1):
            if not part.strip():
                continue
            name, separator, value = part.partition("=")
            if not separator:
                # The segment is not echoed: it may be the key itself.
                raise ConnectionStringError(
                    f"malformed connection string: segment {position} has no '='"
                )
            fields[name.strip().lower()] = value.strip()
        for required, name in (("endpoint", "Endpoint"), ("accesskey", "AccessKey")):
            if not fields.get(required):
                raise ConnectionStringError(f"malformed connection string: {name} is missing")
        version = fields.get("version", "1.0")
        if version != "1.0":
            raise ConnectionStringError(
                f"unsupported connection string Version {version!r}; expected 1.0"
            )
        endpoint = _with_port(
            fields.get("serverendpoint") or fields["endpoint"], fields.get("port")
        )
        client_endpoint = fields.get("clientendpoint")
        return cls(endpoint, AccessKey(fields["accesskey"]), client_endpoint or None)


def _with_port(endpoint: str, port: str | None) -> str:
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConnectionStringError(
            f"malformed connection string: Endpoint {endpoint!r} is not an http(s) URL"
        )
    if port is not None:
        if not port.isdigit() or not 0 < int(port) < 65536:
            raise ConnectionStringError(
                f"malformed connection string: Port {port!r} is not a port number"
            )
        return f"{parts.scheme}://{parts.hostname}:{port}"
    return endpoint.rstrip("/")
