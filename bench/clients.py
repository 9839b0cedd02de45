"""Client overhead and throughput: ours, raw httpx (the floor) and the official SDK, all sending
the same requests to the same loopback server (bench/server.py, in its own process).

Overhead is the client process's CPU time per call: the server's work is not in it, and the
socket calls are the same for every client.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from azure.messaging.webpubsubservice import WebPubSubServiceClient
from azure.messaging.webpubsubservice.aio import WebPubSubServiceClient as AsyncSdkClient

from realtime_rest.webpubsub import AsyncWebPubSubClient, WebPubSubClient

ACCESS_KEY = "bench-access-key-0123456789abcdef0123456789abcdef"
HUB = "chat"
MESSAGE = {"text": "hello"}
USER, GROUP, CONNECTION = "user-1", "group-1", "connection-1"
API_VERSION = "2024-12-01"
OPERATIONS = ("send_to_all", "connection_exists", "add_user_to_group")


@contextmanager
def loopback_server() -> Iterator[int]:
    server = subprocess.Popen(
        [sys.executable, str(Path(__file__).with_name("server.py"))],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert server.stdout is not None
        yield int(server.stdout.readline())
    finally:
        server.terminate()
        server.wait()


def connection_string(port: int) -> str:
    return f"Endpoint=http://127.0.0.1;Port={port};AccessKey={ACCESS_KEY};Version=1.0;"


# --- the floor: httpx with the request built by hand -----------------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _bearer(url: str) -> str:
    """The same access-key JWT every client signs: HS256, audience = the request URL."""
    now = int(time.time())
    header = _b64url(b'{"alg":"HS256","typ":"JWT"}')
    claims = _b64url(json.dumps({"aud": url, "iat": now, "exp": now + 300}).encode())
    signature = hmac.new(ACCESS_KEY.encode(), f"{header}.{claims}".encode(), hashlib.sha256)
    return f"Bearer {header}.{claims}.{_b64url(signature.digest())}"


def _request(port: int, operation: str) -> tuple[str, str, bytes | None, dict[str, str]]:
    """Method, URL, body and headers of an operation's request, built by hand."""
    base = f"http://127.0.0.1:{port}/api/hubs/{HUB}"
    method, path, body = {
        "send_to_all": ("POST", "/:send", json.dumps(MESSAGE).encode()),
        "connection_exists": ("HEAD", f"/connections/{quote(CONNECTION, safe='')}", None),
        "add_user_to_group": (
            "PUT",
            f"/users/{quote(USER, safe='')}/groups/{quote(GROUP, safe='')}",
            None,
        ),
    }[operation]
    url = f"{base}{path}?api-version={API_VERSION}"
    headers = {"Authorization": _bearer(url)}
    if body is not None:
        headers["Content-Type"] = "application/json"
    return method, url, body, headers


def _checked(response: httpx.Response) -> bool:
    if response.status_code >= 400 and response.status_code != 404:
        raise RuntimeError(response.status_code)
    return response.status_code < 300


def raw_call(http: httpx.Client, port: int, operation: str) -> Callable[[], bool]:
    def call() -> bool:
        method, url, body, headers = _request(port, operation)
        return _checked(http.request(method, url, content=body, headers=headers))

    return call


def raw_async_call(
    http: httpx.AsyncClient, port: int, operation: str
) -> Callable[[], Awaitable[bool]]:
    async def call() -> bool:
        method, url, body, headers = _request(port, operation)
        return _checked(await http.request(method, url, content=body, headers=headers))

    return call


# --- the clients under test ------------------------------------------------------------------


def our_calls(client: Any) -> dict[str, Callable[[], Any]]:
    """The three calls through one of our clients, sync or async."""
    return {
        "send_to_all": lambda: client.send_to_all(MESSAGE),
        "connection_exists": lambda: client.connection_exists(CONNECTION),
        "add_user_to_group": lambda: client.add_user_to_group(USER, GROUP),
    }


