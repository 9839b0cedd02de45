"""The client side: Web PubSub's WebSocket endpoint and SignalR's negotiate and JSON hub protocol."""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import secrets
from typing import Any

from aiohttp import WSMsgType, web

from realtime_rest.emulator.state import Close, Connection, Frame, Hub, Message

logger = logging.getLogger("realtime_rest.emulator")

WEB_PUBSUB_JSON = "json.webpubsub.azure.v1"
WEB_PUBSUB_RELIABLE = "json.reliable.webpubsub.azure.v1"
WEB_PUBSUB_PROTOCOLS = (WEB_PUBSUB_JSON, WEB_PUBSUB_RELIABLE)
RECORD_SEPARATOR = "\x1e"
# The services' limits on one client message.
MAX_MESSAGE_BYTES = 1024 * 1024
# SignalR clients give up on a server silent for 30 seconds; the service pings every 15.
SIGNALR_PING_SECONDS = 15.0
SIGNALR_PING = json.dumps({"type": 6}) + RECORD_SEPARATOR


def new_connection_id() -> str:
    return secrets.token_urlsafe(16)


def _data_of(message: Message) -> tuple[str, Any]:
    """The dataType and data of a message in the JSON subprotocol."""
    if message.content_type == "application/json":
        return "json", json.loads(message.data)
    if message.content_type == "text/plain":
        return "text", message.data.decode("utf-8")
    return "binary", base64.b64encode(message.data).decode("ascii")


def _plain_frame(message: Message) -> Frame:
    if message.content_type == "application/octet-stream":
        return message.data
    return message.data.decode("utf-8")


def _json_fields(message: Message) -> dict[str, Any]:
    data_type, data = _data_of(message)
    source: dict[str, Any] = {"from": "server"}
    if message.group is not None:
        source = {"from": "group", "group": message.group}
        if message.from_user_id is not None:
            source["fromUserId"] = message.from_user_id
    return {"type": "message", **source, "dataType": data_type, "data": data}


