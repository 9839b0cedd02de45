"""The emulator under bad input and load: clear statuses, no crash, other connections unaffected."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from realtime_rest import AccessKey
from realtime_rest.emulator import Emulator
from realtime_rest.emulator.testing import signalr_socket, web_pubsub_socket
from realtime_rest.emulator.tokens import TokenError, verify
from realtime_rest.signalr import AsyncSignalRClient
from realtime_rest.webpubsub import AsyncWebPubSubClient

KEY = "emulator-test-key"
HUB = "chat"


def run(scenario: Callable[[Emulator, str], Awaitable[None]], service: str = "webpubsub") -> None:
    async def main() -> None:
        emulator = Emulator(service, KEY)
        await emulator.start("127.0.0.1", 0)
        try:
            await scenario(emulator, f"http://127.0.0.1:{emulator.port}")
        finally:
            await emulator.stop()

    asyncio.run(main())


def client_url(base: str, **claims: object) -> str:
    audience = f"{base}/client/hubs/{HUB}"
    now = int(time.time())
    token = AccessKey(KEY).sign({"aud": audience, "iat": now, "exp": now + 60, **claims})
    return f"ws://{base.split('://')[1]}/client/hubs/{HUB}?access_token={token}"


def rest_token(url: str, key: str = KEY, lifetime: int = 60) -> str:
    now = int(time.time())
    return AccessKey(key).sign({"aud": url, "iat": now, "exp": now + lifetime})


@pytest.mark.parametrize(
    "authorization, reason",
    [
        (None, "no bearer token"),
        ("Basic abc", "no bearer token"),
        ("Bearer not-a-jwt", "not a JWT"),
        ("Bearer a.b.c", "not base64url"),
        ("Bearer e30.e30.", "unsupported token algorithm"),
        ("wrong key", "signature does not match"),
        ("expired", "expired"),
        ("other audience", "audience"),
    ],
)
def test_rest_refuses_bad_tokens_with_401(authorization: str | None, reason: str) -> None:
    async def scenario(emulator: Emulator, base: str) -> None:
        url = f"{base}/api/hubs/{HUB}/:send?api-version=2024-12-01"
        header = {
            "wrong key": f"Bearer {rest_token(url, key='another-key')}",
            "expired": f"Bearer {rest_token(url, lifetime=-60)}",
            "other audience": f"Bearer {rest_token(url + '&x=1')}",
        }.get(str(authorization), authorization)
        headers = {"Authorization": header} if header else {}
        async with aiohttp.ClientSession() as session:
            async with session.post(url, data=b"hi", headers=headers) as response:
                assert response.status == 401
                assert response.headers["x-ms-error-code"] == "Unauthorized"
                # Web PubSub 2024-12-01 answers errors as a flat ErrorDetail.
                assert reason in (await response.json())["message"]

    run(scenario)


def test_entra_tokens_pass_only_behind_the_flag() -> None:
    entra = "eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJodHRwczovL3dlYnB1YnN1Yi5henVyZS5jb20ifQ.c2ln"
    with pytest.raises(TokenError, match="unsupported token algorithm"):
        verify(entra, KEY, ("http://x",))
    assert verify(entra, KEY, ("http://x",), allow_entra=True) == {
        "aud": "https://webpubsub.azure.com"
    }


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_any_text_as_a_token_is_refused_cleanly(token: str) -> None:
    with pytest.raises(TokenError):
        verify(token, KEY, ("http://127.0.0.1/api",))


def test_unknown_api_version_wrong_constraints_and_oversized_bodies() -> None:
    async def scenario(emulator: Emulator, base: str) -> None:
        async with aiohttp.ClientSession() as session:

            async def post(path: str, body: bytes, content_type: str = "text/plain") -> Any:
                url = f"{base}{path}"
                headers = {
                    "Authorization": f"Bearer {rest_token(url)}",
                    "Content-Type": content_type,
                }
                async with session.post(url, data=body, headers=headers) as response:
                    return response.status, response.headers.get("x-ms-error-code")

            send = f"/api/hubs/{HUB}/:send"
            assert await post(f"{send}?api-version=1999-01-01", b"x") == (
                400,
                "UnsupportedApiVersion",
            )
            assert await post(send, b"x") == (400, "InvalidArgument")  # api-version is required
            assert await post(f"/api/hubs/9bad/:send?api-version=2024-12-01", b"x") == (
                400,
                "InvalidArgument",
            )
            big = b"x" * (1024 * 1024 + 1)
            assert await post(f"{send}?api-version=2024-12-01", big) == (413, "PayloadTooLarge")
            assert await post(f"{send}?api-version=2024-12-01", b"{", "application/json") == (
                400,
                "InvalidArgument",
            )
            assert await post(f"{send}?api-version=2024-12-01", b"x", "image/png") == (
                415,
                "UnsupportedMediaType",
            )
            assert await post(f"/api/nowhere?api-version=2024-12-01", b"x") == (404, "NotFound")

    run(scenario)


def test_client_endpoint_refuses_bad_tokens_and_oversized_frames_without_harm() -> None:
    async def scenario(emulator: Emulator, base: str) -> None:
        async with web_pubsub_socket(client_url(base, sub="ann")) as (witness, _):
            async with aiohttp.ClientSession() as session:
                wrong_hub = client_url(base).replace(f"/hubs/{HUB}?", "/hubs/other?")
                with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
                    await session.ws_connect(wrong_hub)
                assert refused.value.status == 401
                socket = await session.ws_connect(client_url(base))
                await socket.send_str("x" * (1024 * 1024 + 1))
                closing = await socket.receive(timeout=5)
                assert closing.type == aiohttp.WSMsgType.CLOSE and closing.data == 1009
                # Mid-message: the client goes away after half a frame header.
                reader, writer = await asyncio.open_connection("127.0.0.1", emulator.port)
                writer.write(b"GET /client/hubs/chat HTTP/1.1\r\nHost: 127.0.0.1\r\n")
                await writer.drain()
                writer.close()
            async with AsyncWebPubSubClient(base, AccessKey(KEY), hub=HUB) as client:
                await client.send_to_user("ann", "still here")
                assert await client.user_exists("ann") is True
            assert (await witness.receive())["data"] == "still here"

    run(scenario)


def test_signalr_protocol_faults_close_only_that_connection() -> None:
    async def scenario(emulator: Emulator, base: str) -> None:
        async with AsyncSignalRClient(base, AccessKey(KEY), hub=HUB) as client:
            negotiation = client.get_client_negotiation(user_id="ann")
            async with signalr_socket(negotiation.url, negotiation.access_token) as (witness, _):
                async with signalr_socket(negotiation.url, negotiation.access_token) as (bad, _):
                    await bad.socket.send_str("{not json\x1e")
                    assert (await bad.receive())["type"] == 7
                async with aiohttp.ClientSession() as session:
                    url = f"{negotiation.url}&access_token={negotiation.access_token}"
                    socket = await session.ws_connect(url)
                    await socket.send_str('{"protocol":"messagepack","version":1}\x1e')
                    assert "error" in json.loads((await socket.receive(timeout=5)).data[:-1])
                    await socket.close()
                await client.send_to_all("newMessage", arguments=["ok"])
                assert await witness.receive() == {
                    "type": 1,
                    "target": "newMessage",
                    "arguments": ["ok"],
                }

    run(scenario, "signalr")


CONNECTIONS = 500


def test_500_connections_get_each_broadcast_and_group_message_exactly_once() -> None:
    async def scenario(emulator: Emulator, base: str) -> None:
        # limit=0: a WebSocket holds its pool slot, and the default pool has 100.
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
            sockets = await asyncio.gather(
                *(session.ws_connect(client_url(base, sub=f"user{i}")) for i in range(CONNECTIONS))
            )
            async with AsyncWebPubSubClient(base, AccessKey(KEY), hub=HUB) as client:
                for index in range(0, CONNECTIONS, 2):  # the even users read "evens"
                    await client.add_user_to_group(f"user{index}", "evens")
                await client.send_to_all("all-1")
                await client.send_to_group("evens", "evens-1")
                await client.send_to_all("all-2")

                async def drain(
                    position: int, socket: aiohttp.ClientWebSocketResponse
                ) -> list[str]:
                    expected = 3 if position % 2 == 0 else 2
                    return [str((await socket.receive(timeout=20)).data) for _ in range(expected)]

                received = await asyncio.gather(
                    *(drain(position, socket) for position, socket in enumerate(sockets))
                )
                # The next frame of every connection is this one: no message came twice.
                await client.send_to_all("end")
                tails = await asyncio.gather(*(socket.receive(timeout=20) for socket in sockets))
            for position, messages in enumerate(received):
                wanted = ["all-1", "evens-1", "all-2"] if position % 2 == 0 else ["all-1", "all-2"]
                assert messages == wanted
            assert {str(frame.data) for frame in tails} == {"end"}
            await asyncio.gather(*(socket.close() for socket in sockets))

    run(scenario)
