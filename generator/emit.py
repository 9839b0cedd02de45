"""The one way spec text and IR data become Python source: identifiers, literals, annotations,
docstrings, comments and the expressions of worked examples.

Every string a spec can hold round-trips exactly: a literal is read back as the same value and a
docstring as the same text, whatever quotes, backslashes, newlines, NULs or template syntax it
holds. Names are ASCII identifiers that are neither keywords nor builtins.
"""

from __future__ import annotations

import builtins
import keyword
import math
import re
from collections.abc import Iterable

from generator import ir

RESERVED = frozenset(keyword.kwlist) | frozenset(keyword.softkwlist) | frozenset(dir(builtins))
_WORD_BOUNDARY = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NOT_IDENTIFIER = re.compile(r"[^0-9a-zA-Z]+")


# --- names -----------------------------------------------------------------------------------


def snake_case(name: str) -> str:
    """ConnectionExists → connection_exists, api-version → api_version, maxpagesize → maxpagesize."""
    words = _NOT_IDENTIFIER.sub(" ", _WORD_BOUNDARY.sub(" ", name)).split()
    snake = "_".join(word.lower() for word in words) or "value"
    return f"_{snake}" if snake[0].isdigit() else snake


def python_name(name: str, taken: set[str] | frozenset[str] = frozenset()) -> str:
    """A safe, unique identifier: reserved words get a trailing underscore, clashes a number."""
    candidate = snake_case(name)
    if candidate in RESERVED:
        candidate += "_"
    unique, counter = candidate, 2
    while unique in taken:
        unique, counter = f"{candidate}_{counter}", counter + 1
    return unique


def pascal_case(name: str) -> str:
    return "".join(word[:1].upper() + word[1:] for word in snake_case(name).split("_"))


def class_name(name: str) -> str:
    """A model's class name: the spec's name where it is a safe identifier, else PascalCase."""
    if name.isascii() and name.isidentifier() and name not in RESERVED and name[0].isupper():
        return name
    candidate = pascal_case(name)
    if not candidate[:1].isalpha():
        return f"Model{candidate}"
    return f"{candidate}_" if candidate in RESERVED else candidate


def module_name(version: str) -> str:
    """2024-12-01 → v2024_12_01, v1 → v1."""
    snake = snake_case(version)
    return snake if snake.startswith("v") else f"v{snake.lstrip('_')}"


# --- literals --------------------------------------------------------------------------------


def literal(value: object) -> str:
    """Python source for a spec value; strings double-quoted where possible (black's style)."""
    if isinstance(value, str):
        text = repr(value)
        if '"' in value or text.startswith('"'):
            return text
        return '"' + text[1:-1].replace("\\'", "'") + '"'
    if isinstance(value, float) and not math.isfinite(value):
        return f'float("{value}")'
    if isinstance(value, (bool, int, float, bytes)) or value is None:
        return repr(value)
    if isinstance(value, tuple):
        items = [literal(item) for item in value]
        return f"({items[0]},)" if len(items) == 1 else f"({', '.join(items)})"
    raise TypeError(f"no Python literal for {type(value).__name__}")


def expression(value: ir.SampleValue, models_prefix: str = "models.") -> str:
    """A worked example's value as source: models built by keyword, tuples as lists."""
    if isinstance(value, ir.ModelValue):
        fields = ", ".join(f"{name}={expression(v, models_prefix)}" for name, v in value.fields)
        return f"{models_prefix}{value.model}({fields})"
    if isinstance(value, ir.MappingValue):
        items = ", ".join(f"{literal(k)}: {expression(v, models_prefix)}" for k, v in value.items)
        return "{" + items + "}"
    if isinstance(value, tuple):
        return "[" + ", ".join(expression(item, models_prefix) for item in value) + "]"
    return literal(value)


def arguments(values: Iterable[ir.Argument], models_prefix: str = "models.") -> str:
    """``a, b, key=c``: a worked call's arguments."""
    return ", ".join(
        (f"{a.keyword}=" if a.keyword else "") + expression(a.value, models_prefix) for a in values
    )


# --- text in docstrings and comments ----------------------------------------------------------

