"""The generated clients with hostile arguments and odd answers, through the public API only.

Every version, sync and async, against a mock transport that records what reached it: the tests
assert the request that was (or was not) sent, the exception type and message, and that no secret
appears in a message, a repr or a log line.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
import time
import warnings
from collections.abc import AsyncIterator, Callable, Iterator
from types import ModuleType
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from realtime_rest import (
    AccessKey,
    ApiError,
    AttemptError,
    BadRequestError,
    ConnectionStringError,
    InsecureConnectionWarning,
    MockRequest,
    MockTransport,
    Reply,
    Response,
    RetryPolicy,
    ServiceError,
    ThrottledError,
    TransportError,
    UnexpectedResponseError,
)
from realtime_rest._runtime.auth import AccessToken
from realtime_rest.signalr import v1 as signalr_v1
from realtime_rest.signalr import v2022_06_01 as signalr_v2022
from realtime_rest.webpubsub import v2020_10_01 as webpubsub_v2020
from realtime_rest.webpubsub import v2024_12_01 as webpubsub_v2024
from tests.test_runtime import Replies

KEY = "safety-test-access-key-0123456789abcdef"
ENDPOINT = "https://contoso.service.example.com"
FAST = RetryPolicy(max_retries=2, backoff=0.0, max_backoff=0.0)
VERSIONS = [signalr_v1, signalr_v2022, webpubsub_v2020, webpubsub_v2024]


class Recorder(Replies):
    """A mock service: answers from a script (202 when it runs out), records every request."""

    def __call__(self, request: MockRequest) -> Reply:
        if not self.replies:
            self.replies.append(Reply(202))
        return super().__call__(request)

    @property
    def paths(self) -> list[str]:
        return [request.target for request in self.requests]


def client_classes(version: ModuleType) -> tuple[type[Any], type[Any]]:
    """The sync and async client classes of a version module."""
    names = [name for name in version.__all__ if name.endswith("Client")]
    sync = next(getattr(version, name) for name in names if not name.startswith("Async"))
    asynchronous = next(getattr(version, name) for name in names if name.startswith("Async"))
    return sync, asynchronous


def call(
    version: ModuleType,
    is_async: bool,
    recorder: Recorder,
    action: Callable[[Any], Any],
    endpoint: str = ENDPOINT,
    **options: Any,
) -> Any:
    """Run ``action(client)`` on a sync or async client of the version; return what it returned."""
    sync_class, async_class = client_classes(version)
    options.setdefault("retry_policy", FAST)
    if not is_async:
        transport: Any = MockTransport(recorder)
        with sync_class(endpoint, AccessKey(KEY), hub="chat", transport=transport, **options) as c:
            result = action(c)
            return list(result) if isinstance(result, Iterator) else result

    async def run() -> Any:
        transport = MockTransport(recorder)
        async with async_class(
            endpoint, AccessKey(KEY), hub="chat", transport=transport, **options
        ) as client:
            result = action(client)
            if isinstance(result, AsyncIterator):
                return [item async for item in result]
            return await result if inspect.isawaitable(result) else result

    return asyncio.run(run())


both = pytest.mark.parametrize("is_async", [False, True], ids=["sync", "async"])
every_version = pytest.mark.parametrize("version", VERSIONS, ids=lambda v: v.__name__[14:])


# --- path values ---------------------------------------------------------------------------------


@both
@every_version
@pytest.mark.parametrize("value", ["..", ".", ""])
def test_dot_segments_and_empty_path_values_are_refused_before_sending(
    version: ModuleType, is_async: bool, value: str
) -> None:
    recorder = Recorder()
    with pytest.raises(ValueError) as raised:
        call(version, is_async, recorder, lambda c: c.close_connection(value))
    assert str(raised.value).startswith("connection_id must ")
    assert recorder.requests == []

    with pytest.raises(ValueError) as raised:
        call(version, is_async, recorder, lambda c: c.remove_connection_from_group(value, "c1"))
    assert str(raised.value).startswith("group must ")
    assert recorder.requests == []


@both
@every_version
def test_a_path_value_is_one_percent_encoded_segment(version: ModuleType, is_async: bool) -> None:
    recorder = Recorder()
    call(version, is_async, recorder, lambda c: c.remove_connection_from_group("a/../b", "..."))
    assert len(recorder.requests) == 1
    path = recorder.paths[0].partition("?")[0]
    assert path.endswith("/groups/a%2F..%2Fb/connections/...")


@both
@every_version
def test_path_values_longer_than_the_cap_are_refused(version: ModuleType, is_async: bool) -> None:
    recorder = Recorder()
    with pytest.raises(ValueError) as raised:
        call(version, is_async, recorder, lambda c: c.close_connection("c" * 200_000))
    assert str(raised.value) == "connection_id must be 1024 or fewer characters long"
    assert recorder.requests == []


@both
@every_version
@pytest.mark.parametrize(
    ("value", "message"),
    [
        (None, "connection_id is required, not None"),
        (7, "connection_id must be a str, not int"),
        (b"c1", "connection_id must be a str, not bytes"),
    ],
)
def test_path_values_of_the_wrong_type_are_type_errors(
    version: ModuleType, is_async: bool, value: Any, message: str
) -> None:
    recorder = Recorder()
    with pytest.raises(TypeError) as raised:
        call(version, is_async, recorder, lambda c: c.close_connection(value))
    assert str(raised.value) == message
    assert recorder.requests == []


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(min_size=1, max_size=40).filter(lambda text: text not in (".", "..")))
def test_any_other_text_reaches_the_service_as_exactly_one_segment(value: str) -> None:
    recorder = Recorder()
    call(webpubsub_v2024, False, recorder, lambda c: c.close_connection(value, reason="r"))
    sent = recorder.requests[0].target
    prefix = "/api/hubs/chat/connections/"
    assert sent.startswith(prefix)
    segment = sent[len(prefix) :].partition("?")[0]
    assert "/" not in segment and "?" not in segment and "#" not in segment
    assert unquote(segment) == value


# --- other arguments ------------------------------------------------------------------------------


def test_patterns_match_the_whole_value() -> None:
    with pytest.raises(ValueError) as raised:
        webpubsub_v2024.WebPubSubClient(ENDPOINT, AccessKey(KEY), hub="chat\n")
    assert str(raised.value) == ("hub must match ^[A-Za-z][A-Za-z0-9_]*$ as a whole, not 'chat\\n'")


@both
@pytest.mark.parametrize(
    ("arguments", "error", "message"),
    [
        ({"top": True}, TypeError, "top must be an int, not bool"),
        ({"top": 1.5}, TypeError, "top must be an int, not float"),
        ({"top": "3"}, TypeError, "top must be an int, not str"),
        ({"top": 0}, ValueError, "top must be at least 1, not 0"),
        ({"maxpagesize": -1}, ValueError, "maxpagesize must be at least 1, not -1"),
    ],
)
def test_integers_are_ints_in_range(
    is_async: bool, arguments: dict[str, Any], error: type[Exception], message: str
) -> None:
    recorder = Recorder()
    with pytest.raises(error) as raised:
        call(
            webpubsub_v2024,
            is_async,
            recorder,
            lambda c: c.list_connections_in_group("g", **arguments),
        )
    assert str(raised.value) == message
    assert recorder.requests == []


@both
@pytest.mark.parametrize(
    ("excluded", "error", "message"),
    [
        ("c1", TypeError, "excluded must be a list or tuple of str, not str"),
        (["c1", 2], TypeError, "excluded[1] must be a str, not int"),
        ({"c1"}, TypeError, "excluded must be a list or tuple of str, not set"),
    ],
)
def test_a_str_is_not_taken_for_a_list_of_str(
    is_async: bool, excluded: Any, error: type[Exception], message: str
) -> None:
    recorder = Recorder()
    with pytest.raises(error) as raised:
        call(
            webpubsub_v2024,
            is_async,
            recorder,
            lambda c: c.close_all_connections(excluded=excluded),
        )
    assert str(raised.value) == message
    assert recorder.requests == []


@both
def test_lists_of_str_repeat_in_the_query(is_async: bool) -> None:
    recorder = Recorder()
    call(
        webpubsub_v2024, is_async, recorder, lambda c: c.close_all_connections(excluded=["a", "b"])
    )
    assert parse_qs(urlsplit(recorder.requests[0].url).query)["excluded"] == ["a", "b"]


@both
def test_enum_values_outside_the_spec_are_refused(is_async: bool) -> None:
    recorder = Recorder()
    with pytest.raises(ValueError) as raised:
        call(
            webpubsub_v2024,
            is_async,
            recorder,
            lambda c: c.generate_client_token(client_protocol="mqtt"),
        )
    assert str(raised.value) == (
        "client_protocol must be one of 'Default', 'MQTT', 'SocketIO', not 'mqtt'"
    )
    assert recorder.requests == []


def test_end_client_tokens_check_their_arguments() -> None:
    client = webpubsub_v2024.WebPubSubClient(ENDPOINT, AccessKey(KEY), hub="chat")
    with pytest.raises(TypeError, match="^groups must be a list or tuple of str, not str$"):
        client.get_client_access_token(groups="readers")
    with pytest.raises(TypeError, match="^minutes_to_expire must be an int, not bool$"):
        client.get_client_access_token(minutes_to_expire=True)
    with pytest.raises(TypeError, match="^user_id must be a str, not int$"):
        signalr_v2022.SignalRClient(ENDPOINT, AccessKey(KEY), hub="chat").get_client_negotiation(
            user_id=5
        )


# --- answers that do not match the operation --------------------------------------------------------


def json_reply(status: int, body: bytes, **headers: str) -> Reply:
    return Reply(status, content=body, headers={"content-type": "application/json", **headers})


@both
@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b"[1,2,3]", "expected a JSON object, got an array"),
        (b"null", "expected a JSON object, got null"),
        (b'"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"', "expected a JSON object, got a string"),
        (b"[" * 100_000, "the body is not valid JSON"),
        (b'{"token": ', "the body is not valid JSON"),
    ],
)
def test_a_model_of_the_wrong_shape_is_an_unexpected_response_error(
    is_async: bool, body: bytes, problem: str
) -> None:
    recorder = Recorder(json_reply(200, body, **{"x-ms-request-id": "req-7"}))
    with pytest.raises(UnexpectedResponseError) as raised:
        call(webpubsub_v2024, is_async, recorder, lambda c: c.generate_client_token())
    error = raised.value
    assert isinstance(error, ApiError)
    assert (error.status, error.request_id) == (200, "req-7")
    assert str(error) == (
        f"POST {ENDPOINT}/api/hubs/chat/:generateToken?api-version=2024-12-01&minutesToExpire=60"
        f"&clientType=Default: unexpected answer from the service: {problem} "
        "(status 200, request id req-7)"
    )
    assert error.excerpt == body.decode()[:200] or "<redacted>" in error.excerpt
    assert "eyJ" not in error.excerpt and "eyJ" not in str(error)


@both
@pytest.mark.parametrize(
    ("page", "problem"),
    [
        (b"{}", "the page does not have the documented shape: 'value' is missing"),
        (b'{"value": 5}', "the page does not have the documented shape: 'value' is not a list"),
        (b"[]", "a page must be a JSON object, got an array"),
        (
            b'{"value": [1]}',
            "the page does not have the documented shape: 'value' is not a list of objects",
        ),
        (
            b'{"value": [{"connectionId": 7}]}',
            "the page does not have the documented shape: 'connectionId' is not a string",
        ),
        (
            b'{"value": [], "nextLink": 5}',
            "the page does not have the documented shape: 'nextLink' is not a string",
        ),
    ],
)
def test_a_page_of_the_wrong_shape_is_an_unexpected_response_error(
    is_async: bool, page: bytes, problem: str
) -> None:
    recorder = Recorder(json_reply(200, page))
    with pytest.raises(UnexpectedResponseError) as raised:
        call(webpubsub_v2024, is_async, recorder, lambda c: c.list_connections_in_group("g"))
    assert raised.value.message == f"unexpected answer from the service: {problem}"
    assert len(recorder.requests) == 1


@both
@pytest.mark.parametrize(
    ("body", "message", "code"),
    [
        (b'"the hub is disabled"', "the hub is disabled", None),
        (b'{"error": 5}', "Bad Request", None),
        (b'{"code": 7, "message": ["x"]}', "Bad Request", None),
        (b'{"code": "Nope", "message": "no", "details": "odd"}', "no", "Nope"),
        (b"<html>bad gateway</html>", "Bad Request", None),
    ],
)
def test_odd_error_bodies_still_give_the_typed_error(
    is_async: bool, body: bytes, message: str, code: str | None
) -> None:
    recorder = Recorder(json_reply(400, body))
    with pytest.raises(BadRequestError) as raised:
        call(webpubsub_v2024, is_async, recorder, lambda c: c.close_connection("c1"))
    assert (raised.value.message, raised.value.error_code) == (message, code)


@both
def test_bodies_are_read_up_to_the_limit(is_async: bool) -> None:
    huge = b'{"token": "' + b"x" * 50_000 + b'"}'
    recorder = Recorder(Reply(202, content=huge), json_reply(200, huge))
    sent = call(
        webpubsub_v2024,
        is_async,
        recorder,
        lambda c: c.send_to_all("hi"),
        max_response_bytes=1000,
    )
    assert sent is None  # the send happened; its (unused) body was cut off, not read whole
    with pytest.raises(UnexpectedResponseError) as raised:
        call(
            webpubsub_v2024,
            is_async,
            recorder,
            lambda c: c.generate_client_token(),
            max_response_bytes=1000,
        )
    assert "larger than the client's max_response_bytes" in raised.value.message
    assert len(raised.value.excerpt) <= 200 and "xxxx" not in raised.value.excerpt


# --- next links -----------------------------------------------------------------------------------


def page(next_link: str | None, *ids: str) -> Reply:
    body: dict[str, Any] = {"value": [{"connectionId": i} for i in ids]}
    if next_link is not None:
        body["nextLink"] = next_link
    return Reply.with_json(200, body)


@both
@pytest.mark.parametrize(
    ("link", "problem"),
    [
        ("https://evil.example.com/api/hubs/chat/groups/g/connections?p=2", "another scheme"),
        ("https://contoso.service.example.com:8443/api/x", "another scheme"),
        ("http://contoso.service.example.com/api/x", "another scheme"),
        ("//evil.example.com/api/x", "another scheme"),
        ("https://user@contoso.service.example.com/api/x", "not an http(s) URL"),
        ("/api/hubs/chat/groups/g/connections/../../../../x", "'.' or '..' segments"),
        ("https://contoso.service.example.com/a b", "spaces or control characters"),
        ("javascript:alert(1)", "not an http(s) URL"),
    ],
)
def test_next_links_elsewhere_are_not_followed(is_async: bool, link: str, problem: str) -> None:
    recorder = Recorder(page(link, "c1"))
    with pytest.raises(UnexpectedResponseError) as raised:
        call(webpubsub_v2024, is_async, recorder, lambda c: c.list_connections_in_group("g"))
    assert problem in raised.value.message and "not followed" in raised.value.message
    assert link not in str(raised.value)
    assert [urlsplit(r.url).hostname for r in recorder.requests] == ["contoso.service.example.com"]


@both
def test_relative_and_same_origin_next_links_are_followed_with_the_token(is_async: bool) -> None:
    recorder = Recorder(
        page("/api/hubs/chat/groups/g/connections?continuationToken=2", "c1"),
        page(f"{ENDPOINT}/api/hubs/chat/groups/g/connections?continuationToken=3", "c2"),
        page(None, "c3"),
    )
    members = call(webpubsub_v2024, is_async, recorder, lambda c: c.list_connections_in_group("g"))
    assert [m.connection_id for m in members] == ["c1", "c2", "c3"]
    assert [str(r.url) for r in recorder.requests[1:]] == [
        f"{ENDPOINT}/api/hubs/chat/groups/g/connections?continuationToken=2",
        f"{ENDPOINT}/api/hubs/chat/groups/g/connections?continuationToken=3",
    ]
    assert all(r.headers["authorization"].startswith("Bearer ") for r in recorder.requests)


@both
def test_a_repeated_next_link_ends_paging(is_async: bool) -> None:
    link = "/api/hubs/chat/groups/g/connections?continuationToken=same"
    recorder = Recorder(page(link), page(link), page(link))
    with pytest.raises(UnexpectedResponseError) as raised:
        call(webpubsub_v2024, is_async, recorder, lambda c: c.list_connections_in_group("g"))
    assert raised.value.message.endswith("the service repeated a next link; paging stopped")
    assert len(recorder.requests) == 2


@both
def test_the_page_cap_ends_endless_paging(is_async: bool) -> None:
    recorder = Recorder(*[page(f"/api/hubs/chat/groups/g/connections?p={n}") for n in range(10)])
    with pytest.raises(UnexpectedResponseError) as raised:
        call(
            webpubsub_v2024,
            is_async,
            recorder,
            lambda c: c.list_connections_in_group("g"),
            max_pages=3,
        )
    assert raised.value.message.endswith("paging stopped after 3 pages, the client's max_pages")
    assert len(recorder.requests) == 3


def test_next_links_are_rebuilt_for_a_reverse_proxy() -> None:
    recorder = Recorder(
        page(f"{ENDPOINT}/prefix/api/hubs/chat/groups/g/connections?p=2", "c1"), page(None)
    )
    call(
        webpubsub_v2024,
        False,
        recorder,
        lambda c: c.list_connections_in_group("g"),
        endpoint=f"{ENDPOINT}/prefix",
        reverse_proxy_endpoint="https://gateway.example.com:8443/base",
    )
    assert [str(r.url) for r in recorder.requests] == [
        "https://gateway.example.com:8443/base/api/hubs/chat/groups/g/connections"
        "?api-version=2024-12-01",
        "https://gateway.example.com:8443/base/api/hubs/chat/groups/g/connections?p=2",
    ]


# --- endpoints and connection strings -------------------------------------------------------------


@pytest.mark.parametrize(
    ("endpoint", "message"),
    [
        ("https://contoso.example.com?x=1", "endpoint must not have a query or fragment"),
        ("https://contoso.example.com/#top", "endpoint must not have a query or fragment"),
        ("https://user:pw@contoso.example.com", "endpoint must not contain user information"),
        ("https://contoso.example.com:0", "endpoint has a port that is not a number in 1..65535"),
        ("https://contoso.example.com:65536", "endpoint has a port that is not"),
        ("https://contoso.example.com:\u0668\u0660", "endpoint has a port that is not"),
        ("ftp://contoso.example.com", "endpoint must start with http:// or https://"),
        ("contoso.example.com", "endpoint must start with http:// or https://"),
        ("https://contoso.example.com/a/../b", "endpoint has a path with '.' or '..' segments"),
        ("https://conto so.example.com", "endpoint must not contain spaces or control characters"),
        ("https://[::1", "endpoint has a malformed IPv6 address"),
        (
            f"Endpoint=https://contoso.example.com;AccessKey={KEY};Version=1.0;",
            "endpoint is a connection string, not an endpoint: use from_connection_string",
        ),
    ],
)
def test_endpoints_are_strict_and_errors_never_echo_them(endpoint: str, message: str) -> None:
    with pytest.raises(ValueError) as raised:
        webpubsub_v2024.WebPubSubClient(endpoint, AccessKey(KEY), hub="chat")
    assert str(raised.value).startswith(message)
    assert "contoso" not in str(raised.value) and KEY not in str(raised.value)


def test_ipv6_endpoints_and_their_paths_are_kept() -> None:
    recorder = Recorder()
    call(
        webpubsub_v2024,
        False,
        recorder,
        lambda c: c.close_connection("c1"),
        endpoint="http://[::1]:8080/prefix/",
    )
    assert str(recorder.requests[0].url) == (
        "http://[::1]:8080/prefix/api/hubs/chat/connections/c1?api-version=2024-12-01"
    )


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            f"Endpoint={ENDPOINT};AccessKey={KEY};Endpoint=https://evil.example.com;",
            "Endpoint appears twice",
        ),
        (f"Endpoint={ENDPOINT};AccessKey={KEY};accesskey={KEY}x;", "AccessKey appears twice"),
        (f"Endpoint={KEY};AccessKey=x;", "Endpoint must start with http:// or https://"),
        (f"Endpoint={ENDPOINT};AccessKey={KEY};Port=８０;", "Port is not a number in 1..65535"),
        (f"Endpoint={ENDPOINT};AccessKey={KEY};Port=70000;", "Port is not a number"),
        (f"Endpoint={ENDPOINT};AccessKey={KEY};ClientEndpoint={KEY};", "ClientEndpoint must"),
        (f"Endpoint={ENDPOINT};AccessKey={KEY};ServerEndpoint=x?{KEY};", "ServerEndpoint must"),
        (f"Endpoint={ENDPOINT};AccessKey={KEY};Version={KEY};", "unsupported connection string"),
        (f"Endpoint={ENDPOINT};AccessKey={KEY};={KEY};", "segment 3 is not Name=value"),
    ],
)
def test_connection_strings_are_strict_and_errors_name_the_field_only(
    text: str, message: str
) -> None:
    with pytest.raises(ConnectionStringError) as raised:
        webpubsub_v2024.WebPubSubClient.from_connection_string(text, hub="chat")
    assert message in str(raised.value)
    assert KEY not in str(raised.value) and KEY[:10] not in str(raised.value)


def _connection_string_error(field: str, value: str) -> str:
    text = f"Endpoint={ENDPOINT};AccessKey=k;{field}={value};"
    try:
        webpubsub_v2024.WebPubSubClient.from_connection_string(text, hub="chat")
    except (ConnectionStringError, ValueError) as error:
        return str(error)
    return ""


@settings(max_examples=50, deadline=None)
@given(st.text(alphabet=st.characters(blacklist_characters=";"), min_size=12, max_size=60))
def test_a_key_pasted_into_any_field_never_shows_in_the_error(secret: str) -> None:
    for field in ("Endpoint", "ClientEndpoint", "ServerEndpoint", "Port", "Version"):
        message = _connection_string_error(field, secret)
        # Text the message holds whatever the value (the field's name, the rule) is no echo.
        prose = _connection_string_error(field, "#" * len(secret))
        assert secret.strip() not in message or secret.strip() in prose


def test_port_replaces_the_port_and_keeps_host_path_and_brackets() -> None:
    client = webpubsub_v2024.WebPubSubClient.from_connection_string(
        f"Endpoint=http://[::1]:1/base;AccessKey={KEY};Port=8080;Version=1.0;", hub="chat"
    )
    assert client.endpoint == "http://[::1]:8080/base"
    assert client.get_client_access_token().base_url == "ws://[::1]:8080/base/client/hubs/chat"


def test_server_endpoint_gets_the_calls_and_client_endpoint_the_end_clients() -> None:
    recorder = Recorder()
    text = (
        f"Endpoint={ENDPOINT};AccessKey={KEY};Version=1.0;"
        "ServerEndpoint=https://internal.example.com;ClientEndpoint=https://public.example.com;"
    )
    client = webpubsub_v2024.WebPubSubClient.from_connection_string(
        text, hub="chat", transport=MockTransport(recorder)
    )
    client.close_connection("c1")
    assert urlsplit(recorder.requests[0].url).hostname == "internal.example.com"
    assert client.get_client_access_token().base_url.startswith("wss://public.example.com/")
    negotiation = signalr_v2022.SignalRClient.from_connection_string(
        text.replace("ClientEndpoint=https://public.example.com;", ""), hub="chat"
    ).get_client_negotiation()
    assert negotiation.url == f"{ENDPOINT}/client/?hub=chat"  # not the internal ServerEndpoint
    assert KEY not in repr(client) and "internal" in repr(client)


# --- credentials over plain http ------------------------------------------------------------------


class Credential:
    """An Entra ID credential that counts its get_token calls."""

    def __init__(self, delay: float = 0.0) -> None:
        self.calls = 0
        self.delay = delay

    def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.calls += 1
        time.sleep(self.delay)
        return AccessToken(f"entra-token-{self.calls}", int(time.time()) + 3600)


class AsyncCredential:
    def __init__(self) -> None:
        self.calls = 0

    async def get_token(self, *scopes: str, **kwargs: Any) -> AccessToken:
        self.calls += 1
        await asyncio.sleep(0.05)
        return AccessToken(f"entra-token-{self.calls}", int(time.time()) + 3600)


@pytest.mark.parametrize(
    "options",
    [
        {"endpoint": "http://contoso.example.com"},
        {"endpoint": ENDPOINT, "reverse_proxy_endpoint": "http://gateway.example.com"},
    ],
)
def test_entra_tokens_are_refused_over_plain_http_to_a_remote_host(options: Any) -> None:
    endpoint = options.pop("endpoint")
    with pytest.raises(ValueError) as raised:
        webpubsub_v2024.WebPubSubClient(endpoint, Credential(), hub="chat", **options)
    assert str(raised.value).startswith("refusing to send Microsoft Entra ID tokens over plain")
    with pytest.raises(ValueError):
        webpubsub_v2024.AsyncWebPubSubClient(endpoint, AsyncCredential(), hub="chat", **options)


@pytest.mark.parametrize(
    "endpoint", ["http://localhost:8080", "http://127.0.0.2", "http://[::1]", "https://x.example"]
)
def test_entra_tokens_may_go_to_loopback_or_https(endpoint: str) -> None:
    recorder = Recorder()
    credential = Credential()
    client = webpubsub_v2024.WebPubSubClient(
        endpoint, credential, hub="chat", transport=MockTransport(recorder)
    )
    client.close_connection("c1")
    assert recorder.requests[0].headers["authorization"] == "Bearer entra-token-1"


def test_entra_tokens_go_over_plain_http_when_the_caller_opts_in() -> None:
    recorder = Recorder()
    client = webpubsub_v2024.WebPubSubClient(
        "http://contoso.example.com",
        Credential(),
        hub="chat",
        transport=MockTransport(recorder),
        allow_http_credentials=True,
    )
    client.close_connection("c1")
    assert urlsplit(recorder.requests[0].url).scheme == "http"


def test_access_key_tokens_over_plain_http_to_a_remote_host_warn() -> None:
    with pytest.warns(InsecureConnectionWarning, match="plain http") as caught:
        webpubsub_v2024.WebPubSubClient("http://contoso.example.com", AccessKey(KEY), hub="chat")
    assert len(caught) == 1 and KEY not in str(caught[0].message)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        webpubsub_v2024.WebPubSubClient("http://127.0.0.1:8080", AccessKey(KEY), hub="chat")


# --- retries and deadlines -----------------------------------------------------------------------


@both
def test_a_retry_after_beyond_the_policy_ends_retrying_at_once(is_async: bool) -> None:
    recorder = Recorder(Reply(429, headers={"Retry-After": "120"}))
    started = time.monotonic()
    with pytest.raises(ThrottledError):
        call(webpubsub_v2024, is_async, recorder, lambda c: c.send_to_all("hi"))
    assert time.monotonic() - started < 1 and len(recorder.requests) == 1


@both
def test_no_retry_waits_past_the_call_deadline(is_async: bool) -> None:
    replies = [Reply(503, headers={"Retry-After": "1"}) for _ in range(3)]
    recorder = Recorder(*replies)
    policy = RetryPolicy(max_retries=5)
    with pytest.raises(ServiceError):
        call(
            webpubsub_v2024,
            is_async,
            recorder,
            lambda c: c.close_connection("c1"),
            retry_policy=policy,
            timeout=0.5,
        )
    assert len(recorder.requests) == 1
    recorder = Recorder(*replies)
    with pytest.raises(ServiceError):
        call(webpubsub_v2024, is_async, recorder, lambda c: c.close_connection("c1", timeout=0.5))
    assert len(recorder.requests) == 1


@both
def test_local_protocol_errors_are_not_retried(is_async: bool) -> None:
    recorder = Recorder(
        AttemptError("LocalProtocolError: bad header", may_have_arrived=False, transient=False),
        Reply(200),
    )
    with pytest.raises(TransportError) as raised:
        call(webpubsub_v2024, is_async, recorder, lambda c: c.close_connection("c1"))
    assert "LocalProtocolError: bad header" in str(raised.value)
    assert len(recorder.requests) == 1


@both
def test_a_send_that_could_not_connect_is_retried(is_async: bool) -> None:
    recorder = Recorder(
        AttemptError("ConnectError: refused", may_have_arrived=False, transient=True),
        AttemptError("ConnectTimeout: slow", may_have_arrived=False, transient=True),
    )
    assert call(webpubsub_v2024, is_async, recorder, lambda c: c.send_to_all("hi")) is None
    assert len(recorder.requests) == 3


# --- per-call options -----------------------------------------------------------------------------


@both
def test_extra_headers_are_sent(is_async: bool) -> None:
    recorder = Recorder()
    call(
        webpubsub_v2024,
        is_async,
        recorder,
        lambda c: c.send_to_all("hi", headers={"X-Trace": "t1"}),
    )
    assert recorder.requests[0].headers["x-trace"] == "t1"
    assert recorder.requests[0].headers["authorization"].startswith("Bearer ")


@both
@pytest.mark.parametrize(
    ("headers", "message"),
    [
        ({"Authorization": "Bearer mine"}, "headers: Authorization is set by the client"),
        ({"host": "evil.example.com"}, "headers: host is set by the client"),
        ({"X-Trace": "a\r\nX-Evil: 1"}, "headers: the value of X-Trace must be a str without"),
        ({"Bad Name": "x"}, "headers: a header name is not an HTTP token"),
    ],
)
def test_headers_that_would_change_the_request_are_refused(
    is_async: bool, headers: dict[str, str], message: str
) -> None:
    recorder = Recorder()
    with pytest.raises(ValueError) as raised:
        call(webpubsub_v2024, is_async, recorder, lambda c: c.send_to_all("hi", headers=headers))
    assert str(raised.value).startswith(message)
    assert "mine" not in str(raised.value) and recorder.requests == []


@both
def test_the_raw_response_hook_sees_every_final_response(is_async: bool) -> None:
    seen: list[Response] = []
    recorder = Recorder(
        Reply.with_json(200, {"token": "t"}, headers={"x-ms-request-id": "r1"}),
        Reply.with_json(404, {"code": "NotFound"}),
    )
    call(
        webpubsub_v2024,
        is_async,
        recorder,
        lambda c: c.generate_client_token(raw_response_hook=seen.append),
    )
    with pytest.raises(ApiError):
        call(
            webpubsub_v2024,
            is_async,
            recorder,
            lambda c: c.close_connection("c1", raw_response_hook=seen.append),
        )
    assert [(r.status, r.request_id, r.method) for r in seen] == [
        (200, "r1", "POST"),
        (404, None, "DELETE"),
    ]
    assert seen[0].json() == {"token": "t"}


# --- tokens ---------------------------------------------------------------------------------------


def test_sixteen_threads_on_a_cold_client_make_one_get_token_call() -> None:
    credential = Credential(delay=0.1)
    recorder = Recorder()
    client = webpubsub_v2024.WebPubSubClient(
        ENDPOINT, credential, hub="chat", transport=MockTransport(recorder)
    )
    threads = [threading.Thread(target=client.close_connection, args=("c1",)) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert credential.calls == 1 and len(recorder.requests) == 16
    assert {r.headers["authorization"] for r in recorder.requests} == {"Bearer entra-token-1"}


def test_sixteen_tasks_on_a_cold_async_client_make_one_get_token_call() -> None:
    credential = AsyncCredential()
    recorder = Recorder()

    async def run() -> None:
        async with webpubsub_v2024.AsyncWebPubSubClient(
            ENDPOINT, credential, hub="chat", transport=MockTransport(recorder)
        ) as client:
            await asyncio.gather(*[client.close_connection("c1") for _ in range(16)])

    asyncio.run(run())
    assert credential.calls == 1 and len(recorder.requests) == 16


def test_access_key_tokens_are_signed_once_per_audience() -> None:
    recorder = Recorder()
    call(
        signalr_v2022,
        False,
        recorder,
        lambda c: [c.close_connection("c1"), c.close_connection("c1"), c.close_connection("c2")],
    )
    tokens = [r.headers["authorization"] for r in recorder.requests]
    assert tokens[0] == tokens[1] != tokens[2]


def test_tokens_never_show_in_reprs_or_logs(caplog: pytest.LogCaptureFixture) -> None:
    token = AccessToken("entra-secret-token", 1)
    assert "entra-secret-token" not in repr(token) and "entra-secret-token" not in str(token)
    recorder = Recorder(Reply.with_json(200, {"token": "tok"}))
    with caplog.at_level(logging.DEBUG, logger="realtime_rest"):
        call(webpubsub_v2024, False, recorder, lambda c: c.generate_client_token())
    sent = recorder.requests[0].headers["authorization"][7:]
    assert "realtime_rest" in caplog.text and sent not in caplog.text and KEY not in caplog.text


@both
@pytest.mark.parametrize(
    ("body", "problem"),
    [
        (b'{"token": 5}', "'token' is not a string"),
        (b'{"token": ["a"]}', "'token' is not a string"),
        (b'{"token": true}', "'token' is not a string"),
    ],
)
def test_a_model_field_of_the_wrong_type_is_an_unexpected_response_error(
    is_async: bool, body: bytes, problem: str
) -> None:
    recorder = Recorder(json_reply(200, body))
    with pytest.raises(UnexpectedResponseError) as raised:
        call(webpubsub_v2024, is_async, recorder, lambda c: c.generate_client_token())
    assert raised.value.message == (
        f"unexpected answer from the service: the body does not have the documented shape: {problem}"
    )


def test_a_token_in_a_model_never_shows_in_its_repr() -> None:
    answer = webpubsub_v2024.models.ClientTokenResponse(token=KEY)

    assert KEY not in repr(answer) and KEY not in str(answer)
    assert answer.token == KEY
