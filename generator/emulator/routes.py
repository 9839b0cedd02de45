"""Each API version's operations, routed and validated from the data the generator renders.

Every version of a service ships a ``_api`` module describing its operations: path templates,
parameters with their constraints, bodies and statuses. The emulator serves all of them at once.
"""

from __future__ import annotations

import importlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import ModuleType
from typing import Any
from urllib.parse import unquote

JSON_TYPES = ("application/json",)


class RequestError(Exception):
    """A request the service refuses: its status, error code and message."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


@dataclass(frozen=True)
class Operation:
    """One operation of one API version, as its ``_api`` module describes it."""

    version: str
    api_version: str | None
    data: Mapping[str, Any]
    pattern: re.Pattern[str]

    @property
    def operation_id(self) -> str:
        return str(self.data["operation_id"])

    @property
    def success(self) -> int:
        return int(self.data["success"][0])

    @property
    def wraps_errors(self) -> bool:
        # Newer versions answer {"error": {...}}, described by a model named ErrorResponse.
        return any(model == "ErrorResponse" for _, model in self.data["errors"])

    @property
    def takes_api_version(self) -> bool:
        return any(p["name"] == "api-version" for p in self.data["parameters"])


@dataclass(frozen=True)
class Call:
    """A request matched to its operation, its inputs checked and decoded."""

    operation: Operation
    path: dict[str, str]
    query: dict[str, Any]  # wire name -> str, int, bool or list of them; absent when not sent
    content_type: str | None
    body: bytes


def load_operations(service: str) -> list[Operation]:
    """The operations of every version of the service the package ships, oldest version first."""
    package = importlib.import_module(f"realtime_rest.{service}")
    operations: list[Operation] = []
    for module in package.VERSIONS.values():
        api: ModuleType = importlib.import_module(f"{module.__name__}._api")
        for data in api.OPERATIONS:
            operations.append(Operation(api.VERSION, api.API_VERSION, data, _compile(data["path"])))
    return operations


def _compile(template: str) -> re.Pattern[str]:
    parts = re.split(r"\{([^{}]+)\}", template)
    regex = "".join(
        re.escape(part) if index % 2 == 0 else f"(?P<{_group_name(part)}>[^/]+)"
        for index, part in enumerate(parts)
    )
    return re.compile(f"^{regex}$")


def _group_name(name: str) -> str:
    return re.sub(r"\W", "_", name)


class Router:
    def __init__(self, operations: Sequence[Operation]) -> None:
        self._operations = operations
        self.api_versions = sorted({op.api_version for op in operations if op.api_version})

    def match(self, method: str, raw_path: str, query: Mapping[str, list[str]]) -> Operation:
        """The operation a request is for; RequestError when there is none."""
        on_path = [op for op in self._operations if op.pattern.match(raw_path)]
        if not on_path:
            raise RequestError(404, "NotFound", f"no operation at {raw_path}")
        candidates = [op for op in on_path if op.data["method"] == method]
        if not candidates:
            raise RequestError(405, "MethodNotAllowed", f"{method} is not allowed at {raw_path}")
        asked = query.get("api-version", [None])[-1]
        if asked is None:
            # The newest version; its own checks refuse the request if it needs an api-version.
            return candidates[-1]
        for op in candidates:
            if op.api_version == asked:
                return op
        if all(not op.takes_api_version for op in candidates):
            return candidates[-1]
        supported = ", ".join(op.api_version or "none" for op in candidates)
        raise RequestError(
            400,
            "UnsupportedApiVersion",
            f"api-version {asked!r} is not supported here; supported: {supported}",
        )


def check_call(
    operation: Operation,
    raw_path: str,
    query: Mapping[str, list[str]],
    content_type: str | None,
    body: bytes,
) -> Call:
    """Check a request's inputs against the operation's constraints, as the clients do."""
    match = operation.pattern.match(raw_path)
    assert match is not None
    path: dict[str, str] = {}
    values: dict[str, Any] = {}
    for parameter in operation.data["parameters"]:
        name = parameter["name"]
        schema = parameter["schema"]
        if parameter["in"] == "path":
            raw = match.group(_group_name(name))
            path[name] = str(check_value(name, unquote(raw), schema))
            continue
        sent = query.get(name)
        if not sent:
            if parameter["required"]:
                raise RequestError(400, "InvalidArgument", f"query parameter {name} is required")
            continue
        if schema["type"] == "array":
            items = [check_value(name, item, schema.get("items", {})) for item in sent]
            check_count(name, items, schema)
            values[name] = items
        else:
            values[name] = check_value(name, sent[-1], schema)
    media_type = content_type.split(";")[0].strip().lower() if content_type else None
    check_body(operation, media_type, body)
    return Call(operation, path, values, media_type, body)


def check_value(name: str, text: str, schema: Mapping[str, Any]) -> str | int | float | bool:
    """A parameter's text, converted to its type and checked against its constraints."""
    kind = schema.get("type")
    value: str | int | float | bool = text
    try:
        if kind == "integer":
            value = int(text)
        elif kind == "number":
            value = float(text)
    except ValueError:
        raise RequestError(400, "InvalidArgument", f"{name} must be an {kind}") from None
    if kind == "boolean":
        if text.lower() not in ("true", "false"):
            raise RequestError(400, "InvalidArgument", f"{name} must be true or false")
        value = text.lower() == "true"
    enum = schema.get("enum")
    if enum and value not in enum:
        allowed = ", ".join(str(item) for item in enum)
        raise RequestError(400, "InvalidArgument", f"{name} must be one of {allowed}")
    if isinstance(value, str):
        _check_text(name, value, schema)
    elif not isinstance(value, bool):
        _check_range(name, value, schema)
    return value


