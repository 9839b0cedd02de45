"""The transports the package ships (urllib3 for sync clients, aiohttp for async ones) against a
real loopback server: what reaches the wire, connection reuse, body limits, deadlines, failures."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from realtime_rest import AttemptError, Outgoing, Response, Timeout
from realtime_rest._runtime.http_aiohttp import AiohttpTransport
from realtime_rest._runtime.http_urllib3 import Urllib3Transport

Send = Callable[[Outgoing], Response]


class Handler(BaseHTTPRequestHandler):
    """Answers by path: /big (2 MB), /drip (a byte every 0.1 s), /slow (after 1 s), else 200 with
    what it received; Set-Cookie on every answer. Records (client port, request line, headers,
    body) of every request."""

    protocol_version = "HTTP/1.1"  # keep-alive
    received: list[tuple[int, str, dict[str, str], bytes]]

    def log_message(self, *args: Any) -> None:
        pass

    def _answer(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length)
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.received.append((self.client_address[1], self.requestline, headers, body))
        if self.path == "/slow":
            time.sleep(1)
        content = b"x" * 2_000_000 if self.path == "/big" else b'{"ok":true}'
        self.send_response(200)
        self.send_header("Set-Cookie", "session=1")
        self.send_header("X-Ms-Request-Id", "r1")
        self.send_header("Content-Length", str(50 if self.path == "/drip" else len(content)))
        self.end_headers()
        try:
            if self.path == "/drip":
                for _ in range(50):
                    self.wfile.write(b"x")
                    self.wfile.flush()
                    time.sleep(0.1)
            elif self.command != "HEAD":
                self.wfile.write(content)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client stopped reading

    do_GET = do_POST = do_PUT = do_HEAD = _answer


@pytest.fixture
def server() -> Iterator[tuple[str, list[tuple[int, str, dict[str, str], bytes]]]]:
    received: list[tuple[int, str, dict[str, str], bytes]] = []
    handler = type("RecordingHandler", (Handler,), {"received": received})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}", received
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(params=["urllib3", "aiohttp"])
def send(request: pytest.FixtureRequest) -> Iterator[Callable[..., Response]]:
    """Sends attempts one after another through one transport of either kind."""
    if request.param == "urllib3":
        sync = Urllib3Transport(Timeout(read=0.5, connect=0.5))
        yield sync.send
        sync.close()
        return
    transport = AiohttpTransport(Timeout(read=0.5, connect=0.5))
    loop = asyncio.new_event_loop()
    yield lambda out: loop.run_until_complete(transport.send_async(out))
    loop.run_until_complete(transport.aclose())
    loop.close()


def outgoing(url: str, method: str = "GET", **changes: Any) -> Outgoing:
    fields: dict[str, Any] = {
        "method": method,
        "url": url,
        "headers": {"Authorization": "Bearer t", "User-Agent": "tests"},
        "content": None,
        "deadline": time.monotonic() + 10,
        "max_bytes": 1024 * 1024,
        **changes,
    }
    return Outgoing(**fields)


def test_the_request_reaches_the_wire_as_built(send: Send, server: Any) -> None:
    base, received = server
    target = "/api/hubs/h/users/a%2Fb%3F%25/groups/g%20?api-version=1&x=a+b"
    out = outgoing(
        base + target,
        "POST",
        headers={"Authorization": "Bearer t", "Content-Type": "text/plain", "X-Trace": "t1"},
        content=b"hello",
    )

    response = send(out)

    ((_, line, headers, body),) = received
    assert line == f"POST {target} HTTP/1.1"
    assert (headers["authorization"], headers["content-type"], headers["x-trace"]) == (
        "Bearer t",
        "text/plain",
        "t1",
    )
    assert body == b"hello"
    assert (response.status, response.reason, response.content) == (200, "OK", b'{"ok":true}')
    assert (response.method, response.url, response.request_id) == ("POST", out.url, "r1")
    assert not response.truncated


def test_connections_are_kept_alive_and_no_cookie_is_sent_back(send: Send, server: Any) -> None:
    base, received = server
    for method in ("GET", "HEAD", "PUT", "GET"):
        assert send(outgoing(base + "/", method)).status == 200
    assert len({port for port, *_ in received}) == 1
    assert all("cookie" not in headers for _, _, headers, _ in received)


def test_a_body_over_the_limit_is_cut_and_the_next_request_still_works(
    send: Send, server: Any
) -> None:
    base, received = server
    response = send(outgoing(base + "/big", max_bytes=1000))
    assert response.truncated and response.content == b"x" * 1000
    with pytest.raises(ValueError):
        response.json()

    assert send(outgoing(base + "/")).content == b'{"ok":true}'
    # The cut-off connection is not reused: its unread rest would be read as the next answer.
    assert len({port for port, *_ in received}) == 2


def test_a_body_dripping_past_the_deadline_ends_the_attempt(send: Send, server: Any) -> None:
    base, _ = server
    started = time.monotonic()
    with pytest.raises(AttemptError) as raised:
        send(outgoing(base + "/drip", deadline=time.monotonic() + 0.5))
    assert time.monotonic() - started < 2
    assert raised.value.may_have_arrived and raised.value.transient
    assert str(raised.value).startswith("ReadTimeout")


def test_an_answer_slower_than_the_read_timeout_may_have_arrived(send: Send, server: Any) -> None:
    base, _ = server
    with pytest.raises(AttemptError) as raised:
        send(outgoing(base + "/slow", "POST", content=b"m"))
    assert raised.value.may_have_arrived and raised.value.transient
    assert str(raised.value).startswith("ReadTimeout")


def test_a_refused_connection_never_arrived(send: Send) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(AttemptError) as raised:
        send(outgoing(f"http://127.0.0.1:{port}/", "POST", content=b"m"))
    assert not raised.value.may_have_arrived and raised.value.transient


def test_a_server_closing_without_an_answer_may_have_arrived(send: Send) -> None:
    listener = socket.create_server(("127.0.0.1", 0))

    def close_after_reading() -> None:
        connection, _ = listener.accept()
        connection.recv(65536)
        connection.close()

    thread = threading.Thread(target=close_after_reading, daemon=True)
    thread.start()
    port = listener.getsockname()[1]
    with pytest.raises(AttemptError) as raised:
        send(outgoing(f"http://127.0.0.1:{port}/", "POST", content=b"m"))
    thread.join(timeout=5)
    listener.close()
    assert raised.value.may_have_arrived and raised.value.transient
