"""The application developer's side of the clients: typed options, logging, paging, errors.

Through the public API only, against a recording mock transport or a loopback server; the
typing mistakes are checked by running mypy on small programs that use the installed package.
"""

from __future__ import annotations

import asyncio
import collections.abc
import inspect
import logging
import re
import socket
import subprocess
import sys
import textwrap
import threading
import time
import typing
import uuid
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

from realtime_rest import (
    AccessKey,
    AccessToken,
    ApiError,
    ClientClosedError,
    MockRequest,
    MockTransport,
    NotFoundError,
    RealtimeRestError,
    Reply,
    RetryPolicy,
    TransportError,
)
from realtime_rest.webpubsub import v2020_10_01 as webpubsub_v2020
from realtime_rest.webpubsub.v2024_12_01 import AsyncWebPubSubClient, GroupMember, WebPubSubClient
from tests.test_safety import Recorder

KEY = "developer-test-access-key-0123456789abcdef"
ENDPOINT = "https://contoso.webpubsub.azure.com"
CONNECTION_STRING = f"Endpoint={ENDPOINT};AccessKey={KEY};Version=1.0;"
FAST = RetryPolicy(max_retries=2, backoff=0.0, max_backoff=0.0)
both = pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])


def run(is_async: bool, recorder: Recorder, action: Callable[[Any], Any], **options: Any) -> Any:
    """``action(client)`` on a sync or async Web PubSub client; awaited when it is a coroutine."""
    options.setdefault("retry_policy", FAST)
    transport = MockTransport(recorder)
    if not is_async:
        with WebPubSubClient(
            ENDPOINT, AccessKey(KEY), hub="chat", transport=transport, **options
        ) as c:
            return action(c)

    async def in_loop() -> Any:
        async with AsyncWebPubSubClient(
            ENDPOINT, AccessKey(KEY), hub="chat", transport=transport, **options
        ) as client:
            result = action(client)
            return await result if inspect.isawaitable(result) else result

    return asyncio.run(in_loop())


def query_of(request: MockRequest) -> dict[str, list[str]]:
    return parse_qs(urlsplit(request.url).query)


def page(*connection_ids: str, next_link: str | None = None) -> Reply:
    body: dict[str, Any] = {"value": [{"connectionId": c} for c in connection_ids]}
    if next_link is not None:
        body["nextLink"] = next_link
    return Reply.with_json(200, body)


# --- typing mistakes that mypy must refuse -------------------------------------------------------

PRELUDE = """\
from typing import Any
from realtime_rest import AccessKey, AccessToken, MockTransport, Reply
from realtime_rest._runtime.http_aiohttp import AiohttpTransport
from realtime_rest.webpubsub import AsyncWebPubSubClient, WebPubSubClient

class SyncCredential:
    def get_token(self, *scopes: str, claims: str | None = None, **kwargs: Any) -> AccessToken:
        return AccessToken("t", 0)

class AsyncCredential:
    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        return AccessToken("t", 0)

client = WebPubSubClient.from_connection_string("Endpoint=http://localhost;AccessKey=k;", hub="h")
"""

