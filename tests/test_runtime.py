"""The shared runtime of the generated package: credentials, requests, retries, errors, paging."""

from __future__ import annotations

import asyncio
import logging
import time
import uuid
from typing import Any
from urllib.parse import quote, urlencode

import jwt
import pytest
from hypothesis import given
from hypothesis import strategies as st

from realtime_rest import (
    NO_RETRIES,
    AccessKey,
    ApiError,
    AttemptError,
    AuthenticationError,
    ConnectionStringError,
    MockRequest,
    MockTransport,
    Reply,
    RetryPolicy,
    ServiceError,
    ThrottledError,
    TransportError,
)
from realtime_rest._runtime.auth import ConnectionString
from realtime_rest._runtime.pipeline import AsyncPipeline, Pipeline
from realtime_rest._runtime.request import (
    Request,
    check_integer,
    check_string,
    encode_content,
    format_path,
)

KEY = "c2VjcmV0LWFjY2Vzcy1rZXktZm9yLXRlc3Rz="
ENDPOINT = "https://contoso.webpubsub.azure.com"
FAST = RetryPolicy(max_retries=3, backoff=0.0, max_backoff=0.0)


def pipeline(
    handler: Any, retry_policy: RetryPolicy = FAST, credential: Any = None, **options: Any
) -> Pipeline:
    settings = {
        "error_model": None,
        "audience_includes_query": True,
        "retry_policy": retry_policy,
        "reverse_proxy_endpoint": None,
        "scope": "https://webpubsub.azure.com/.default",
        "user_agent": "tests",
        **options,
    }
    transport = MockTransport(handler)
    return Pipeline(ENDPOINT, credential or AccessKey(KEY), transport=transport, **settings)


class Replies:
    """A mock service answering from a script, recording what it was sent."""

    def __init__(self, *replies: Reply | Exception) -> None:
        self.replies = list(replies)
        self.requests: list[MockRequest] = []

    def __call__(self, request: MockRequest) -> Reply:
        self.requests.append(request)
        reply = self.replies.pop(0)
        if isinstance(reply, Exception):
            raise reply
        return reply


SEND = Request(
    "POST",
    "/api/hubs/chat/:send",
    query=[("api-version", "2024-12-01")],
    body=encode_content("message", "hi"),
)
CHECK = Request("HEAD", "/api/hubs/chat/users/u1", query=[("api-version", "2024-12-01")])


# --- credentials -------------------------------------------------------------------------------


def test_access_tokens_are_hs256_jwts_for_the_request_url_that_expire_soon() -> None:
    replies = Replies(Reply(202))
    pipeline(replies).send(SEND)

    authorization = replies.requests[0].headers["authorization"]
    assert authorization.startswith("Bearer ")
    url = f"{ENDPOINT}/api/hubs/chat/:send?api-version=2024-12-01"
    claims = jwt.decode(authorization[7:], KEY, algorithms=["HS256"], audience=url)
    assert set(claims) == {"aud", "iat", "exp"}
    assert 0 < claims["exp"] - time.time() <= 300


def test_signalr_tokens_name_the_request_url_without_its_query() -> None:
    replies = Replies(Reply(202))
    pipeline(replies, audience_includes_query=False).send(SEND)

    token = replies.requests[0].headers["authorization"][7:]
    jwt.decode(token, KEY, algorithms=["HS256"], audience=f"{ENDPOINT}/api/hubs/chat/:send")


def test_the_access_key_never_shows_in_repr_or_str() -> None:
    key = AccessKey(KEY)
    assert KEY not in repr(key) and KEY not in str(key)
    parsed = ConnectionString.parse(f"Endpoint={ENDPOINT};AccessKey={KEY};Version=1.0;")
    assert KEY not in repr(parsed)


def test_entra_id_tokens_are_cached_until_shortly_before_they_expire() -> None:
    class Credential:
        def __init__(self) -> None:
            self.calls: list[tuple[str, ...]] = []

        def get_token(self, *scopes: str, **kwargs: Any) -> Any:
            self.calls.append(scopes)
            return type(
                "Token", (), {"token": f"token-{len(self.calls)}", "expires_on": time.time() + 3600}
            )()

    credential = Credential()
    replies = Replies(Reply(202), Reply(202))
    sender = pipeline(replies, credential=credential)
    sender.send(SEND)
    sender.send(SEND)

    assert credential.calls == [("https://webpubsub.azure.com/.default",)]
    assert [r.headers["authorization"] for r in replies.requests] == ["Bearer token-1"] * 2


def test_a_reverse_proxy_receives_the_request_but_the_token_names_the_service() -> None:
    replies = Replies(Reply(202))
    pipeline(replies, reverse_proxy_endpoint="https://gateway.example.com").send(SEND)

    sent = replies.requests[0]
    assert str(sent.url) == "https://gateway.example.com/api/hubs/chat/:send?api-version=2024-12-01"
    token = sent.headers["authorization"][7:]
    claims = jwt.decode(token, KEY, algorithms=["HS256"], options={"verify_aud": False})
    assert claims["aud"] == f"{ENDPOINT}/api/hubs/chat/:send?api-version=2024-12-01"


