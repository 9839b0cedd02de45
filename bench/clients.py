"""Client overhead and throughput: ours, the raw HTTP libraries (the floors) and the official
SDK, all sending the same requests to the same loopback server (bench/server.py, in its own
process).

Overhead is the client process's CPU time per call: the server's work is not in it, and the
socket calls are the same for every client. The floors send each operation's request built by
hand, with its access-key token signed once and reused, as our clients reuse theirs.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import functools
import hashlib
import hmac
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import quote

import aiohttp
import httpx
import urllib3
from azure.messaging.webpubsubservice import WebPubSubServiceClient
from azure.messaging.webpubsubservice.aio import WebPubSubServiceClient as AsyncSdkClient
from yarl import URL

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


# --- the floors: the HTTP libraries with the request built by hand ------------------------------


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


@functools.lru_cache(maxsize=None)
def _bearer(url: str) -> str:
    """The same access-key JWT every client sends: HS256, audience = the request URL; signed
    once per URL, as every client here may reuse it for minutes."""
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


def _checked(status: int) -> bool:
    if status >= 400 and status != 404:
        raise RuntimeError(status)
    return status < 300


def raw_httpx_call(http: httpx.Client, port: int, operation: str) -> Callable[[], bool]:
    def call() -> bool:
        method, url, body, headers = _request(port, operation)
        return _checked(http.request(method, url, content=body, headers=headers).status_code)

    return call


def raw_urllib3_call(
    pool: urllib3.HTTPConnectionPool, port: int, operation: str
) -> Callable[[], bool]:
    origin = f"http://127.0.0.1:{port}"

    def call() -> bool:
        method, url, body, headers = _request(port, operation)
        # The pool's own fast path: the target alone, no redirects, no retries.
        answer = pool.urlopen(
            method, url[len(origin) :], body=body, headers=headers, retries=False, redirect=False
        )
        return _checked(answer.status)

    return call


def raw_httpx_async_call(
    http: httpx.AsyncClient, port: int, operation: str
) -> Callable[[], Awaitable[bool]]:
    async def call() -> bool:
        method, url, body, headers = _request(port, operation)
        return _checked(
            (await http.request(method, url, content=body, headers=headers)).status_code
        )

    return call


def raw_aiohttp_call(
    session: aiohttp.ClientSession, port: int, operation: str
) -> Callable[[], Awaitable[bool]]:
    async def call() -> bool:
        method, url, body, headers = _request(port, operation)
        async with session.request(
            method, URL(url, encoded=True), data=body, headers=headers
        ) as answer:
            await answer.read()
            return _checked(answer.status)

    return call


# --- the clients under test ------------------------------------------------------------------


def our_calls(client: Any) -> dict[str, Callable[[], Any]]:
    """The three calls through one of our clients, sync or async."""
    return {
        "send_to_all": lambda: client.send_to_all(MESSAGE),
        "connection_exists": lambda: client.connection_exists(CONNECTION),
        "add_user_to_group": lambda: client.add_user_to_group(USER, GROUP),
    }


SYNC_FLOORS = ("raw urllib3 (floor)", "raw httpx")
ASYNC_FLOORS = ("raw aiohttp (floor)", "raw httpx async")


def sync_calls(port: int) -> dict[str, dict[str, Callable[[], Any]]]:
    """Per client, the three calls, each sending the same request."""
    sdk = WebPubSubServiceClient.from_connection_string(connection_string(port), hub=HUB)
    http = httpx.Client()
    pool = urllib3.HTTPConnectionPool("127.0.0.1", port, maxsize=10)
    return {
        "raw urllib3 (floor)": {name: raw_urllib3_call(pool, port, name) for name in OPERATIONS},
        "raw httpx": {name: raw_httpx_call(http, port, name) for name in OPERATIONS},
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
    session = aiohttp.ClientSession()
    clients = {
        "raw aiohttp (floor)": {name: raw_aiohttp_call(session, port, name) for name in OPERATIONS},
        "raw httpx async": {name: raw_httpx_async_call(http, port, name) for name in OPERATIONS},
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
    await session.close()
    return results


# --- throughput --------------------------------------------------------------------------------


THROUGHPUT_CLIENTS = (
    "realtime-rest async",
    "raw aiohttp (floor)",
    "raw httpx async",
    "azure-messaging-webpubsubservice async",
)


@contextlib.asynccontextmanager
async def _sender(port: int, client: str) -> AsyncIterator[Callable[[], Awaitable[Any]]]:
    """One client's send_to_all, the client open for the block."""
    if client == "raw aiohttp (floor)":
        async with aiohttp.ClientSession() as session:
            yield raw_aiohttp_call(session, port, "send_to_all")
    elif client == "raw httpx async":
        async with httpx.AsyncClient() as http:
            yield raw_httpx_async_call(http, port, "send_to_all")
    else:
        factory = AsyncWebPubSubClient if client == "realtime-rest async" else AsyncSdkClient
        async with factory.from_connection_string(connection_string(port), hub=HUB) as ours:
            yield lambda: ours.send_to_all(MESSAGE)


def sends_per_second(port: int, client: str, tasks: int, sends: int) -> float:
    async def measure() -> float:
        async with _sender(port, client) as send:

            async def worker(count: int) -> None:
                for _ in range(count):
                    await send()

            await asyncio.gather(*(worker(2) for _ in range(tasks)))  # connections open, code warm
            started = time.perf_counter()
            await asyncio.gather(*(worker(sends // tasks) for _ in range(tasks)))
            return (sends // tasks) * tasks / (time.perf_counter() - started)

    return asyncio.run(measure())


def throughput(
    port: int, concurrency: tuple[int, ...], sends: int, runs: int
) -> dict[str, dict[int, list[float]]]:
    """{client: {tasks: sends per second of each run}}; the clients take turns in each run."""
    rates: dict[str, dict[int, list[float]]] = {
        client: {n: [] for n in concurrency} for client in THROUGHPUT_CLIENTS
    }
    for _ in range(runs):
        for n in concurrency:
            for client in THROUGHPUT_CLIENTS:
                rates[client][n].append(sends_per_second(port, client, n, sends))
    return rates
