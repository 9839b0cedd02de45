"""Tokens for end clients: Web PubSub client access URLs and SignalR negotiation results."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import jwt
import pytest

from realtime_rest import AccessKey, MockRequest, MockTransport, Reply
from realtime_rest.signalr import SignalRClient
from realtime_rest.webpubsub import AsyncWebPubSubClient, WebPubSubClient
from realtime_rest.webpubsub.v2020_10_01 import WebPubSubClient as WebPubSubClient2020
from tests.versions import newest

KEY = "client-token-test-key-of-32-bytes-or-more"
CONNECTION_STRING = f"Endpoint=https://contoso.webpubsub.azure.com;AccessKey={KEY};Version=1.0;"


def decode(token: str, audience: str) -> dict[str, Any]:
    return jwt.decode(token, KEY, algorithms=["HS256"], audience=audience)


def test_web_pubsub_tokens_are_signed_locally_with_the_claims_the_service_reads() -> None:
    client = WebPubSubClient.from_connection_string(CONNECTION_STRING, hub="chat")

    access = client.get_client_access_token(
        user_id="ann",
        roles=["webpubsub.joinLeaveGroup.lobby"],
        groups=["lobby"],
        minutes_to_expire=5,
    )

    assert access.base_url == "wss://contoso.webpubsub.azure.com/client/hubs/chat"
    assert access.url == f"{access.base_url}?access_token={access.token}"
    claims = decode(access.token, "https://contoso.webpubsub.azure.com/client/hubs/chat")
    assert claims["sub"] == "ann"
    assert claims["role"] == ["webpubsub.joinLeaveGroup.lobby"]
    assert claims["webpubsub.group"] == ["lobby"]
    assert claims["exp"] - claims["iat"] == 300
    assert abs(claims["iat"] - time.time()) < 5
    assert access.token not in repr(access)


@pytest.mark.parametrize(
    ("protocol", "path"),
    [("MQTT", "/clients/mqtt/hubs/chat"), ("SocketIO", "/clients/socketio/hubs/chat")],
)
def test_each_client_protocol_has_its_own_endpoint(protocol: Any, path: str) -> None:
    client = WebPubSubClient.from_connection_string(
        "Endpoint=http://localhost;Port=8080;AccessKey=client-token-test-key-of-32-bytes-or-more;Version=1.0;",
        hub="chat",
    )

    access = client.get_client_access_token(client_protocol=protocol)

    assert access.base_url == f"ws://localhost:8080{path}"
    claims = decode(access.token, f"http://localhost:8080{path}")
    assert set(claims) == {"aud", "iat", "exp"}


def test_the_connection_strings_client_endpoint_is_where_clients_connect() -> None:
    client = WebPubSubClient.from_connection_string(
        CONNECTION_STRING + "ClientEndpoint=https://gateway.example.com;", hub="chat"
    )

    access = client.get_client_access_token()

    assert access.base_url == "wss://gateway.example.com/client/hubs/chat"
    decode(access.token, "https://gateway.example.com/client/hubs/chat")


class EntraCredential:
    def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        return type("Token", (), {"token": "entra-token", "expires_on": time.time() + 3600})()


class AsyncEntraCredential:
    async def get_token(self, *scopes: str, **kwargs: Any) -> Any:
        return EntraCredential().get_token(*scopes)


def test_with_only_an_entra_credential_the_service_issues_the_token() -> None:
    sent: list[MockRequest] = []

    def service(request: MockRequest) -> Reply:
        sent.append(request)
        return Reply.with_json(200, {"token": "issued-by-the-service"})

    client = WebPubSubClient(
        "https://contoso.webpubsub.azure.com",
        EntraCredential(),
        hub="chat",
        transport=MockTransport(service),
    )

    access = client.get_client_access_token(
        user_id="ann", roles=["r1", "r2"], client_protocol="MQTT"
    )

    assert access.token == "issued-by-the-service"
    assert access.base_url == "wss://contoso.webpubsub.azure.com/clients/mqtt/hubs/chat"
    (request,) = sent
    assert request.method == "POST"
    assert request.target == (
        f"/api/hubs/chat/:generateToken?api-version={newest('webpubsub')}"
        "&userId=ann&role=r1&role=r2&minutesToExpire=60&clientType=MQTT"
    )
    assert request.headers["authorization"] == "Bearer entra-token"


def test_the_async_client_asks_the_service_the_same_way() -> None:
    def service(request: MockRequest) -> Reply:
        return Reply.with_json(200, {"token": "issued-async"})

    async def get() -> str:
        async with AsyncWebPubSubClient(
            "https://contoso.webpubsub.azure.com",
            AsyncEntraCredential(),
            hub="chat",
            transport=MockTransport(service),
        ) as client:
            return (await client.get_client_access_token(groups=["g"])).url

    assert (
        asyncio.run(get())
        == "wss://contoso.webpubsub.azure.com/client/hubs/chat?access_token=issued-async"
    )


def test_a_version_without_generate_token_needs_the_access_key() -> None:
    client = WebPubSubClient2020(
        "https://contoso.webpubsub.azure.com", EntraCredential(), hub="chat"
    )

    with pytest.raises(TypeError) as raised:
        client.get_client_access_token()

    assert "2020-10-01 cannot issue client tokens" in str(raised.value)


def test_a_token_lifetime_under_a_minute_is_refused() -> None:
    client = WebPubSubClient.from_connection_string(CONNECTION_STRING, hub="chat")
    with pytest.raises(ValueError, match="minutes_to_expire must be at least 1"):
        client.get_client_access_token(minutes_to_expire=0)


def test_signalr_negotiation_names_the_hub_url_and_the_user() -> None:
    client = SignalRClient.from_connection_string(
        f"Endpoint=https://contoso.service.signalr.net;AccessKey={KEY};Version=1.0;", hub="chat"
    )

    negotiation = client.get_client_negotiation(
        user_id="ann", claims={"tier": "gold"}, minutes_to_expire=10
    )

    assert negotiation.url == "https://contoso.service.signalr.net/client/?hub=chat"
    claims = decode(negotiation.access_token, negotiation.url)
    assert (claims["nameid"], claims["tier"], claims["exp"] - claims["iat"]) == ("ann", "gold", 600)
    assert negotiation.to_wire() == {
        "url": negotiation.url,
        "accessToken": negotiation.access_token,
    }
    assert negotiation.access_token not in repr(negotiation)


def test_signalr_negotiation_needs_the_access_key() -> None:
    client = SignalRClient("https://contoso.service.signalr.net", EntraCredential(), hub="chat")
    with pytest.raises(TypeError, match="signed with the access key"):
        client.get_client_negotiation()