@pytest.mark.parametrize(
    ("text", "endpoint"),
    [
        (f"Endpoint={ENDPOINT};AccessKey={KEY};Version=1.0;", ENDPOINT),
        (f"Endpoint={ENDPOINT}/;AccessKey={KEY};Version=1.0", ENDPOINT),
        (
            f"endpoint=http://localhost;accesskey={KEY};version=1.0;port=8080;",
            "http://localhost:8080",
        ),
        (
            f"Endpoint={ENDPOINT};AccessKey={KEY};Version=1.0;ServerEndpoint=https://server.example.com;",
            "https://server.example.com",
        ),
    ],
)
def test_connection_strings_are_parsed(text: str, endpoint: str) -> None:
    parsed = ConnectionString.parse(text)
    assert str(parsed.endpoint) == endpoint
    assert parsed.access_key.token_for("x") != ""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (f"AccessKey={KEY};Version=1.0;", "Endpoint is missing"),
        (f"Endpoint={ENDPOINT};Version=1.0;", "AccessKey is missing"),
        (f"Endpoint={ENDPOINT};{KEY.rstrip('=')};Version=1.0;", "segment 2 is not Name=value"),
        (
            f"Endpoint=contoso;AccessKey={KEY};Version=1.0;",
            "Endpoint must start with http:// or https://",
        ),
        (
            f"Endpoint={ENDPOINT};AccessKey={KEY};Version=2.0;",
            "unsupported connection string Version; expected 1.0",
        ),
        (
            f"Endpoint={ENDPOINT};AccessKey={KEY};Version=1.0;Port=http;",
            "Port is not a number in 1..65535",
        ),
    ],
)
def test_malformed_connection_strings_say_what_is_wrong_without_the_key(
    text: str, message: str
) -> None:
    with pytest.raises(ConnectionStringError) as raised:
        ConnectionString.parse(text)
    assert message in str(raised.value)
    assert KEY not in str(raised.value) and KEY[:8] not in str(raised.value)


# --- requests ------------------------------------------------------------------------------------


def test_path_values_are_percent_encoded() -> None:
    path = format_path("/api/hubs/{hub}/users/{userId}", {"hub": "chat", "userId": "a/b?c#d%e f é"})
    assert path == "/api/hubs/chat/users/a%2Fb%3Fc%23d%25e%20f%20%C3%A9"


@given(st.text(max_size=30), st.text(max_size=30))
def test_path_values_are_encoded_exactly_as_quote_encodes_them(first: str, second: str) -> None:
    values = {
        "a": first if first not in ("", ".", "..") else "x",
        "b": second if second not in ("", ".", "..") else "y",
    }
    expected = f"/p/{quote(values['a'], safe='')}/q/{quote(values['b'], safe='')}"
    assert format_path("/p/{a}/q/{b}", values) == expected


@given(st.lists(st.tuples(st.text(max_size=12), st.text(max_size=20)), max_size=4))
def test_the_query_is_encoded_exactly_as_urlencode_encodes_it(
    pairs: list[tuple[str, str]],
) -> None:
    request = Request("GET", "/x", query=pairs)
    assert request.encoded_query() == urlencode(request.query_pairs()) == urlencode(pairs)


def test_each_call_gets_a_new_version_4_client_request_id() -> None:
    seen = Replies(*[Reply(200)] * 50)
    client = pipeline(seen)
    for _ in range(50):
        client.send(Request("GET", "/x"))
    ids = [request.headers["x-ms-client-request-id"] for request in seen.requests]
    assert len(set(ids)) == 50
    assert all(str(uuid.UUID(value)) == value and uuid.UUID(value).version == 4 for value in ids)
    assert {uuid.UUID(value).variant for value in ids} == {uuid.RFC_4122}


def test_message_bodies_are_encoded_by_their_python_type() -> None:
    assert encode_content("message", "héllo") == encode_content("message", "héllo", "text/plain")
    assert encode_content("message", "héllo").content == "héllo".encode()
    assert encode_content("message", b"\x00\x01").content_type == "application/octet-stream"
    assert encode_content("message", {"a": [1, "é"]}).content == '{"a":[1,"é"]}'.encode()
    assert encode_content("message", {"a": 1}).content_type == "application/json"
    assert encode_content("message", "<x/>", "application/xml").content_type == "application/xml"


def test_query_sequences_repeat_and_none_is_left_out() -> None:
    request = Request(
        "GET", "/x", query=[("excluded", ["a", "b"]), ("filter", None), ("flag", True), ("top", 3)]
    )
    assert request.query_pairs() == [
        ("excluded", "a"),
        ("excluded", "b"),
        ("flag", "true"),
        ("top", "3"),
    ]


