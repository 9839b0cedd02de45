"""The generated clients against a real loopback HTTP server that misbehaves on purpose."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from realtime_rest import (
    AccessKey,
    ApiError,
    AuthenticationError,
    RetryPolicy,
    ServiceError,
    TransportError,
)
from realtime_rest.signalr.v2022_06_01 import AsyncSignalRClient, SignalRClient

FAST = RetryPolicy(max_retries=2, backoff=0.01, max_backoff=0.02)


class Script:
    """What the server answers, one entry per request: (status, headers, body) or an action."""

    def __init__(self, *replies: Any) -> None:
        self.replies = list(replies)
        self.received: list[tuple[str, str, bytes]] = []
        self.times: list[float] = []


class Handler(BaseHTTPRequestHandler):
    script: Script

    def log_message(self, *args: Any) -> None:  # keep test output quiet
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        self.script.received.append((self.command, self.path, self.rfile.read(length)))
        self.script.times.append(time.monotonic())
        reply = self.script.replies.pop(0)
        if reply == "reset":
            # Close with RST: the client sees a connection reset, not a response.
            self.connection.setsockopt(
                socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
            )
            self.connection.close()
            return
        if isinstance(reply, tuple) and reply[0] == "slow":
            time.sleep(reply[1])
            reply = (202, {}, b"")
        status, headers, body = reply
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading a body it did not want

    do_POST = do_GET = do_HEAD = do_PUT = do_DELETE = _answer


@pytest.fixture
def server() -> Iterator[tuple[str, Script]]:
    script = Script()
    handler = type("ScriptedHandler", (Handler,), {"script": script})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", script
    httpd.shutdown()
    httpd.server_close()


def client(endpoint: str, **options: Any) -> SignalRClient:
    return SignalRClient(
        endpoint, AccessKey("fault-test-key"), hub="chat", retry_policy=FAST, **options
    )


def test_a_503_then_202_is_retried_and_succeeds(server: tuple[str, Script]) -> None:
    endpoint, script = server
    script.replies += [(503, {}, b""), (202, {}, b"")]

    with client(endpoint) as signalr:
        assert signalr.send_to_all("newMessage", arguments=["hi"]) is None

    assert [path for _, path, _ in script.received] == [
        "/api/hubs/chat/:send?api-version=2022-06-01"
    ] * 2
    assert (
        script.received[0][2]
        == script.received[1][2]
        == b'{"target":"newMessage","arguments":["hi"]}'
    )


def test_retry_after_is_honoured(server: tuple[str, Script]) -> None:
    endpoint, script = server
    script.replies += [(429, {"Retry-After": "1"}, b""), (202, {}, b"")]

    with client(endpoint) as signalr:
        signalr.send_to_all("newMessage")

    assert script.times[1] - script.times[0] >= 0.95


def test_a_connection_reset_on_an_idempotent_request_is_retried(server: tuple[str, Script]) -> None:
    endpoint, script = server
    script.replies += ["reset", (200, {}, b"")]

    with client(endpoint) as signalr:
        assert signalr.connection_exists("c1") is True

    assert len(script.received) == 2


def test_a_connection_reset_on_a_send_is_not_sent_twice(server: tuple[str, Script]) -> None:
    endpoint, script = server
    script.replies += ["reset", (202, {}, b"")]

    with client(endpoint) as signalr, pytest.raises(TransportError) as raised:
        signalr.send_to_all("newMessage")

    assert len(script.received) == 1
    assert "POST http://127.0.0.1" in str(raised.value)


def test_a_response_slower_than_the_timeout_fails_without_hanging(
    server: tuple[str, Script],
) -> None:
    endpoint, script = server
    script.replies += [("slow", 2.0)]

    started = time.monotonic()
    with client(endpoint, timeout=0.3) as signalr, pytest.raises(TransportError) as raised:
        signalr.send_to_all("newMessage")

    assert time.monotonic() - started < 1.5
    assert "ReadTimeout" in str(raised.value) or "timed out" in str(raised.value)
    assert len(script.received) == 1


def test_401_with_an_error_body_is_a_typed_error(server: tuple[str, Script]) -> None:
    endpoint, script = server
    body = b'{"code":"InvalidToken","message":"The access token is expired"}'
    script.replies += [(401, {"Content-Type": "application/json", "x-ms-request-id": "r-9"}, body)]

    with client(endpoint) as signalr, pytest.raises(AuthenticationError) as raised:
        signalr.close_connection("c1", reason="bye")

    error = raised.value
    assert (error.status, error.error_code, error.message, error.request_id) == (
        401,
        "InvalidToken",
        "The access token is expired",
        "r-9",
    )
    assert error.error is not None and error.error.code == "InvalidToken"


def test_a_malformed_json_body_is_a_typed_error(server: tuple[str, Script]) -> None:
    endpoint, script = server
    script.replies += [(200, {"Content-Type": "application/json"}, b'{"code": "Suc')]

    with client(endpoint) as signalr, pytest.raises(ApiError) as raised:
        signalr.close_connection("c1")

    assert raised.value.status == 200
    assert "not valid JSON" in raised.value.message


def test_5xx_retries_end_in_a_service_error_for_the_async_client(
    server: tuple[str, Script],
) -> None:
    endpoint, script = server
    script.replies += [(502, {}, b""), (502, {}, b""), (502, {}, b"")]

    async def check() -> None:
        async with AsyncSignalRClient(
            endpoint, AccessKey("fault-test-key"), hub="chat", retry_policy=FAST
        ) as signalr:
            await signalr.user_exists("ann")

    with pytest.raises(ServiceError) as raised:
        asyncio.run(check())

    assert raised.value.status == 502
    assert len(script.received) == 3


def test_the_per_call_timeout_bounds_the_whole_call(server: tuple[str, Script]) -> None:
    endpoint, script = server
    script.replies += [("slow", 2.0), ("slow", 2.0)]

    started = time.monotonic()
    with client(endpoint) as signalr, pytest.raises(TransportError):
        signalr.connection_exists("c1", timeout=0.4)

    assert time.monotonic() - started < 1.5


def test_a_huge_answer_is_not_read_whole_where_no_result_is_read_from_it(
    server: tuple[str, Script],
) -> None:
    endpoint, script = server
    script.replies += [(200, {}, b"x" * 20_000_000)]

    with client(endpoint, max_response_bytes=4096) as signalr:
        assert signalr.connection_exists("c1") is True

    assert len(script.received) == 1
