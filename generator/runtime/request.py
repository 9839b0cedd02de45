"""Requests as the generated operations describe them: validated, encoded, ready to send."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Union
from urllib.parse import quote

# A message body: str is sent as text/plain, bytes as application/octet-stream, the rest as JSON.
Content = Union[str, bytes, Any]

QueryValue = Union[str, int, float, bool, Sequence[str], Sequence[int], None]


@dataclass(frozen=True)
class Body:
    content: bytes
    content_type: str


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # already formatted and percent-encoded
    query: Sequence[tuple[str, QueryValue]] = ()
    body: Body | None = None
    headers: dict[str, str] = field(default_factory=dict)

    def query_pairs(self) -> list[tuple[str, str]]:
        """The query as sent: None values left out, sequences repeated, booleans in lower case."""
        pairs: list[tuple[str, str]] = []
        for name, value in self.query:
            values = value if isinstance(value, (list, tuple)) else [value]
            pairs.extend((name, _query_text(item)) for item in values if item is not None)
        return pairs


def _query_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def format_path(template: str, values: Mapping[str, str]) -> str:
    """Fill a path template, percent-encoding each value so '/', '?', '#' and '%' stay in it."""

    def encoded(match: re.Match[str]) -> str:
        return quote(str(values[match.group(1)]), safe="")

    return re.sub(r"{([^}]+)}", encoded, template)


def encode_content(message: Content, content_type: str | None = None) -> Body:
    """Encode a message body by its Python type, unless content_type says otherwise."""
    if isinstance(message, bytes):
        return Body(message, content_type or "application/octet-stream")
    if isinstance(message, str):
        return Body(message.encode("utf-8"), content_type or "text/plain")
    return Body(_json_bytes(message), content_type or "application/json")


def encode_json(value: Any) -> Body:
    return Body(_json_bytes(value), "application/json")


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def check(
    name: str,
    value: Any,
    *,
    allowed: tuple[Any, ...] | None = None,
    pattern: str | None = None,
    min_length: int | None = None,
    max_length: int | None = None,
    minimum: int | float | None = None,
    maximum: int | float | None = None,
    min_items: int | None = None,
    max_items: int | None = None,
) -> None:
    """Refuse a value the spec does not allow, before anything is sent. None means 'not given'."""
    if value is None:
        return
    if allowed is not None and value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}, not {value!r}")
    if pattern is not None and not re.search(pattern, value):
        raise ValueError(f"{name} must match {pattern}, not {value!r}")
    if min_length is not None and len(value) < min_length:
        raise ValueError(f"{name} must be {min_length} or more characters long")
    if max_length is not None and len(value) > max_length:
        raise ValueError(f"{name} must be {max_length} or fewer characters long")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value!r}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}, not {value!r}")
    if min_items is not None and len(value) < min_items:
        raise ValueError(f"{name} must have at least {min_items} items")
    if max_items is not None and len(value) > max_items:
        raise ValueError(f"{name} must have at most {max_items} items")