@pytest.mark.parametrize(
    ("check", "value", "constraints", "message"),
    [
        (check_string, "1hub", {"pattern": "^[A-Za-z][A-Za-z0-9_]*$"}, "hub must match"),
        (check_string, "", {"min_length": 1}, "must be 1 or more characters long"),
        (check_string, "x" * 1025, {"max_length": 1024}, "must be 1024 or fewer characters long"),
        (check_integer, 301, {"maximum": 300}, "at most 300"),
        (check_integer, -1, {"minimum": 0}, "at least 0"),
        (check_string, "admin", {"allowed": ("send", "join")}, "must be one of 'send', 'join'"),
    ],
)
def test_constraint_violations_name_the_parameter(
    check: Any, value: Any, constraints: Any, message: str
) -> None:
    with pytest.raises(ValueError) as raised:
        check("hub", value, required=True, **constraints)
    assert str(raised.value).startswith("hub ")
    assert message in str(raised.value)


# --- retries, errors ----------------------------------------------------------------------------


def test_a_503_then_202_is_retried_and_succeeds() -> None:
    replies = Replies(Reply(503), Reply(202))
    assert pipeline(replies).send(SEND).status == 202
    assert len(replies.requests) == 2


def test_retry_after_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    slept: list[float] = []
    monkeypatch.setattr(time, "sleep", slept.append)
    replies = Replies(Reply(429, headers={"Retry-After": "2"}), Reply(202))
    pipeline(replies).send(SEND)
    assert slept == [2.0]


def test_retries_are_bounded_and_end_in_a_typed_error() -> None:
    replies = Replies(*[Reply(503) for _ in range(4)])
    with pytest.raises(ServiceError) as raised:
        pipeline(replies).send(SEND)
    assert raised.value.status == 503
    assert len(replies.requests) == 4


def test_a_send_is_not_repeated_after_a_500_or_a_read_failure() -> None:
    replies = Replies(Reply(500))
    with pytest.raises(ServiceError):
        pipeline(replies).send(SEND)
    assert len(replies.requests) == 1

    replies = Replies(
        AttemptError("ReadError: connection reset", may_have_arrived=True, transient=True)
    )
    with pytest.raises(TransportError):
        pipeline(replies).send(SEND)
    assert len(replies.requests) == 1


def test_idempotent_requests_are_retried_after_a_connection_reset() -> None:
    replies = Replies(
        AttemptError("ReadError: connection reset", may_have_arrived=True, transient=True),
        Reply(200),
    )
    assert pipeline(replies).send(CHECK).status == 200


def test_retries_can_be_switched_off() -> None:
    replies = Replies(Reply(503))
    with pytest.raises(ServiceError):
        pipeline(replies, NO_RETRIES).send(SEND)
    assert len(replies.requests) == 1


def test_error_responses_become_typed_errors_with_code_message_and_request_id() -> None:
    body = b'{"error":{"code":"Unauthorized","message":"the token expired"}}'
    replies = Replies(Reply(401, content=body, headers={"x-ms-request-id": "req-1"}))
    with pytest.raises(AuthenticationError) as raised:
        pipeline(replies).send(SEND)
    error = raised.value
    assert (error.status, error.error_code, error.message, error.request_id) == (
        401,
        "Unauthorized",
        "the token expired",
        "req-1",
    )
    assert str(error) == (
        f"POST {ENDPOINT}/api/hubs/chat/:send?api-version=2024-12-01: "
        "the token expired (status 401, code Unauthorized, request id req-1)"
    )


def test_a_malformed_error_body_still_gives_a_typed_error() -> None:
    replies = Replies(Reply(429, content=b"{not json", headers={"x-ms-error-code": "Throttled"}))
    with pytest.raises(ThrottledError) as raised:
        pipeline(replies, NO_RETRIES).send(SEND)
    assert raised.value.error_code == "Throttled"
    assert raised.value.message == "Too Many Requests"
    assert isinstance(raised.value, ApiError)


def test_logs_show_requests_but_never_the_token(caplog: pytest.LogCaptureFixture) -> None:
    replies = Replies(Reply(202))
    with caplog.at_level(logging.DEBUG, logger="realtime_rest"):
        pipeline(replies).send(Request("GET", "/client", query=[("access_token", "secret-token")]))
    sent_token = replies.requests[0].headers["authorization"][7:]
    assert (
        "GET https://contoso.webpubsub.azure.com/client?access_token=REDACTED -> 202" in caplog.text
    )
    assert "secret-token" not in caplog.text and sent_token not in caplog.text


def test_the_async_pipeline_retries_the_same_way() -> None:
    replies = Replies(Reply(503), Reply(202))

    async def send() -> int:
        sender = AsyncPipeline(
            ENDPOINT,
            AccessKey(KEY),
            transport=MockTransport(replies),
            error_model=None,
            audience_includes_query=True,
            retry_policy=FAST,
            reverse_proxy_endpoint=None,
            scope="https://webpubsub.azure.com/.default",
            user_agent="tests",
        )
        try:
            return (await sender.send(SEND)).status
        finally:
            await sender.close()

    assert asyncio.run(send()) == 202
    assert len(replies.requests) == 2