# Each program, and a part of the one error mypy must report for it.
MISTAKES = {
    "misspelt_option": (
        'WebPubSubClient("https://x", AccessKey("k"), hub="h", timout=5)',
        'Unexpected keyword argument "timout"',
    ),
    "misspelt_option_of_a_connection_string": (
        'WebPubSubClient.from_connection_string("", hub="h", timout=5)',
        'Unexpected keyword argument "timout"',
    ),
    "timeout_as_text": (
        'WebPubSubClient("https://x", AccessKey("k"), hub="h", timeout="5")',
        'Argument "timeout" to "WebPubSubClient" has incompatible type "str"',
    ),
    "async_credential_for_the_sync_client": (
        'WebPubSubClient("https://x", AsyncCredential(), hub="h")',
        'Argument 2 to "WebPubSubClient" has incompatible type "AsyncCredential"',
    ),
    "sync_credential_for_the_async_client": (
        'AsyncWebPubSubClient("https://x", SyncCredential(), hub="h")',
        'Argument 2 to "AsyncWebPubSubClient" has incompatible type "SyncCredential"',
    ),
    "async_transport_for_the_sync_client": (
        'WebPubSubClient("https://x", AccessKey("k"), hub="h", transport=AiohttpTransport(10.0))',
        'Argument "transport" to "WebPubSubClient" has incompatible type "AiohttpTransport"',
    ),
    "a_set_as_message": (
        "client.send_to_all({1, 2})",
        'Argument 1 to "send_to_all" of "WebPubSubClient" has incompatible type "set[int]"',
    ),
    "an_object_as_message": (
        "client.send_to_all(object())",
        'Argument 1 to "send_to_all" of "WebPubSubClient" has incompatible type "object"',
    ),
    "lower_case_protocol": (
        'client.get_client_access_token(client_protocol="mqtt")',
        'Argument "client_protocol" to "get_client_access_token" of "WebPubSubTokens" has '
        "incompatible type \"Literal['mqtt']\"",
    ),
    "misspelt_call_option": (
        'client.send_to_all("hi", timout=5)',
        'Unexpected keyword argument "timout"',
    ),
}

# Uses that must type-check, with what mypy must infer for them.
CORRECT = """\
import logging
from realtime_rest import ApiError, RetryPolicy
from realtime_rest.webpubsub.v2024_12_01 import models

WebPubSubClient(
    "https://x", SyncCredential(), hub="h", timeout=5, connection_timeout=1.5,
    read_timeout=2, retry_policy=RetryPolicy(max_retries=1), logger=logging.getLogger("app"),
    transport=MockTransport(lambda request: Reply(202)),
)
AsyncWebPubSubClient("https://x", AsyncCredential(), hub="h")
payload: dict[str, list[int]] = {"a": [1]}
client.send_to_all(payload)
client.send_to_all(b"bytes")
client.send_to_all([{"nested": [True, None, 1.5]}])
client.get_client_access_token(client_protocol="MQTT")
client.generate_client_token(client_protocol="MQTT")
reveal_type(client.list_connections_in_group("g").by_page())
try:
    client.close_connection("c1")
except ApiError as error:
    reveal_type(error.error.code if error.error else None)
    if isinstance(error.error, models.ErrorDetail):
        reveal_type(error.error.details)
"""


