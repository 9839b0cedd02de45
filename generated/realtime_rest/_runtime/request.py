"""Requests as the generated operations describe them: validated, encoded, ready to send."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, ForwardRef, Union
from urllib.parse import quote, quote_plus

from realtime_rest._runtime.records import field, record

# A JSON value as json.dumps writes it. Mapping and Sequence, not dict and list, so that a
# dict[str, str] or a list[int] the caller already has type-checks as one.
if TYPE_CHECKING:
    JsonValue = Union[Mapping[str, "JsonValue"], Sequence["JsonValue"], str, int, float, bool, None]
else:
    # The same alias, its self-reference bound to this module, so that typing.get_type_hints of a
    # generated method (whose module does not define JsonValue) resolves it.
    _JSON_VALUE = ForwardRef("JsonValue", module=__name__)
    JsonValue = Union[Mapping[str, _JSON_VALUE], Sequence[_JSON_VALUE], str, int, float, bool, None]
# A message body, sent by its Python type: str as text/plain, bytes (bytearray too) as
# application/octet-stream, any other JSON value but null as application/json.
Content = Union[str, bytes, Mapping[str, JsonValue], Sequence[JsonValue], int, float, bool]

QueryValue = Union[str, int, float, bool, Sequence[str], Sequence[int], None]


@record
class Body:
    content: bytes
    content_type: str


@record
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
            for item in value if isinstance(value, (list, tuple)) else (value,):
                if item is not None:
                    pairs.append((name, _query_text(item)))
        return pairs

    def encoded_query(self) -> str:
        """The query string as sent, encoded as ``urllib.parse.urlencode`` encodes it."""
        return "&".join(
            f"{_quoted(name, quote_plus)}={_quoted(text, quote_plus)}"
            for name, text in self.query_pairs()
        )


def _query_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


# Characters that percent-encoding leaves as they are: most ids and names are made of these only,
# and a match is several times cheaper than quote().
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]*")
_PLACEHOLDER = re.compile(r"{([^}]+)}")


def _quoted(text: str, quoter: Callable[..., str]) -> str:
    return text if _UNRESERVED.fullmatch(text) else quoter(text, safe="")


def format_path(template: str, values: Mapping[str, str]) -> str:
    """Fill a path template, percent-encoding each value so '/', '?', '#' and '%' stay in it.

    The argument checks refuse bad path values by the caller's name for them; this refuses them
    again by the template's name, so that no caller can build a request that escapes its path.
    """
    # Literal text and placeholder names alternate: [text, name, text, ..., text].
    parts = _template_parts(template)
    filled = [parts[0]]
    for index in range(1, len(parts), 2):
        name = parts[index]
        filled.append(_path_segment(name, values[name]))
        filled.append(parts[index + 1])
    return "".join(filled)


@functools.lru_cache(maxsize=256)  # the templates of the generated operations: a fixed few
def _template_parts(template: str) -> tuple[str, ...]:
    return tuple(_PLACEHOLDER.split(template))


def _path_segment(name: str, value: object) -> str:
    if not isinstance(value, str):
        raise _wrong_type(name, "a str", value)
    if value == "" or value in _DOT_SEGMENTS:
        raise ValueError(f"{name} must be a path segment, not {value!r}")
    return _quoted(value, quote)


def encode_content(name: str, message: Content, content_type: str | None = None) -> Body:
    """Encode the message argument ``name`` by its Python type, unless content_type says
    otherwise; TypeError or ValueError naming the argument for what JSON cannot carry."""
    if isinstance(message, (bytes, bytearray, memoryview)):
        return Body(bytes(message), content_type or "application/octet-stream")
    if isinstance(message, str):
        return Body(message.encode("utf-8"), content_type or "text/plain")
    if message is None:
        raise TypeError(f"{name} is required, not None")
    try:
        return Body(_json_bytes(message), content_type or "application/json")
    except TypeError as problem:
        raise TypeError(
            f"{name} must be a str, bytes or a JSON value (dict, list, str, number, bool): "
            f"{problem}"
        ) from None
    except (ValueError, RecursionError) as problem:  # NaN, infinity, a cycle, too deep
        raise ValueError(f"{name} is not a JSON value: {problem}") from None


def encode_json(value: Any) -> Body:
    return Body(_json_bytes(value), "application/json")


def _json_bytes(value: Any) -> bytes:
    # allow_nan=False: NaN and infinity are not JSON, and the service would refuse the body.
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    return text.encode("utf-8")


# --- argument checks ---------------------------------------------------------------------------
# Every generated operation checks each argument before it builds a request, so that nothing is
# sent for a value the service would misread. Wrong types and missing required values raise
# TypeError; values of the right type that break a rule of the spec raise ValueError. Messages name
# the Python argument and the rule, and show at most a short excerpt of the value.

# A path value is one segment; the services address nothing longer than this where the spec
# documents no maximum, and the HTTP stack fails in unrelated ways on far longer URLs.
MAX_SEGMENT_LENGTH = 1024
# Dot segments are removed by URL normalization, which would change the target of the request.
_DOT_SEGMENTS = frozenset({".", ".."})
_EXCERPT_LENGTH = 40


def check_string(
    name: str,
    value: object,
    *,
    required: bool,
    segment: bool = False,
    allowed: tuple[str, ...] | None = None,
    pattern: str | None = None,
    min_length: int | None = None,
    max_length: int | None = None,
) -> None:
    """Refuse a value that is not a str the spec allows; ``segment`` for path values."""
    if _absent(name, value, required):
        return
    if not isinstance(value, str):
        raise _wrong_type(name, "a str", value)
    if segment:
        _check_segment(name, value, max_length)
    _check_text(name, value, allowed, pattern, min_length, max_length)


def check_integer(
    name: str,
    value: object,
    *,
    required: bool,
    allowed: tuple[int, ...] | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
) -> None:
    """Refuse a value that is not an int in range; ``True`` and ``1.5`` are not integers."""
    if _absent(name, value, required):
        return
    if isinstance(value, bool) or not isinstance(value, int):
        raise _wrong_type(name, "an int", value)
    _check_number(name, value, allowed, minimum, maximum)


def check_number(
    name: str,
    value: object,
    *,
    required: bool,
    allowed: tuple[float, ...] | None = None,
    minimum: float | None = None,
    maximum: float | None = None,
) -> None:
    """Refuse a value that is not a finite int or float in range; booleans are not numbers."""
    if _absent(name, value, required):
        return
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _wrong_type(name, "an int or float", value)
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"{name} must be a finite number")
    _check_number(name, value, allowed, minimum, maximum)


def check_boolean(name: str, value: object, *, required: bool) -> None:
    """Refuse a value that is not True or False (1 and "true" are refused too)."""
    if _absent(name, value, required):
        return
    if not isinstance(value, bool):
        raise _wrong_type(name, "a bool", value)


def check_string_array(
    name: str,
    value: object,
    *,
    required: bool,
    min_items: int | None = None,
    max_items: int | None = None,
    item_allowed: tuple[str, ...] | None = None,
    item_pattern: str | None = None,
    item_min_length: int | None = None,
    item_max_length: int | None = None,
) -> None:
    """Refuse a value that is not a list or tuple of str the spec allows.

    A lone str is refused, not taken as its characters nor as one item: ``groups="readers"`` is
    far more often a mistake for ``groups=["readers"]`` than a wish for seven groups, and guessing
    would hide the mistake in the other calls of the same code.
    """
    if _absent(name, value, required):
        return
    if not isinstance(value, (list, tuple)):
        raise _wrong_type(name, "a list or tuple of str", value)
    if min_items is not None and len(value) < min_items:
        raise ValueError(f"{name} must have at least {min_items} items")
    if max_items is not None and len(value) > max_items:
        raise ValueError(f"{name} must have at most {max_items} items")
    for index, item in enumerate(value):
        item_name = f"{name}[{index}]"
        if not isinstance(item, str):
            raise _wrong_type(item_name, "a str", item)
        _check_text(item_name, item, item_allowed, item_pattern, item_min_length, item_max_length)


def _absent(name: str, value: object, required: bool) -> bool:
    """True when an optional value is not given; a missing required value is refused."""
    if value is not None:
        return False
    if required:
        raise TypeError(f"{name} is required, not None")
    return True


def _wrong_type(name: str, expected: str, value: object) -> TypeError:
    return TypeError(f"{name} must be {expected}, not {type(value).__name__}")


def _check_segment(name: str, value: str, max_length: int | None) -> None:
    if value == "":
        raise ValueError(f"{name} must not be empty: it is a segment of the request path")
    if value in _DOT_SEGMENTS:
        raise ValueError(f"{name} must not be {value!r}: a dot segment would change the target")
    limit = max_length if max_length is not None else MAX_SEGMENT_LENGTH
    if len(value) > limit:
        raise ValueError(f"{name} must be {limit} or fewer characters long")


def _check_text(
    name: str,
    value: str,
    allowed: tuple[str, ...] | None,
    pattern: str | None,
    min_length: int | None,
    max_length: int | None,
) -> None:
    if allowed is not None and value not in allowed:
        choices = ", ".join(map(repr, allowed))
        raise ValueError(f"{name} must be one of {choices}, not {_excerpt(value)}")
    if min_length is not None and len(value) < min_length:
        raise ValueError(f"{name} must be {min_length} or more characters long")
    if max_length is not None and len(value) > max_length:
        raise ValueError(f"{name} must be {max_length} or fewer characters long")
    if pattern is not None and re.fullmatch(pattern, value) is None:
        raise ValueError(f"{name} must match {pattern} as a whole, not {_excerpt(value)}")


def _check_number(
    name: str,
    value: float,
    allowed: tuple[float, ...] | None,
    minimum: float | None,
    maximum: float | None,
) -> None:
    if allowed is not None and value not in allowed:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, allowed))}, not {value!r}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be at least {minimum}, not {value!r}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be at most {maximum}, not {value!r}")


def _excerpt(value: str) -> str:
    """The value as repr shows it (control characters escaped), cut short."""
    shown = repr(value)
    return shown if len(shown) <= _EXCERPT_LENGTH else f"{shown[:_EXCERPT_LENGTH]}...'"
