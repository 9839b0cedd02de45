"""Python names for things the specs name: snake_case, never a keyword or a shadowed builtin."""

from __future__ import annotations

import builtins
import keyword
import re

_RESERVED = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins))
_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NOT_IDENTIFIER = re.compile(r"[^0-9a-zA-Z]+")


def snake_case(name: str) -> str:
    """ConnectionExists → connection_exists, api-version → api_version, maxpagesize → maxpagesize."""
    words = _NOT_IDENTIFIER.sub(" ", _WORD_BOUNDARY.sub(" ", name)).split()
    snake = "_".join(word.lower() for word in words) or "value"
    return f"_{snake}" if snake[0].isdigit() else snake


def python_name(name: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A safe, unique identifier: reserved words get a trailing underscore, clashes a number."""
    candidate = snake_case(name)
    if candidate in _RESERVED:
        candidate += "_"
    unique, counter = candidate, 2
    while unique in taken:
        unique, counter = f"{candidate}_{counter}", counter + 1
    return unique


def pascal_case(name: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in snake_case(name).split("_"))


def module_name(version: str) -> str:
    """2024-12-01 → v2024_12_01, v1 → v1."""
    snake = snake_case(version)
    return snake if snake.startswith("v") else f"v{snake.lstrip('_')}"
