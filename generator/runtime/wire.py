"""Reading a response's JSON into a generated model, every value checked against its documented type.

A value of another type raises WireFormatError, which the responses module reports to the caller
as UnexpectedResponseError, so that a model never holds what its annotations deny.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Literal, TypeVar

from realtime_rest._runtime.errors import WireFormatError

T = TypeVar("T")
# The JSON types a model field may hold.
WireKind = Literal["str", "int", "float", "bool", "str_list", "list", "object", "any"]

_DESCRIPTIONS: dict[WireKind, str] = {
    "str": "a string",
    "int": "an integer",
    "float": "a number",
    "bool": "a boolean",
    "str_list": "a list of strings",
    "list": "a list",
    "object": "an object",
    "any": "a value",
}


def _is(kind: WireKind, item: object) -> bool:
    if kind == "str":
        return isinstance(item, str)
    if kind == "int":
        return isinstance(item, int) and not isinstance(item, bool)
    if kind == "float":
        return isinstance(item, (int, float)) and not isinstance(item, bool)
    if kind == "bool":
        return isinstance(item, bool)
    if kind == "str_list":
        return isinstance(item, list) and all(isinstance(each, str) for each in item)
    if kind == "list":
        return isinstance(item, list)
    if kind == "object":
        return isinstance(item, dict)
    return True


def value(data: Mapping[str, Any], key: str, kind: WireKind) -> Any:
    """A required field's value."""
    item = data.get(key)
    if item is None:
        raise WireFormatError(f"{key!r} is missing")
    if not _is(kind, item):
        raise WireFormatError(f"{key!r} is not {_DESCRIPTIONS[kind]}")
    return item


def optional_value(data: Mapping[str, Any], key: str, kind: WireKind) -> Any:
    """An optional field's value, None when it is absent or null."""
    return None if data.get(key) is None else value(data, key, kind)


def model(data: Mapping[str, Any], key: str, from_wire: Callable[[Mapping[str, Any]], T]) -> T:
    """A required nested model."""
    return from_wire(value(data, key, "object"))


def optional_model(
    data: Mapping[str, Any], key: str, from_wire: Callable[[Mapping[str, Any]], T]
) -> T | None:
    return None if data.get(key) is None else model(data, key, from_wire)


def model_list(
    data: Mapping[str, Any], key: str, from_wire: Callable[[Mapping[str, Any]], T]
) -> list[T]:
    """A required list of nested models."""
    items = value(data, key, "list")
    if not all(isinstance(item, dict) for item in items):
        raise WireFormatError(f"{key!r} is not a list of objects")
    return [from_wire(item) for item in items]


def optional_model_list(
    data: Mapping[str, Any], key: str, from_wire: Callable[[Mapping[str, Any]], T]
) -> list[T] | None:
    return None if data.get(key) is None else model_list(data, key, from_wire)
