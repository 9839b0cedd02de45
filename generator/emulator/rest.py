"""What each operation does to the state, by operationId (the same in every version)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from realtime_rest._runtime.auth import AccessKey
from realtime_rest._runtime.request import format_path
from realtime_rest._runtime.tokens import sign_web_pubsub_client_token, web_pubsub_client_url
from realtime_rest.emulator.routes import Call, RequestError
from realtime_rest.emulator.state import Connection, Hub, Message, State

# Web PubSub 2020-10-01 takes the hub as an optional query parameter; without it, this hub.
DEFAULT_HUB = "default"
DEFAULT_PAGE_SIZE = 100


@dataclass(frozen=True)
class Context:
    """What the operations need besides the request: the state, the key, where clients connect."""

    service: str
    state: State
    access_key: AccessKey
    endpoint: str  # http://host:port as the caller reached it


@dataclass(frozen=True)
class Outcome:
    """A status other than the operation's success status, and a JSON body, when there is one."""

    status: int | None = None
    body: Any = None


Handler = Callable[[Context, Call], Outcome | bool | None]


def hub_of(context: Context, call: Call) -> Hub:
    name = call.path.get("hub") or call.query.get("hub") or DEFAULT_HUB
    application = call.query.get("application")  # SignalR: the hub is <application>_<hub>
    return context.state.hub(f"{application}_{name}" if application else name)


def _user(call: Call) -> str:
    return call.path.get("userId") or call.path.get("user") or call.path["id"]


def _connection(hub: Hub, call: Call) -> Connection:
    connection = hub.connections.get(call.path["connectionId"])
    if connection is None:
        raise RequestError(404, "NotFound", "the connection does not exist")
    return connection


def _message(context: Context, call: Call) -> Message:
    if "filter" in call.query:
        raise RequestError(400, "NotSupported", "OData filters are not emulated")
    if context.service == "signalr":
        payload = json.loads(call.body)
        if not isinstance(payload.get("target"), str) or not payload["target"]:
            raise RequestError(400, "InvalidArgument", "the message's target is required")
        if not isinstance(payload.get("arguments", []), list):
            raise RequestError(400, "InvalidArgument", "the message's arguments must be a list")
    return Message(call.body, call.content_type or "application/json")


def _send(connections: list[Connection], message: Message, excluded: list[str]) -> None:
    skip = set(excluded)
    for connection in connections:
        if connection.connection_id not in skip:
            connection.deliver(message)


def _close(hub: Hub, connections: list[Connection], call: Call) -> None:
    skip = set(call.query.get("excluded", ()))
    for connection in connections:
        if connection.connection_id not in skip:
            hub.remove(connection)
            connection.close(call.query.get("reason"))


def send_to_all(context: Context, call: Call) -> None:
    hub = hub_of(context, call)
    _send(list(hub.connections.values()), _message(context, call), call.query.get("excluded", []))


def send_to_user(context: Context, call: Call) -> None:
    _send(hub_of(context, call).user(_user(call)), _message(context, call), [])


def send_to_connection(context: Context, call: Call) -> None:
    message = _message(context, call)
    connection = hub_of(context, call).connections.get(call.path["connectionId"])
    _send([connection] if connection else [], message, [])


def send_to_group(context: Context, call: Call) -> None:
    hub = hub_of(context, call)
    members = hub.members(call.path["group"])
    _send(members, _message(context, call), call.query.get("excluded", []))


def close_all(context: Context, call: Call) -> None:
    hub = hub_of(context, call)
    _close(hub, list(hub.connections.values()), call)


def close_user(context: Context, call: Call) -> None:
    hub = hub_of(context, call)
    _close(hub, hub.user(_user(call)), call)


def close_group(context: Context, call: Call) -> None:
    hub = hub_of(context, call)
    _close(hub, hub.members(call.path["group"]), call)


def close_connection(context: Context, call: Call) -> None:
    hub = hub_of(context, call)
    connection = hub.connections.get(call.path["connectionId"])
    _close(hub, [connection] if connection else [], call)


def connection_exists(context: Context, call: Call) -> bool:
    return call.path["connectionId"] in hub_of(context, call).connections


def user_exists(context: Context, call: Call) -> bool:
    return bool(hub_of(context, call).user(_user(call)))


def group_exists(context: Context, call: Call) -> bool:
    return bool(hub_of(context, call).members(call.path["group"]))


def user_exists_in_group(context: Context, call: Call) -> bool:
    return hub_of(context, call).user_in_group(_user(call), call.path["group"])


def add_connection_to_group(context: Context, call: Call) -> None:
    hub = hub_of(context, call)
    hub.add_connection_to_group(_connection(hub, call).connection_id, call.path["group"])


def remove_connection_from_group(context: Context, call: Call) -> None:
    hub = hub_of(context, call)
    hub.remove_connection_from_group(_connection(hub, call).connection_id, call.path["group"])


def remove_connection_from_all_groups(context: Context, call: Call) -> None:
    hub_of(context, call).remove_connection_from_all_groups(call.path["connectionId"])


