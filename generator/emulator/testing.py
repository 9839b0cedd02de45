"""End clients of the emulator for tests: WebSockets that speak each service's client protocol.

async with web_pubsub_socket(access.url) as (socket, connection_id):
    assert (await socket.receive())["data"] == ...
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from typing import Any

import aiohttp

# How long a test waits for a frame before it fails.
RECEIVE_TIMEOUT_SECONDS = 5.0


class ClientSocket:
    """An end client of the emulator: a WebSocket, and the JSON (or hub protocol) frames it gets."""

    def __init__(self, socket: aiohttp.ClientWebSocketResponse, separator: str | None) -> None:
        self.socket = socket
        self._separator = separator  # SignalR's record separator; None for Web PubSub

    async def receive(self) -> Any:
        frame = await self.socket.receive(timeout=RECEIVE_TIMEOUT_SECONDS)
        assert frame.type == aiohttp.WSMsgType.TEXT, frame
        text = str(frame.data)
        if self._separator is not None:
            assert text.endswith(self._separator), text
            text = text[: -len(self._separator)]
        return json.loads(text)

    async def closed(self) -> tuple[int, str]:
        """The close code and reason, once the server closes the connection."""
        frame = await self.socket.receive(timeout=RECEIVE_TIMEOUT_SECONDS)
        assert frame.type == aiohttp.WSMsgType.CLOSE, frame
        return int(frame.data), str(frame.extra or "")


@contextlib.asynccontextmanager
async def web_pubsub_socket(url: str) -> AsyncIterator[tuple[ClientSocket, str]]:
    """A json.webpubsub.azure.v1 client at url, and its connection id from the connected event."""
    async with aiohttp.ClientSession() as session:
        async with session.ws_connect(url, protocols=("json.webpubsub.azure.v1",)) as socket:
            client = ClientSocket(socket, None)
            connected = await client.receive()
            assert connected["type"] == "system" and connected["event"] == "connected", connected
            yield client, str(connected["connectionId"])


@contextlib.asynccontextmanager
async def signalr_socket(url: str, token: str) -> AsyncIterator[tuple[ClientSocket, str]]:
    """A SignalR client negotiated at url, past the JSON hub protocol handshake; its connection id."""
    headers = {"Authorization": f"Bearer {token}"}
    async with aiohttp.ClientSession(headers=headers) as session:
        negotiate_url = url.replace("/client/?", "/client/negotiate?", 1) + "&negotiateVersion=1"
        async with session.post(negotiate_url) as response:
            assert response.status == 200, await response.text()
            negotiation = await response.json()
        connect_url = f"{url}&id={negotiation['connectionToken']}"
        async with session.ws_connect(connect_url) as socket:
            await socket.send_str('{"protocol":"json","version":1}\x1e')
            client = ClientSocket(socket, "\x1e")
            assert await client.receive() == {}
            yield client, str(negotiation["connectionId"])
