"""Tokens for end clients: Web PubSub client access URLs and SignalR negotiation results.

Signed locally with the access key. Web PubSub clients holding only a Microsoft Entra ID
credential ask the service instead, through the GenerateClientToken operation where their API
version has it.
"""

from __future__ import annotations

import time
from typing import Any, ClassVar, Literal, Sequence
from urllib.parse import quote, urlencode

from realtime_rest._runtime.auth import AccessKey
from realtime_rest._runtime.client import _ClientCore
from realtime_rest._runtime.records import field, record
from realtime_rest._runtime.request import (
    check_integer,
    check_string,
    check_string_array,
)

# The client protocols, spelled as the service's GenerateClientToken operation spells them, so
# that get_client_access_token and generate_client_token take the same values.
ClientProtocol = Literal["Default", "MQTT", "SocketIO"]
# Where each client protocol connects (the service's client endpoints).
_CLIENT_PATHS: dict[ClientProtocol, str] = {
    "Default": "/client/hubs/",
    "MQTT": "/clients/mqtt/hubs/",
    "SocketIO": "/clients/socketio/hubs/",
}


@record
class ClientAccessToken:
    """What an end client needs to connect to Web PubSub. The token never shows in repr."""

    base_url: str
    token: str = field(repr=False)
    url: str = field(repr=False)  # base_url?access_token=...


@record
class Negotiation:
    """A SignalR negotiate response: where the client connects and the token it presents."""

    url: str
    access_token: str = field(repr=False)

    def to_wire(self) -> dict[str, str]:
        """The body a negotiate endpoint returns to SignalR clients."""
        return {"url": self.url, "accessToken": self.access_token}


DEFAULT_MINUTES_TO_EXPIRE = 60


@record
class ClientTokenRequest:
    """What an end client's token is asked to carry, in the service's protocol names."""

    user_id: str | None
    roles: Sequence[str]
    groups: Sequence[str]
    minutes_to_expire: int
    client_protocol: ClientProtocol

    def asked(self) -> frozenset[str]:
        """The fields that differ from what the service assumes when one is left out."""
        asked = {
            "user_id": self.user_id is not None,
            "roles": bool(self.roles),
            "groups": bool(self.groups),
            "minutes_to_expire": self.minutes_to_expire != DEFAULT_MINUTES_TO_EXPIRE,
            "client_protocol": self.client_protocol != "Default",
        }
        return frozenset(name for name, given in asked.items() if given)


class _WebPubSubTokensCore(_ClientCore):
    # The token fields this API version's GenerateClientToken takes; set by the generated client.
    _client_token_fields: ClassVar[frozenset[str]] = frozenset()

    def _local_client_token(self, request: ClientTokenRequest) -> tuple[str, str | None]:
        """The client URL, and the token when the access key can sign it here."""
        audience, base_url = web_pubsub_client_url(
            self._client_endpoint, self.hub, request.client_protocol
        )
        key = self._pipeline.credential
        if not isinstance(key, AccessKey):
            self._refuse_remote(request)
            return base_url, None
        token = sign_web_pubsub_client_token(
            key,
            audience,
            user_id=request.user_id,
            roles=request.roles,
            groups=request.groups,
            minutes_to_expire=request.minutes_to_expire,
        )
        return base_url, token

    def _refuse_remote(self, request: ClientTokenRequest) -> None:
        """The service issues the token: refuse what this version's operation cannot carry."""
        if not self._client_token_fields:
            raise TypeError(
                f"API version {self.API_VERSION} cannot issue client tokens for a Microsoft "
                "Entra ID credential (it has no GenerateClientToken operation): construct the "
                "client with an AccessKey or a connection string"
            )
        missing = sorted(request.asked() - self._client_token_fields)
        if missing:
            raise ValueError(
                f"API version {self.API_VERSION} issues client tokens without "
                f"{', '.join(missing)}: construct the client with an AccessKey or a connection "
                "string to sign such tokens locally"
            )


def _request(
    user_id: str | None,
    roles: Sequence[str],
    groups: Sequence[str],
    minutes_to_expire: int,
    client_protocol: ClientProtocol,
) -> ClientTokenRequest:
    check_string("user_id", user_id, required=False)
    check_string_array("roles", roles, required=True)
    check_string_array("groups", groups, required=True)
    check_integer("minutes_to_expire", minutes_to_expire, required=True, minimum=1)
    check_string("client_protocol", client_protocol, required=True, allowed=tuple(_CLIENT_PATHS))
    return ClientTokenRequest(
        user_id, tuple(roles), tuple(groups), minutes_to_expire, client_protocol
    )