def _check_text(name: str, value: str, schema: Mapping[str, Any]) -> None:
    pattern = schema.get("pattern")
    if pattern is not None and not re.search(pattern, value):
        raise RequestError(400, "InvalidArgument", f"{name} must match {pattern}")
    low, high = schema.get("min_length"), schema.get("max_length")
    if (low is not None and len(value) < low) or (high is not None and len(value) > high):
        bounds = f"{'' if low is None else low}..{'' if high is None else high}"
        raise RequestError(400, "InvalidArgument", f"{name} must be {bounds} characters long")


def _check_range(name: str, value: float, schema: Mapping[str, Any]) -> None:
    low, high = schema.get("minimum"), schema.get("maximum")
    if (low is not None and value < low) or (high is not None and value > high):
        bounds = f"{'' if low is None else low}..{'' if high is None else high}"
        raise RequestError(400, "InvalidArgument", f"{name} must be in {bounds}")


def check_count(name: str, items: Sequence[object], schema: Mapping[str, Any]) -> None:
    low, high = schema.get("min_items"), schema.get("max_items")
    if (low is not None and len(items) < low) or (high is not None and len(items) > high):
        raise RequestError(400, "InvalidArgument", f"{name} has {len(items)} items")


def check_body(operation: Operation, media_type: str | None, body: bytes) -> None:
    spec = operation.data["body"]
    if spec is None:
        return
    if not body:
        if spec["required"]:
            raise RequestError(400, "InvalidArgument", "the request body is required")
        return
    if media_type not in spec["content_types"]:
        allowed = ", ".join(spec["content_types"])
        raise RequestError(
            415, "UnsupportedMediaType", f"content type {media_type} is not one of {allowed}"
        )
    if media_type in JSON_TYPES:
        try:
            value = json.loads(body)
        except (ValueError, RecursionError):
            raise RequestError(400, "InvalidArgument", "the body is not valid JSON") from None
        if spec["schema"]["type"] == "model" and not isinstance(value, dict):
            raise RequestError(400, "InvalidArgument", "the body must be a JSON object")
    elif media_type == "text/plain":
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            raise RequestError(400, "InvalidArgument", "the text body is not UTF-8") from None