_QUOTE_RUN = re.compile(r'"(?="|$)')
_INNER_QUOTE_RUN = re.compile(r'"(?=")')


def docstring(text: str, *, inner: bool = False) -> str:
    """Spec prose made safe inside a triple-quoted docstring, read back as the same text.

    Backslashes are doubled, unprintable characters (controls, line separators, bidirectional
    marks) written as escapes, and every quote followed by another quote or by the end is
    escaped, so neither three quotes in a row nor a closing quote can form. ``inner`` text is
    followed by more of the docstring, so a quote at its end cannot close it.
    """
    escaped = _printable(text.replace("\\", "\\\\"))
    return (_INNER_QUOTE_RUN if inner else _QUOTE_RUN).sub(r'\\"', escaped)


def comment(text: str) -> str:
    """Text for a ``#`` comment: one line, unprintable characters shown as escapes."""
    return _printable(" ".join(text.split("\n")))


def _printable(text: str) -> str:
    if all(line.isprintable() for line in text.split("\n")):
        return text
    return "".join(c if c == "\n" or c.isprintable() else _escape(c) for c in text)


def _escape(character: str) -> str:
    code = ord(character)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


# --- types -----------------------------------------------------------------------------------


def annotation(type_: ir.PyType) -> str:
    """The annotation of a type: ``str``, ``Sequence[str] | None``, ``Literal["a", "b"]``."""
    kind = type_.kind
    if kind == "model":
        return str(type_.model)
    if kind == "literal":
        return f"Literal[{', '.join(literal(value) for value in type_.values)}]"
    if kind in ("list", "sequence", "optional"):
        assert type_.item is not None
        inner = annotation(type_.item)
        return {"list": f"list[{inner}]", "sequence": f"Sequence[{inner}]"}.get(
            kind, f"{inner} | None"
        )
    return _SIMPLE[kind]


_SIMPLE = {
    "str": "str",
    "int": "int",
    "float": "float",
    "bool": "bool",
    "bytes": "bytes",
    "any": "Any",
    "json_object": "dict[str, Any]",
    "content": "Content",
}


def result_annotation(result: ir.Result, *, is_async: bool) -> str:
    """What a method returns: ``None``, ``bool``, the model, or its pages (``ItemPaged``)."""
    kind = result.kind
    if kind == "none":
        return "None"
    if kind == "exists":
        return "bool"
    if kind == "optional_model":
        return f"{result.model} | None"
    if kind == "paged":
        return f"{'AsyncItemPaged' if is_async else 'ItemPaged'}[{result.model}]"
    return str(result.model)


# The constraints each runtime check takes, by their IR names.
_CHECKED: dict[ir.CheckKind, tuple[str, ...]] = {
    "string": ("enum", "pattern", "min_length", "max_length"),
    "integer": ("enum", "minimum", "maximum"),
    "number": ("enum", "minimum", "maximum"),
    "boolean": (),
    "string_array": ("min_items", "max_items"),
}
_ITEM_CHECKED = ("enum", "pattern", "min_length", "max_length")


def check_call(parameter: ir.Parameter) -> str:
    """The runtime call that checks an argument's type and constraints before anything is sent:
    ``check_string("user_id", user_id, required=True, segment=True, min_length=1)``."""
    name = parameter.python_name
    options = [f"required={parameter.refuses_none}"]
    if parameter.location == "path":
        options.append("segment=True")
    options += _constraint_options(parameter.schema, _CHECKED[parameter.check], "")
    if parameter.check == "string_array" and parameter.schema.items is not None:
        options += _constraint_options(parameter.schema.items, _ITEM_CHECKED, "item_")
    return f"{check_function(parameter)}({literal(name)}, {name}, {', '.join(options)})"


def check_function(parameter: ir.Parameter) -> str:
    """The runtime function that checks an argument: ``check_string``, ``check_integer``, ..."""
    return f"check_{parameter.check}"


def _constraint_options(schema: ir.Schema, names: tuple[str, ...], prefix: str) -> list[str]:
    options = []
    for option in names:
        value = getattr(schema, option)
        if value is not None and value != ():
            keyword = "allowed" if option == "enum" else option
            options.append(f"{prefix}{keyword}={literal(value)}")
    return options