def sync_calls(port: int) -> dict[str, dict[str, Callable[[], Any]]]:
    """Per client, the three calls, each sending the same request."""
    sdk = WebPubSubServiceClient.from_connection_string(connection_string(port), hub=HUB)
    http = httpx.Client()
    return {
        "raw httpx (floor)": {name: raw_call(http, port, name) for name in OPERATIONS},
        "realtime-rest sync": our_calls(
            WebPubSubClient.from_connection_string(connection_string(port), hub=HUB)
        ),
        "azure-messaging-webpubsubservice": {
            "send_to_all": lambda: sdk.send_to_all(MESSAGE),
            "connection_exists": lambda: sdk.connection_exists(CONNECTION),
            "add_user_to_group": lambda: sdk.add_user_to_group(GROUP, USER),
        },
    }


def _cpu_micros(call: Callable[[], Any], calls: int) -> float:
    """Microseconds of this process's CPU time per call."""
    started = time.process_time()
    for _ in range(calls):
        call()
    return (time.process_time() - started) / calls * 1e6


async def _async_cpu_micros(call: Callable[[], Awaitable[Any]], calls: int) -> float:
    started = time.process_time()
    for _ in range(calls):
        await call()
    return (time.process_time() - started) / calls * 1e6


def overhead(port: int, calls: int, runs: int) -> dict[str, dict[str, list[float]]]:
    """{client: {operation: µs per call of each run}}. Runs of the clients alternate, so that
    a slower or faster moment of the machine is shared by all of them."""
    clients = sync_calls(port)
    results: dict[str, dict[str, list[float]]] = {c: {o: [] for o in OPERATIONS} for c in clients}
    for operations in clients.values():
        for call in operations.values():
            _cpu_micros(call, calls // 5)  # warm-up: connections open, code paths hot
    for _ in range(runs):
        for client, operations in clients.items():
            for name, call in operations.items():
                results[client][name].append(_cpu_micros(call, calls))
    return {**results, **asyncio.run(_async_overhead(port, calls, runs))}


async def _async_overhead(port: int, calls: int, runs: int) -> dict[str, dict[str, list[float]]]:
    ours = AsyncWebPubSubClient.from_connection_string(connection_string(port), hub=HUB)
    http = httpx.AsyncClient()
    clients = {
        "raw httpx async (floor)": {name: raw_async_call(http, port, name) for name in OPERATIONS},
        "realtime-rest async": our_calls(ours),
    }
    results: dict[str, dict[str, list[float]]] = {c: {o: [] for o in OPERATIONS} for c in clients}
    for operations in clients.values():
        for call in operations.values():
            await _async_cpu_micros(call, calls // 5)
    for _ in range(runs):
        for client, operations in clients.items():
            for name, call in operations.items():
                results[client][name].append(await _async_cpu_micros(call, calls))
    await ours.close()
    await http.aclose()
    return results


# --- throughput --------------------------------------------------------------------------------


def sends_per_second(port: int, client: str, tasks: int, sends: int) -> float:
    async def measure() -> float:
        factory = AsyncWebPubSubClient if client == "realtime-rest async" else AsyncSdkClient
        async with factory.from_connection_string(connection_string(port), hub=HUB) as sender:

            async def worker(count: int) -> None:
                for _ in range(count):
                    await sender.send_to_all(MESSAGE)

            await worker(20)  # connections opened and code warm before timing
            started = time.perf_counter()
            await asyncio.gather(*(worker(sends // tasks) for _ in range(tasks)))
            return (sends // tasks) * tasks / (time.perf_counter() - started)

    return asyncio.run(measure())


def throughput(
    port: int, concurrency: tuple[int, ...], sends: int, runs: int
) -> dict[str, dict[int, list[float]]]:
    return {
        client: {
            n: [sends_per_second(port, client, n, sends) for _ in range(runs)] for n in concurrency
        }
        for client in ("realtime-rest async", "azure-messaging-webpubsubservice async")
    }