class WebPubSubConnection(Connection):
    """A Web PubSub client: plain WebSocket, or one of the JSON subprotocols."""

    def __init__(self, *args: Any, protocol: str | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.protocol = protocol
        self._sequence_id = 0

    def deliver(self, message: Message) -> None:
        if self.protocol is None:
            self.push(message.framed("plain", _plain_frame))
        elif self.protocol == WEB_PUBSUB_JSON:
            self.push(message.framed("json", lambda m: json.dumps(_json_fields(m))))
        else:
            self._sequence_id += 1
            self.push(json.dumps({**_json_fields(message), "sequenceId": self._sequence_id}))

    def send_json(self, value: dict[str, Any]) -> None:
        self.push(json.dumps(value))

    def closing_frames(self, reason: str | None) -> list[str]:
        if self.protocol is None:
            return []
        event = {"type": "system", "event": "disconnected", "message": reason or "closed"}
        return [json.dumps(event)]


class SignalRConnection(Connection):
    """A SignalR client speaking the JSON hub protocol."""

    def deliver(self, message: Message) -> None:
        self.push(message.framed("signalr", _invocation))

    def closing_frames(self, reason: str | None) -> list[str]:
        close: dict[str, Any] = {"type": 7, "allowReconnect": False}
        if reason:
            close["error"] = reason
        return [json.dumps(close) + RECORD_SEPARATOR]


def _invocation(message: Message) -> Frame:
    payload = json.loads(message.data)
    invocation = {"type": 1, "target": payload["target"], "arguments": payload.get("arguments", [])}
    return json.dumps(invocation) + RECORD_SEPARATOR


async def pump(
    connection: WebPubSubConnection | SignalRConnection,
    socket: web.WebSocketResponse,
    ping: str | None = None,
) -> None:
    """Write the connection's frames in order until it is closed; ping when idle if asked."""
    try:
        while True:
            try:
                frame = await asyncio.wait_for(
                    connection.frames.get(), SIGNALR_PING_SECONDS if ping else None
                )
            except asyncio.TimeoutError:
                frame = ping or ""
            if isinstance(frame, Close):
                for text in connection.closing_frames(frame.reason):
                    await socket.send_str(text)
                await socket.close(message=(frame.reason or "").encode("utf-8")[:120])
                return
            if isinstance(frame, bytes):
                await socket.send_bytes(frame)
            else:
                await socket.send_str(frame)
    except (ConnectionError, RuntimeError):
        # The client went away mid-write; the reader notices and cleans up.
        return


def _ack(ack_id: Any, error: tuple[str, str] | None = None) -> dict[str, Any]:
    if error is None:
        return {"type": "ack", "ackId": ack_id, "success": True}
    name, text = error
    return {
        "type": "ack",
        "ackId": ack_id,
        "success": False,
        "error": {"name": name, "message": text},
    }


def _group_name(value: Any) -> str:
    if not isinstance(value, str) or not 0 < len(value) <= 1024:
        raise ValueError("the group name must be 1 to 1024 characters long")
    return value


def _client_message(message: dict[str, Any], connection: WebPubSubConnection) -> Message:
    data_type, data = message.get("dataType"), message.get("data")
    if data_type == "json":
        return Message(json.dumps(data).encode("utf-8"), "application/json", **_origin(connection))
    if data_type == "text" and isinstance(data, str):
        return Message(data.encode("utf-8"), "text/plain", **_origin(connection))
    if data_type == "binary" and isinstance(data, str):
        try:
            raw = base64.b64decode(data, validate=True)
        except (binascii.Error, ValueError):
            raise ValueError("binary data must be base64") from None
        return Message(raw, "application/octet-stream", **_origin(connection))
    raise ValueError(f"unsupported dataType {str(data_type)[:20]!r}")


def _origin(connection: WebPubSubConnection) -> dict[str, Any]:
    return {"from_user_id": connection.user_id}


def handle_web_pubsub_frame(hub: Hub, connection: WebPubSubConnection, text: str) -> None:
    """One message from a JSON subprotocol client: group actions, events, acks, pings."""
    try:
        message = json.loads(text)
    except (ValueError, RecursionError):
        logger.info("connection %s sent a frame that is not JSON", connection.connection_id)
        return
    if not isinstance(message, dict):
        return
    kind, ack_id = message.get("type"), message.get("ackId")
    try:
        error = _act(hub, connection, kind, message)
    except ValueError as problem:
        error = ("BadRequest", str(problem))
    if ack_id is not None and kind != "sequenceAck":
        connection.send_json(_ack(ack_id, error))


def _act(
    hub: Hub, connection: WebPubSubConnection, kind: Any, message: dict[str, Any]
) -> tuple[str, str] | None:
    if kind in ("joinGroup", "leaveGroup"):
        group = _group_name(message.get("group"))
        if not connection.may("joinLeaveGroup", group):
            return "Forbidden", f"the connection may not join or leave group {group}"
        if kind == "joinGroup":
            hub.add_connection_to_group(connection.connection_id, group)
        else:
            hub.remove_connection_from_group(connection.connection_id, group)
        return None
    if kind == "sendToGroup":
        group = _group_name(message.get("group"))
        if not connection.may("sendToGroup", group):
            return "Forbidden", f"the connection may not send to group {group}"
        outgoing = _client_message(message, connection)
        outgoing = Message(outgoing.data, outgoing.content_type, group, connection.user_id)
        for member in hub.members(group):
            if not (message.get("noEcho") and member is connection):
                member.deliver(outgoing)
        return None
    if kind == "event":
        _client_message(message, connection)
        logger.info("event %s from %s: no event handler", message.get("event"), connection.user_id)
        return None
    if kind == "ping":
        connection.send_json({"type": "pong"})
        return None
    if kind == "sequenceAck":
        return None
    raise ValueError(f"unknown message type {str(kind)[:20]!r}")


async def serve_web_pubsub(
    request: web.Request, hub: Hub, claims: dict[str, Any]
) -> web.WebSocketResponse:
    socket = web.WebSocketResponse(protocols=WEB_PUBSUB_PROTOCOLS, max_msg_size=MAX_MESSAGE_BYTES)
    await socket.prepare(request)
    roles = claims.get("role", [])
    groups = claims.get("webpubsub.group", [])
    connection = WebPubSubConnection(
        hub,
        new_connection_id(),
        _text_claim(claims.get("sub")),
        [roles] if isinstance(roles, str) else roles,
        protocol=socket.ws_protocol,
    )
    hub.add(connection, [groups] if isinstance(groups, str) else groups)
    logger.info("connected %s to hub %s", connection.connection_id, hub.name)
    if connection.protocol is not None:
        connected = {
            "type": "system",
            "event": "connected",
            "userId": connection.user_id,
            "connectionId": connection.connection_id,
        }
        if connection.protocol == WEB_PUBSUB_RELIABLE:
            connected["reconnectionToken"] = secrets.token_urlsafe(16)
        connection.send_json(connected)
    writer = asyncio.create_task(pump(connection, socket))
    try:
        async for frame in socket:
            if frame.type == WSMsgType.TEXT and connection.protocol is not None:
                handle_web_pubsub_frame(hub, connection, frame.data)
            elif frame.type == WSMsgType.ERROR:
                break
    finally:
        await _finish(hub, connection, socket, writer)
    return socket


def _text_claim(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


async def _finish(
    hub: Hub,
    connection: Connection,
    socket: web.WebSocketResponse,
    writer: asyncio.Task[None],
) -> None:
    hub.remove(connection)
    connection.closed = True
    writer.cancel()
    try:
        await writer
    except asyncio.CancelledError:
        pass
    if not socket.closed:
        await socket.close()
    logger.info(
        "disconnected %s from hub %s (close code %s)",
        connection.connection_id,
        hub.name,
        socket.close_code,
    )


def negotiation(connection_id: str) -> dict[str, Any]:
    """The answer to a SignalR client's negotiate: WebSockets only, as the emulator serves."""
    return {
        "negotiateVersion": 1,
        "connectionId": connection_id,
        "connectionToken": connection_id,
        "availableTransports": [{"transport": "WebSockets", "transferFormats": ["Text"]}],
    }


async def serve_signalr(
    request: web.Request, hub: Hub, claims: dict[str, Any]
) -> web.WebSocketResponse:
    socket = web.WebSocketResponse(max_msg_size=MAX_MESSAGE_BYTES)
    await socket.prepare(request)
    connection_id = request.query.get("id") or new_connection_id()
    user_id = _text_claim(claims.get("nameid")) or _text_claim(claims.get("sub"))
    connection = SignalRConnection(hub, connection_id, user_id, ())
    writer: asyncio.Task[None] | None = None
    buffer = ""
    try:
        async for frame in socket:
            if frame.type != WSMsgType.TEXT:
                break
            buffer += frame.data
            if len(buffer) > MAX_MESSAGE_BYTES:
                await socket.close(code=1009, message=b"message too big")
                break
            *records, buffer = buffer.split(RECORD_SEPARATOR)
            for record in records:
                if writer is None:
                    if not await _handshake(socket, record):
                        return socket
                    hub.add(connection)
                    logger.info("connected %s to hub %s", connection_id, hub.name)
                    writer = asyncio.create_task(pump(connection, socket, SIGNALR_PING))
                else:
                    _handle_signalr_record(connection, record)
    finally:
        if writer is not None:
            await _finish(hub, connection, socket, writer)
    return socket


async def _handshake(socket: web.WebSocketResponse, record: str) -> bool:
    try:
        request = json.loads(record)
    except (ValueError, RecursionError):
        request = None
    if not isinstance(request, dict) or request.get("protocol") != "json":
        error = {"error": "the emulator speaks the json hub protocol, version 1"}
        await socket.send_str(json.dumps(error) + RECORD_SEPARATOR)
        await socket.close()
        return False
    await socket.send_str("{}" + RECORD_SEPARATOR)
    return True


def _handle_signalr_record(connection: SignalRConnection, record: str) -> None:
    try:
        message = json.loads(record)
    except (ValueError, RecursionError):
        connection.close("the message is not JSON")
        return
    if not isinstance(message, dict):
        connection.close("the message is not a JSON object")
        return
    kind = message.get("type")
    if kind == 7:
        connection.close(None)
    elif kind == 1 and message.get("invocationId") is not None:
        completion = {
            "type": 3,
            "invocationId": message["invocationId"],
            "error": "the emulator has no hub server to invoke",
        }
        connection.push(json.dumps(completion) + RECORD_SEPARATOR)