@pytest.fixture(scope="module")
def mypy_output(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """mypy --strict over every program at once; its output by program name."""
    folder = tmp_path_factory.mktemp("typing")
    programs = {name: f"{PRELUDE}{code}\n" for name, (code, _) in MISTAKES.items()}
    programs["correct"] = PRELUDE + CORRECT
    for name, text in programs.items():
        (folder / f"{name}.py").write_text(text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary"]
        + ["--cache-dir", str(folder / ".cache"), *(f"{name}.py" for name in programs)],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=300,
    )
    output: dict[str, str] = {name: "" for name in programs}
    for line in result.stdout.splitlines():
        name = line.partition(".py:")[0]
        if name in output:
            output[name] += line + "\n"
    return output


@pytest.mark.parametrize("name", sorted(MISTAKES))
def test_mypy_refuses_the_mistake(mypy_output: dict[str, str], name: str) -> None:
    errors = [line for line in mypy_output[name].splitlines() if ": error:" in line]
    assert len(errors) == 1, mypy_output[name]
    assert MISTAKES[name][1] in errors[0]


def test_mypy_accepts_correct_use_and_infers_precise_types(mypy_output: dict[str, str]) -> None:
    output = mypy_output["correct"]
    assert ": error:" not in output, output
    revealed = [
        # Older mypy versions spell builtins and unions out.
        re.sub(r"^Union\[(.*), None\]$", r"\1 | None", shown.replace("builtins.", ""))
        for shown in re.findall(r'Revealed type is "(.*)"', output)
    ]
    assert revealed == [
        "typing.Iterator[list[realtime_rest.webpubsub.v2024_12_01.models.GroupMember]]",
        "str | None",
        "list[realtime_rest.webpubsub.v2024_12_01.models.ErrorDetail] | None",
    ]


# --- options -------------------------------------------------------------------------------------


def test_the_options_and_their_defaults_are_in_the_signature_and_documented() -> None:
    parameters = inspect.signature(WebPubSubClient).parameters
    defaults = {name: parameters[name].default for name in parameters}
    assert defaults["timeout"] == 60.0
    assert defaults["connection_timeout"] == 10.0
    assert defaults["read_timeout"] == 30.0
    assert defaults["retry_policy"] == RetryPolicy(max_retries=3, backoff=0.5)
    assert defaults["transport"] is None
    assert defaults["logger"] is logging.getLogger("realtime_rest")
    options = ("timeout", "connection_timeout", "read_timeout", "retry_policy", "logger")
    assert all(parameters[name].kind is inspect.Parameter.KEYWORD_ONLY for name in options)
    assert not any(p.kind is p.VAR_KEYWORD for p in parameters.values())
    documented = " ".join((inspect.getdoc(WebPubSubClient.__init__) or "").split())
    for name in (*options, "transport"):
        assert f":param {name}:" in documented
    assert "(60 unless given)" in documented and "(10 unless given)" in documented


@pytest.mark.parametrize(
    ("options", "error", "message"),
    [
        ({"timeout": 0}, ValueError, "timeout must be a finite number of seconds above 0"),
        ({"timeout": "5"}, TypeError, "timeout must be a number of seconds, not str"),
        ({"connection_timeout": -1}, ValueError, "connection_timeout must be"),
        ({"read_timeout": float("nan")}, ValueError, "read_timeout must be"),
        ({"timeout": True}, TypeError, "timeout must be a number of seconds, not bool"),
        ({"retry_policy": 3}, TypeError, "retry_policy must be a RetryPolicy, not int"),
        ({"logger": "app"}, TypeError, "logger must be a logging.Logger, not str"),
    ],
)
def test_a_wrong_option_is_refused_by_its_name(
    options: dict[str, Any], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=re.escape(message)):
        WebPubSubClient.from_connection_string(CONNECTION_STRING, hub="chat", **options)


@both
def test_a_wrong_per_call_timeout_is_refused_before_sending(is_async: bool) -> None:
    recorder = Recorder()
    with pytest.raises(ValueError, match="timeout must be a finite number of seconds above 0"):
        run(is_async, recorder, lambda c: c.send_to_all("hi", timeout=-1))
    assert recorder.requests == []


@pytest.fixture
def silent_server() -> Iterator[str]:
    """A loopback server that accepts connections and never answers."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted: list[socket.socket] = []

    def accept() -> None:
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept, daemon=True).start()
    yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    listener.close()
    for connection in accepted:
        connection.close()


def test_the_client_timeout_bounds_a_call_to_a_server_that_never_answers(
    silent_server: str,
) -> None:
    started = time.monotonic()
    with WebPubSubClient(silent_server, AccessKey(KEY), hub="chat", timeout=0.5) as client:
        with pytest.raises(TransportError, match="HEAD http://127.0.0.1"):
            client.user_exists("ann")
    assert time.monotonic() - started < 2


@pytest.fixture
def full_backlog() -> Iterator[str]:
    """A loopback port whose accept queue is full: new connections are never set up, so
    connecting times out (the kernel drops their SYNs) and no request reaches anyone."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    address = listener.getsockname()
    fillers = []
    for _ in range(3):
        filler = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        filler.setblocking(False)
        filler.connect_ex(address)
        fillers.append(filler)
    time.sleep(0.2)
    yield f"http://127.0.0.1:{address[1]}"
    for filler in fillers:
        filler.close()
    listener.close()


def test_a_send_whose_connection_timed_out_is_retried(
    full_backlog: str, caplog: pytest.LogCaptureFixture
) -> None:
    policy = RetryPolicy(max_retries=2, backoff=0.01, max_backoff=0.01)
    client = WebPubSubClient(
        full_backlog, AccessKey(KEY), hub="chat", connection_timeout=0.2, retry_policy=policy
    )
    with caplog.at_level(logging.INFO, logger="realtime_rest"), client:
        with pytest.raises(TransportError, match="ConnectTimeout"):
            client.send_to_all("hi")
    attempts = [r for r in caplog.records if r.levelno == logging.INFO]
    retries = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(attempts) == 3 and all("-> ConnectTimeout" in r.getMessage() for r in attempts)
    assert len(retries) == 2 and all("ConnectTimeout" in r.getMessage() for r in retries)


# --- logging -------------------------------------------------------------------------------------

INFO_LINE = re.compile(
    r"(?P<method>[A-Z]+) (?P<url>\S+) -> (?P<outcome>\S+) in \d+ ms \(attempt (?P<attempt>\d), "
    r"request id (?P<request_id>\S+), client request id (?P<client_request_id>[0-9a-f-]{36})\)"
)


@both
def test_each_request_is_one_info_line_and_each_retry_one_warning(
    is_async: bool, caplog: pytest.LogCaptureFixture
) -> None:
    recorder = Recorder(
        Reply(503, headers={"x-ms-request-id": "svc-1"}),
        Reply(202, headers={"x-ms-request-id": "svc-2"}),
    )
    with caplog.at_level(logging.INFO, logger="realtime_rest"):
        run(is_async, recorder, lambda c: c.send_to_all("hi"))

    infos = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert [r.name for r in caplog.records] == ["realtime_rest"] * 3
    matches = [INFO_LINE.fullmatch(line) for line in infos]
    assert all(matches), infos
    url = f"{ENDPOINT}/api/hubs/chat/:send?api-version=2024-12-01"
    assert [
        (m["method"], m["url"], m["outcome"], m["attempt"], m["request_id"]) for m in matches if m
    ] == [
        ("POST", url, "503", "1", "svc-1"),
        ("POST", url, "202", "2", "svc-2"),
    ]
    sent_ids = [r.headers["x-ms-client-request-id"] for r in recorder.requests]
    assert sent_ids[0] == sent_ids[1] == matches[0]["client_request_id"]  # type: ignore[index]
    assert uuid.UUID(sent_ids[0]).version == 4
    (warning,) = warnings
    assert re.fullmatch(
        rf"POST {re.escape(url)}: retrying in 0\.00 s \(retry 1 of 2, client request id "
        rf"{sent_ids[0]}\): 503 Service Unavailable",
        warning,
    ), warning


def test_every_call_has_a_new_client_request_id_and_the_callers_is_kept() -> None:
    recorder = Recorder()
    run(
        False,
        recorder,
        lambda c: [
            c.send_to_all("a"),
            c.send_to_all("b"),
            c.send_to_all("c", headers={"X-MS-Client-Request-Id": "mine"}),
        ],
    )
    ids = [r.headers.get("x-ms-client-request-id") for r in recorder.requests]
    assert ids[0] and ids[1] and ids[0] != ids[1]
    assert ids[2] == "mine"


def test_a_logger_of_the_application_gets_the_lines(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="app.realtime"):
        run(
            False,
            Recorder(),
            lambda c: c.send_to_all("hi"),
            logger=logging.getLogger("app.realtime"),
        )
    assert [r.name for r in caplog.records] == ["app.realtime"]
    assert "POST https://" in caplog.records[0].getMessage()


def test_no_secret_shows_in_any_log_line_or_error(caplog: pytest.LogCaptureFixture) -> None:
    link = "/api/hubs/chat/groups/g/connections?access_token=leaked-token&page=2"
    recorder = Recorder(
        page("c1", next_link=link),
        Reply.with_json(404, {"error": {"code": "Gone", "message": "no such group"}}),
    )

    class Credential:
        def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
            return AccessToken("entra-secret-token", int(time.time()) + 3600)

    with caplog.at_level(logging.DEBUG, logger="realtime_rest"):
        with WebPubSubClient(
            ENDPOINT, Credential(), hub="chat", transport=MockTransport(recorder)
        ) as client:
            with pytest.raises(NotFoundError) as raised:
                list(client.list_connections_in_group("g"))

    shown = caplog.text + str(raised.value) + repr(raised.value)
    assert "leaked-token" not in shown and "entra-secret-token" not in shown
    assert query_of(recorder.requests[1])["access_token"] == ["leaked-token"]
    assert str(raised.value) == (
        f"GET {ENDPOINT}/api/hubs/chat/groups/g/connections?access_token=REDACTED&page=2: "
        "no such group (status 404, code Gone)"
    )
    assert (raised.value.method, raised.value.url) == (
        "GET",
        f"{ENDPOINT}/api/hubs/chat/groups/g/connections?access_token=REDACTED&page=2",
    )


@given(
    st.sampled_from(["access_token", "Access_Token", "accessKey", "sig", "token"]),
    st.text(
        alphabet=st.characters(blacklist_characters="&#", blacklist_categories=["Cs"]), min_size=1
    ),
)
def test_an_api_error_never_shows_a_secret_of_its_url(name: str, secret: str) -> None:
    error = ApiError(400, "bad", method="GET", url=f"https://h.example.com/p?a=1&{name}={secret}")
    assert error.url == f"https://h.example.com/p?a=1&{name}=REDACTED"
    assert str(error) == f"GET https://h.example.com/p?a=1&{name}=REDACTED: bad (status 400)"


# --- paging --------------------------------------------------------------------------------------


def two_pages() -> Recorder:
    return Recorder(
        page("c1", "c2", next_link="/api/hubs/chat/groups/g/connections?page=2"),
        page("c3"),
        page("c1", "c2", next_link="/api/hubs/chat/groups/g/connections?page=2"),
        page("c3"),
    )


def test_pages_can_be_read_page_by_page() -> None:
    recorder = two_pages()

    def read(client: WebPubSubClient) -> tuple[list[list[GroupMember]], list[GroupMember]]:
        members = client.list_connections_in_group("g")
        assert recorder.requests == []  # nothing is sent before the first page is asked for
        return list(members.by_page()), list(members)

    pages, items = run(False, recorder, read)
    assert [[m.connection_id for m in p] for p in pages] == [["c1", "c2"], ["c3"]]
    assert [m.connection_id for m in items] == ["c1", "c2", "c3"]
    pages = [query_of(r).get("page") for r in recorder.requests]
    assert pages == [None, ["2"], None, ["2"]]


def test_async_pages_can_be_read_page_by_page() -> None:
    recorder = two_pages()

    async def read(client: AsyncWebPubSubClient) -> tuple[list[list[str]], list[str]]:
        members = client.list_connections_in_group("g")
        pages = [[m.connection_id for m in p] async for p in members.by_page()]
        return pages, [m.connection_id async for m in members]

    pages, items = run(True, recorder, read)
    assert pages == [["c1", "c2"], ["c3"]]
    assert items == ["c1", "c2", "c3"]
    assert len(recorder.requests) == 4


# --- a closed client -----------------------------------------------------------------------------


@both
def test_a_call_after_close_raises_the_packages_error_and_sends_nothing(is_async: bool) -> None:
    recorder = Recorder()
    transport = MockTransport(recorder)
    if is_async:

        async def use() -> None:
            async with AsyncWebPubSubClient(
                ENDPOINT, AccessKey(KEY), hub="chat", transport=transport
            ) as client:
                pass
            await client.send_to_all("late")

        with pytest.raises(ClientClosedError, match="the client is closed") as raised:
            asyncio.run(use())
    else:
        with WebPubSubClient(ENDPOINT, AccessKey(KEY), hub="chat", transport=transport) as client:
            pass
        with pytest.raises(ClientClosedError, match="the client is closed") as raised:
            client.send_to_all("late")
    assert isinstance(raised.value, RealtimeRestError)
    assert recorder.requests == []


# --- one spelling per value, message content -----------------------------------------------------


def test_client_protocols_are_spelled_as_the_service_spells_them() -> None:
    client = WebPubSubClient.from_connection_string(CONNECTION_STRING, hub="chat")
    access = client.get_client_access_token(client_protocol="SocketIO")
    assert access.base_url == "wss://contoso.webpubsub.azure.com/clients/socketio/hubs/chat"
    with pytest.raises(ValueError) as raised:
        client.get_client_access_token(client_protocol="mqtt")  # type: ignore[arg-type]
    assert str(raised.value) == (
        "client_protocol must be one of 'Default', 'MQTT', 'SocketIO', not 'mqtt'"
    )


@pytest.mark.parametrize(
    ("message", "error", "text"),
    [
        ({1, 2}, TypeError, "message must be a str, bytes or a JSON value"),
        ({"when": object()}, TypeError, "message must be a str, bytes or a JSON value"),
        (None, TypeError, "message is required, not None"),
        ({"ratio": float("nan")}, ValueError, "message is not a JSON value"),
    ],
)
def test_a_message_json_cannot_carry_is_refused_before_sending(
    message: Any, error: type[Exception], text: str
) -> None:
    recorder = Recorder()
    with pytest.raises(error, match=re.escape(text)):
        run(False, recorder, lambda c: c.send_to_all(message))
    assert recorder.requests == []


def test_the_message_error_names_the_argument_of_the_version() -> None:
    transport = MockTransport(Recorder())
    client = webpubsub_v2020.WebPubSubClient(
        ENDPOINT, AccessKey(KEY), hub="chat", transport=transport
    )
    with pytest.raises(TypeError, match="payload_message is required, not None"):
        client.send_to_all(None)  # type: ignore[arg-type]


def test_bytes_of_any_kind_are_sent_as_binary() -> None:
    recorder = Recorder()
    run(
        False,
        recorder,
        lambda c: [c.send_to_all(bytearray(b"\x00\x01")), c.send_to_all(memoryview(b"\x02"))],
    )
    assert [(r.headers["content-type"], r.content) for r in recorder.requests] == [
        ("application/octet-stream", b"\x00\x01"),
        ("application/octet-stream", b"\x02"),
    ]


def test_the_error_model_is_typed_and_still_compares_as_the_versions_model() -> None:
    body = {"error": {"code": "Forbidden", "message": "no", "target": "hub"}}
    with pytest.raises(ApiError) as raised:
        run(False, Recorder(Reply.with_json(403, body)), lambda c: c.close_connection("c1"))
    from realtime_rest.webpubsub.v2024_12_01.models import ErrorDetail

    assert raised.value.error == ErrorDetail(code="Forbidden", message="no", target="hub")
    assert raised.value.error is not None and raised.value.error.target == "hub"


def test_versions_without_an_error_model_leave_error_empty() -> None:
    transport = MockTransport(Recorder(Reply.with_json(403, {"code": "Forbidden"})))
    with (
        webpubsub_v2020.WebPubSubClient(
            ENDPOINT, AccessKey(KEY), hub="chat", transport=transport, retry_policy=FAST
        ) as client,
        pytest.raises(ApiError) as raised,
    ):
        client.close_connection("c1")
    assert raised.value.error is None and raised.value.error_code == "Forbidden"


def test_the_message_type_resolves_at_run_time_for_tools_that_read_annotations() -> None:
    hints = typing.get_type_hints(WebPubSubClient.send_to_all)
    mapping = next(arg for arg in typing.get_args(hints["message"]) if typing.get_origin(arg))
    assert typing.get_origin(mapping) is collections.abc.Mapping
    assert str in typing.get_args(typing.get_args(mapping)[1])  # JsonValue, resolved
