"""Deliveries per second of the emulator's broadcasts, beside a bare aiohttp broadcast server.

Both servers run in their own process; the same client opens the WebSockets, sends through HTTP
and waits until every socket has every message.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time

import aiohttp
import httpx
from aiohttp import web

from realtime_rest import AccessKey

KEY = "bench-key"


def floor_server() -> None:
    """The least a broadcast server does: read the body, write it to every socket."""
    sockets: set[web.WebSocketResponse] = set()

    async def send(request: web.Request) -> web.Response:
        text = (await request.read()).decode()
        for socket in list(sockets):
            await socket.send_str(text)
        return web.Response(status=204)

    async def connect(request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        sockets.add(socket)
        async for _ in socket:
            pass
        sockets.discard(socket)
        return socket

    app = web.Application()
    app.router.add_post("/send", send)
    app.router.add_get("/client", connect)
    runner = web.AppRunner(app, access_log=None)

    async def main() -> None:
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        print(f"http://127.0.0.1:{port}", flush=True)
        await asyncio.Event().wait()

    asyncio.run(main())


async def _measure(base: str, socket_url: str, send_url: str, sockets: int, messages: int) -> float:
    token = AccessKey(KEY)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as session:
        clients = await asyncio.gather(*(session.ws_connect(socket_url) for _ in range(sockets)))
        async with httpx.AsyncClient() as http:

            async def read(socket: aiohttp.ClientWebSocketResponse) -> None:
                for _ in range(messages):
                    await socket.receive(timeout=60)

            started = time.perf_counter()
            readers = [asyncio.create_task(read(socket)) for socket in clients]
            for number in range(messages):
                headers = {
                    "Authorization": f"Bearer {token.token_for(send_url)}",
                    "Content-Type": "text/plain",
                }
                response = await http.post(send_url, content=f"message {number}", headers=headers)
                assert response.status_code in (202, 204), response.text
            await asyncio.gather(*readers)
            elapsed = time.perf_counter() - started
        await asyncio.gather(*(socket.close() for socket in clients))
    return sockets * messages / elapsed


def deliveries_per_second(kind: str, sockets: int = 300, messages: int = 30) -> float:
    if kind == "emulator":
        command = [sys.executable, "-m", "realtime_rest.emulator", "webpubsub", "--port", "0"]
        command += ["--access-key", KEY, "--quiet"]
    else:
        command = [sys.executable, __file__, "floor"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        line = process.stdout.readline().strip()
        if kind == "emulator":
            port = line.split("Port=")[1].split(";")[0]
            base = f"http://127.0.0.1:{port}"
            audience = f"{base}/client/hubs/bench"
            now = int(time.time())
            client_token = AccessKey(KEY).sign({"aud": audience, "exp": now + 600})
            socket_url = f"ws://127.0.0.1:{port}/client/hubs/bench?access_token={client_token}"
            send_url = f"{base}/api/hubs/bench/:send?api-version=2024-12-01"
        else:
            base = line
            socket_url = base.replace("http", "ws") + "/client"
            send_url = f"{base}/send"
        return asyncio.run(_measure(base, socket_url, send_url, sockets, messages))
    finally:
        process.terminate()
        process.wait(timeout=10)


if __name__ == "__main__" and sys.argv[1:] == ["floor"]:
    floor_server()
