"""What the service keeps in memory: hubs, their connections, users, groups and permissions."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

logger = logging.getLogger("realtime_rest.emulator")

# A connection that lets this many frames pile up unread is closed: it cannot keep up.
MAX_QUEUED_FRAMES = 10_000
# Group membership of users without a ttl lasts as long as the emulator runs.
FOREVER: float | None = None


@dataclass(frozen=True)
class Close:
    """The last frame a connection gets: why it is closed."""

    reason: str | None


Frame = str | bytes | Close


@dataclass(frozen=True)
class Message:
    """What a send carries: the body and its content type; where it came from for group sends.

    A message is framed once per protocol, however many connections it goes to.
    """

    data: bytes
    content_type: str  # application/json, text/plain or application/octet-stream
    group: str | None = None  # set when a client sent it to a group
    from_user_id: str | None = None
    _frames: dict[str, Frame] = field(default_factory=dict, compare=False, repr=False)

    def framed(self, protocol: str, build: Callable[[Message], Frame]) -> Frame:
        if protocol not in self._frames:
            self._frames[protocol] = build(self)
        return self._frames[protocol]


class Connection:
    """One client connection. Subclasses frame messages in their protocol."""

    def __init__(self, hub: Hub, connection_id: str, user_id: str | None, roles: Iterable[str]):
        self.hub = hub
        self.connection_id = connection_id
        self.user_id = user_id
        self.roles = frozenset(roles)
        self.permissions: set[tuple[str, str | None]] = set()  # granted through the REST API
        self.frames: asyncio.Queue[Frame] = asyncio.Queue()
        self.closed = False

    def deliver(self, message: Message) -> None:
        """Frame a message in the connection's protocol and queue it."""
        raise NotImplementedError

    def push(self, frame: Frame) -> None:
        if self.closed:
            return
        if self.frames.qsize() >= MAX_QUEUED_FRAMES:
            logger.info("closing connection %s: it does not read its messages", self.connection_id)
            frame = Close("the client does not read its messages")
        if isinstance(frame, Close):
            self.closed = True
        self.frames.put_nowait(frame)

    def close(self, reason: str | None) -> None:
        self.push(Close(reason))

    def may(self, permission: str, group: str) -> bool:
        """Whether the connection may joinLeaveGroup or sendToGroup this group (Web PubSub)."""
        if {f"webpubsub.{permission}", f"webpubsub.{permission}.{group}"} & self.roles:
            return True
        return (permission, None) in self.permissions or (permission, group) in self.permissions


class Hub:
    """One hub's connections, and who is in which group."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.connections: dict[str, Connection] = {}
        self._user_connections: dict[str, set[str]] = {}
        # Connections in a group by themselves (joined, or added by id or with a user ttl of 0).
        self._group_connections: dict[str, set[str]] = {}
        # Users in a group, with when their membership ends (None: never); their connections,
        # present and future, are in the group while it lasts.
        self._group_users: dict[str, dict[str, float | None]] = {}

    def add(self, connection: Connection, groups: Iterable[str] = ()) -> None:
        self.connections[connection.connection_id] = connection
        if connection.user_id is not None:
            self._user_connections.setdefault(connection.user_id, set()).add(
                connection.connection_id
            )
        for group in groups:
            self.add_connection_to_group(connection.connection_id, group)

    def remove(self, connection: Connection) -> None:
        if self.connections.get(connection.connection_id) is not connection:
            return
        del self.connections[connection.connection_id]
        if connection.user_id is not None:
            owned = self._user_connections.get(connection.user_id, set())
            owned.discard(connection.connection_id)
            if not owned:
                self._user_connections.pop(connection.user_id, None)
        self.remove_connection_from_all_groups(connection.connection_id)

    def user(self, user_id: str) -> list[Connection]:
        return [self.connections[c] for c in sorted(self._user_connections.get(user_id, ()))]

    def members(self, group: str) -> list[Connection]:
        """The group's connections, each once, in a stable order."""
        ids = set(self._group_connections.get(group, ()))
        for user_id in self._active_users(group):
            ids.update(self._user_connections.get(user_id, ()))
        return [self.connections[c] for c in sorted(ids) if c in self.connections]

    def groups_of(self, connection_id: str) -> set[str]:
        known = set(self._group_connections) | set(self._group_users)
        return {group for group in known if self.in_group(connection_id, group)}

    def in_group(self, connection_id: str, group: str) -> bool:
        return any(c.connection_id == connection_id for c in self.members(group))

    def _active_users(self, group: str) -> list[str]:
        users = self._group_users.get(group, {})
        now = time.monotonic()
        for user_id in [u for u, ends in users.items() if ends is not None and ends <= now]:
            del users[user_id]
        return list(users)

    def user_in_group(self, user_id: str, group: str) -> bool:
        if user_id in self._active_users(group):
            return True
        return any(c.user_id == user_id for c in self.members(group))

    def add_connection_to_group(self, connection_id: str, group: str) -> None:
        self._group_connections.setdefault(group, set()).add(connection_id)

    def remove_connection_from_group(self, connection_id: str, group: str) -> None:
        members = self._group_connections.get(group)
        if members is not None:
            members.discard(connection_id)
            if not members:
                del self._group_connections[group]

    def remove_connection_from_all_groups(self, connection_id: str) -> None:
        for group in list(self._group_connections):
            self.remove_connection_from_group(connection_id, group)

    def add_user_to_group(self, user_id: str, group: str, ttl: int | None) -> None:
        """ttl in seconds; 0 adds only the user's present connections, None lasts forever."""
        if ttl == 0:
            for connection in self.user(user_id):
                self.add_connection_to_group(connection.connection_id, group)
            return
        ends = FOREVER if ttl is None else time.monotonic() + ttl
        self._group_users.setdefault(group, {})[user_id] = ends

    def remove_user_from_group(self, user_id: str, group: str) -> None:
        users = self._group_users.get(group)
        if users is not None:
            users.pop(user_id, None)
            if not users:
                del self._group_users[group]
        for connection in self.user(user_id):
            self.remove_connection_from_group(connection.connection_id, group)

    def remove_user_from_all_groups(self, user_id: str) -> None:
        for group in set(self._group_users) | set(self._group_connections):
            self.remove_user_from_group(user_id, group)


class State:
    """Every hub, by name; hub names are case-insensitive as in the services."""

    def __init__(self) -> None:
        self._hubs: dict[str, Hub] = {}

    def hub(self, name: str) -> Hub:
        key = name.lower()
        if key not in self._hubs:
            self._hubs[key] = Hub(key)
        return self._hubs[key]

    def all_connections(self) -> list[Connection]:
        return [c for hub in self._hubs.values() for c in hub.connections.values()]
