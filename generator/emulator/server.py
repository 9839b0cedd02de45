"""The emulator's HTTP server: the REST API of every version, the client endpoints, the logs."""

from __future__ import annotations

import logging
import re
import socket
import time
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web

from realtime_rest._runtime.auth import AccessKey
from realtime_rest.emulator import clients
from realtime_rest.emulator.rest import HANDLERS, Context, Outcome
from realtime_rest.emulator.routes import Router, RequestError, check_call, load_operations
from realtime_rest.emulator.state import State
from realtime_rest.emulator.tokens import TokenError, bearer, verify

logger = logging.getLogger("realtime_rest.emulator")

SERVICES = ("webpubsub", "signalr")
# The services' limit on a message sent through the REST API.
MAX_BODY_BYTES = 1024 * 1024
_SECRET_QUERY = re.compile(r"((?:^|&)(?:access_token|id)=)[^&]*")


class Emulator:
    """One service's REST API and client endpoints, with their state in memory."""

    def __init__(self, service: str, access_key: str, *, allow_entra: bool = False) -> None:
        if service not in SERVICES:
            raise ValueError(f"service must be one of {', '.join(SERVICES)}, not {service!r}")
        if not access_key:
            raise ValueError("the access key is empty")
        self.service = service
        self.state = State()
        self._key = access_key
        self._allow_entra = allow_entra
        self._router = Router(load_operations(service))
        self._runner: web.AppRunner | None = None
        self.port = 0

    def connection_string(self, host: str) -> str:
        return f"Endpoint=http://{host};Port={self.port};AccessKey={self._key};Version=1.0;"

    def app(self) -> web.Application:
        app = web.Application(
            middlewares=[web.middleware(_log_requests)], client_max_size=MAX_BODY_BYTES
        )
        if self.service == "webpubsub":
            app.router.add_get("/client/hubs/{hub}", self._web_pubsub_client)
        else:
            app.router.add_post("/client/negotiate", self._signalr_negotiate)
            app.router.add_get("/client/", self._signalr_client)
        app.router.add_route("*", "/{tail:.*}", self._rest)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on host:port (0: a free port, then in self.port)."""
        listener = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind((host, port))
        self.port = listener.getsockname()[1]
        self._runner = web.AppRunner(
            self.app(), access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await self._runner.setup()
        await web.SockSite(self._runner, listener).start()

    async def stop(self) -> None:
        if self._runner is not None:
            for connection in self.state.all_connections():
                connection.close("the emulator is stopping")
            await self._runner.cleanup()
            self._runner = None

    def _context(self, request: web.Request) -> Context:
        return Context(self.service, self.state, AccessKey(self._key), f"http://{request.host}")

    def _check_token(self, token: str | None, audiences: tuple[str, ...]) -> dict[str, Any]:
        if token is None:
            raise RequestError(401, "Unauthorized", "no bearer token")
        try:
            return dict(verify(token, self._key, audiences, allow_entra=self._allow_entra))
        except TokenError as problem:
            raise RequestError(401, "Unauthorized", str(problem)) from None

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        raw_path = request.rel_url.raw_path
        query = parse_qs(request.rel_url.raw_query_string, keep_blank_values=True)
        operation = None
        try:
            operation = self._router.match(request.method, raw_path, query)
            url = f"http://{request.host}{raw_path}"
            if self.service == "webpubsub" and request.rel_url.raw_query_string:
                url += f"?{request.rel_url.raw_query_string}"  # the audience keeps the query
            self._check_token(bearer(request.headers.get("Authorization")), (url,))
            body = await _read(request)
            call = check_call(operation, raw_path, query, request.headers.get("Content-Type"), body)
            result = HANDLERS[operation.operation_id](self._context(request), call)
        except RequestError as problem:
            wrap = operation.wraps_errors if operation is not None else False
            return _error(request, problem, wrap)
        if isinstance(result, bool):
            return web.Response(status=200 if result else 404)
        outcome = result if isinstance(result, Outcome) else Outcome()
        status = outcome.status or operation.success
        if outcome.body is None:
            return web.Response(status=status)
        return web.json_response(outcome.body, status=status)

    async def _web_pubsub_client(self, request: web.Request) -> web.StreamResponse:
        hub = request.match_info["hub"]
        audience = f"http://{request.host}/client/hubs/{hub}"
        try:
            claims = self._check_token(_client_token(request), (audience,))
        except RequestError as problem:
            return _error(request, problem, False)
        return await clients.serve_web_pubsub(request, self.state.hub(hub), claims)

    def _signalr_claims(self, request: web.Request) -> tuple[str, dict[str, Any]]:
        hub = request.query.get("hub", "")
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", hub):
            raise RequestError(400, "InvalidArgument", "hub must match ^[A-Za-z][A-Za-z0-9_]*$")
        base = f"http://{request.host}/client/"
        claims = self._check_token(_client_token(request), (f"{base}?hub={hub}", base))
        return hub, claims

    async def _signalr_negotiate(self, request: web.Request) -> web.StreamResponse:
        try:
            self._signalr_claims(request)
        except RequestError as problem:
            return _error(request, problem, False)
        return web.json_response(clients.negotiation(clients.new_connection_id()))

    async def _signalr_client(self, request: web.Request) -> web.StreamResponse:
        try:
            hub, claims = self._signalr_claims(request)
        except RequestError as problem:
            return _error(request, problem, False)
        return await clients.serve_signalr(request, self.state.hub(hub), claims)


def _client_token(request: web.Request) -> str | None:
    return request.query.get("access_token") or bearer(request.headers.get("Authorization"))


async def _read(request: web.Request) -> bytes:
    try:
        body: bytes = await request.read()
    except web.HTTPRequestEntityTooLarge:
        raise RequestError(
            413, "PayloadTooLarge", f"the body is larger than {MAX_BODY_BYTES} bytes"
        ) from None
    return body


def _error(request: web.Request, problem: RequestError, wrap: bool) -> web.Response:
    """An error as the service answers it: x-ms-error-code, and a JSON body except for HEAD."""
    headers = {"x-ms-error-code": problem.code}
    if request.method == "HEAD":
        return web.Response(status=problem.status, headers=headers)
    detail = {"code": problem.code, "message": problem.message}
    body = {"error": detail} if wrap else detail
    return web.json_response(body, status=problem.status, headers=headers)


def redacted(request: web.Request) -> str:
    """The request's path and query with tokens and connection tokens left out."""
    query = _SECRET_QUERY.sub(r"\1<redacted>", request.rel_url.raw_query_string)
    return f"{request.rel_url.raw_path}?{query}" if query else request.rel_url.raw_path


async def _log_requests(
    request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]
) -> web.StreamResponse:
    started = time.perf_counter()
    response = await handler(request)
    logger.info(
        "%s %s %d %.1fms",
        request.method,
        redacted(request),
        response.status,
        (time.perf_counter() - started) * 1000,
    )
    return response