def add_user_to_group(context: Context, call: Call) -> None:
    ttl = call.query.get("ttl")
    hub_of(context, call).add_user_to_group(_user(call), call.path["group"], ttl)


def remove_user_from_group(context: Context, call: Call) -> None:
    hub_of(context, call).remove_user_from_group(_user(call), call.path["group"])


def remove_user_from_all_groups(context: Context, call: Call) -> None:
    hub_of(context, call).remove_user_from_all_groups(_user(call))


def _groups_request(call: Call) -> list[str]:
    body = json.loads(call.body) if call.body else {}
    groups = body.get("groups")
    if not isinstance(groups, list) or not all(isinstance(g, str) and g for g in groups):
        raise RequestError(400, "InvalidArgument", "groups must be a list of group names")
    if body.get("filter"):
        raise RequestError(400, "NotSupported", "OData filters are not emulated")
    return groups


def add_connections_to_groups(context: Context, call: Call) -> None:
    hub = hub_of(context, call)
    for group in _groups_request(call):
        for connection_id in list(hub.connections):
            hub.add_connection_to_group(connection_id, group)


def remove_connections_from_groups(context: Context, call: Call) -> None:
    hub = hub_of(context, call)
    for group in _groups_request(call):
        for connection_id in list(hub.connections):
            hub.remove_connection_from_group(connection_id, group)


def _permission(call: Call) -> tuple[str, str | None]:
    return call.path["permission"], call.query.get("targetName")


def grant_permission(context: Context, call: Call) -> None:
    _connection(hub_of(context, call), call).permissions.add(_permission(call))


def revoke_permission(context: Context, call: Call) -> None:
    connection = hub_of(context, call).connections.get(call.path["connectionId"])
    if connection is not None:
        connection.permissions.discard(_permission(call))


def check_permission(context: Context, call: Call) -> bool:
    connection = hub_of(context, call).connections.get(call.path["connectionId"])
    permission, target = _permission(call)
    if connection is None:
        return False
    if target is None:
        return (permission, None) in connection.permissions
    return connection.may(permission, target)


def generate_client_token(context: Context, call: Call) -> Outcome:
    # The route checked clientType against the spec's enum, the runtime's protocol names.
    protocol = call.query.get("clientType", "Default")
    hub = hub_of(context, call)
    audience, _ = web_pubsub_client_url(context.endpoint, hub.name, protocol)
    token = sign_web_pubsub_client_token(
        context.access_key,
        audience,
        user_id=call.query.get("userId"),
        roles=call.query.get("role", []),
        groups=call.query.get("group", []),
        minutes_to_expire=call.query.get("minutesToExpire", 60),
    )
    return Outcome(body={"token": token})


def list_connections_in_group(context: Context, call: Call) -> Outcome:
    """A page of the group's members; the continuation token is where the next page starts."""
    members = hub_of(context, call).members(call.path["group"])
    start = _start(call.query.get("continuationToken"))
    top = call.query.get("top")
    end = len(members) if top is None else min(len(members), top)
    stop = min(end, start + call.query.get("maxpagesize", DEFAULT_PAGE_SIZE))
    page: dict[str, Any] = {
        "value": [
            {"connectionId": c.connection_id, **({"userId": c.user_id} if c.user_id else {})}
            for c in members[start:stop]
        ]
    }
    if stop < end:
        query = {
            key: value
            for key, value in call.query.items()
            if key in ("api-version", "maxpagesize", "top")
        }
        query["continuationToken"] = str(stop)
        path = format_path(call.operation.data["path"], call.path)
        page["nextLink"] = f"{path}?{urlencode(query)}"
    return Outcome(body=page)


def _start(token: str | None) -> int:
    if token is None:
        return 0
    if not token.isdigit():
        raise RequestError(400, "InvalidArgument", "continuationToken is not one this service gave")
    return int(token)


def service_status(context: Context, call: Call) -> None:
    return None


HANDLERS: dict[str, Handler] = {
    "GetServiceStatus": service_status,
    "SendToAll": send_to_all,
    "SendToUser": send_to_user,
    "SendToConnection": send_to_connection,
    "SendToGroup": send_to_group,
    "CloseAllConnections": close_all,
    "CloseUserConnections": close_user,
    "CloseGroupConnections": close_group,
    "CloseConnection": close_connection,
    "ConnectionExists": connection_exists,
    "UserExists": user_exists,
    "GroupExists": group_exists,
    "UserExistsInGroup": user_exists_in_group,
    "AddConnectionToGroup": add_connection_to_group,
    "RemoveConnectionFromGroup": remove_connection_from_group,
    "RemoveConnectionFromAllGroups": remove_connection_from_all_groups,
    "AddUserToGroup": add_user_to_group,
    "RemoveUserFromGroup": remove_user_from_group,
    "RemoveUserFromAllGroups": remove_user_from_all_groups,
    "AddConnectionsToGroups": add_connections_to_groups,
    "RemoveConnectionsFromGroups": remove_connections_from_groups,
    "GrantPermission": grant_permission,
    "RevokePermission": revoke_permission,
    "CheckPermission": check_permission,
    "GenerateClientToken": generate_client_token,
    "ListConnectionsInGroup": list_connections_in_group,
}