class WebPubSubTokens(_WebPubSubTokensCore):
    """Client access tokens for the synchronous Web PubSub clients."""

    def get_client_access_token(
        self,
        *,
        user_id: str | None = None,
        roles: Sequence[str] = (),
        groups: Sequence[str] = (),
        minutes_to_expire: int = DEFAULT_MINUTES_TO_EXPIRE,
        client_protocol: ClientProtocol = "Default",
    ) -> ClientAccessToken:
        """A URL and token for an end client of this hub.

        :param user_id: the user the connection belongs to.
        :param roles: its permissions, such as ``webpubsub.joinLeaveGroup.chat``.
        :param groups: the groups it joins when it connects.
        :param minutes_to_expire: the token's lifetime; 60 minutes unless given.
        :param client_protocol: ``"Default"`` (WebSocket), ``"MQTT"`` or ``"SocketIO"``, the
            values ``generate_client_token`` takes too.
        :raises ValueError: with a Microsoft Entra ID credential, when the API version's
            GenerateClientToken cannot carry what is asked (older versions know fewer fields).
        """
        request = _request(user_id, roles, groups, minutes_to_expire, client_protocol)
        base_url, token = self._local_client_token(request)
        if token is None:
            token = self._remote_client_token(request)
        return ClientAccessToken(base_url, token, f"{base_url}?access_token={token}")

    def _remote_client_token(self, request: ClientTokenRequest) -> str:
        raise NotImplementedError  # generated where the version has GenerateClientToken


class AsyncWebPubSubTokens(_WebPubSubTokensCore):
    """Client access tokens for the asynchronous Web PubSub clients."""

    async def get_client_access_token(
        self,
        *,
        user_id: str | None = None,
        roles: Sequence[str] = (),
        groups: Sequence[str] = (),
        minutes_to_expire: int = DEFAULT_MINUTES_TO_EXPIRE,
        client_protocol: ClientProtocol = "Default",
    ) -> ClientAccessToken:
        """A URL and token for an end client of this hub; see the synchronous client."""
        request = _request(user_id, roles, groups, minutes_to_expire, client_protocol)
        base_url, token = self._local_client_token(request)
        if token is None:
            token = await self._remote_client_token(request)
        return ClientAccessToken(base_url, token, f"{base_url}?access_token={token}")

    async def _remote_client_token(self, request: ClientTokenRequest) -> str:
        raise NotImplementedError  # generated where the version has GenerateClientToken


class SignalRNegotiation(_ClientCore):
    """Negotiation results for SignalR clients, signed locally with the access key."""

    def get_client_negotiation(
        self,
        *,
        user_id: str | None = None,
        claims: dict[str, Any] | None = None,
        minutes_to_expire: int = 60,
    ) -> Negotiation:
        """Where a SignalR client connects to this hub, and its access token.

        :param user_id: the user the connection belongs to (the ``nameid`` claim).
        :param claims: further claims the hub sees on the connection.
        :param minutes_to_expire: the token's lifetime; 60 minutes unless given.
        """
        check_string("user_id", user_id, required=False)
        if claims is not None and not isinstance(claims, dict):
            raise TypeError(f"claims must be a dict, not {type(claims).__name__}")
        check_integer("minutes_to_expire", minutes_to_expire, required=True, minimum=1)
        key = self._pipeline.credential
        if not isinstance(key, AccessKey):
            raise TypeError(
                "SignalR client tokens are signed with the access key: construct the client with "
                "an AccessKey or a connection string"
            )
        return sign_signalr_negotiation(
            key,
            self._client_endpoint,
            self.hub,
            user_id=user_id,
            claims=claims,
            minutes_to_expire=minutes_to_expire,
        )


def web_pubsub_client_url(endpoint: str, hub: str, protocol: ClientProtocol) -> tuple[str, str]:
    """(the token's audience, the URL clients connect to) for a hub and protocol."""
    audience = f"{endpoint.rstrip('/')}{_CLIENT_PATHS[protocol]}{quote(hub, safe='')}"
    scheme, rest = audience.split("://", 1)
    return audience, f"{'wss' if scheme == 'https' else 'ws'}://{rest}"


def sign_web_pubsub_client_token(
    key: AccessKey,
    audience: str,
    *,
    user_id: str | None,
    roles: Sequence[str],
    groups: Sequence[str],
    minutes_to_expire: int,
) -> str:
    """The claims the service reads: sub (the user), role and webpubsub.group (lists)."""
    now = int(time.time())
    claims: dict[str, Any] = {"aud": audience, "iat": now, "exp": now + 60 * minutes_to_expire}
    if user_id:
        claims["sub"] = user_id
    if roles:
        claims["role"] = list(roles)
    if groups:
        claims["webpubsub.group"] = list(groups)
    return key.sign(claims)


def sign_signalr_negotiation(
    key: AccessKey,
    client_endpoint: str,
    hub: str,
    *,
    user_id: str | None,
    claims: dict[str, Any] | None,
    minutes_to_expire: int,
) -> Negotiation:
    """The client URL of the hub, and a token whose audience is that URL (nameid: the user)."""
    url = f"{client_endpoint.rstrip('/')}/client/?{urlencode({'hub': hub})}"
    now = int(time.time())
    payload: dict[str, Any] = {
        **(claims or {}),
        "aud": url,
        "iat": now,
        "exp": now + 60 * minutes_to_expire,
    }
    if user_id:
        payload["nameid"] = user_id
    return Negotiation(url, key.sign(payload))
