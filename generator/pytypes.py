"""Part of normalizing: the Python type of a schema, as data (ir.PyType)."""

from __future__ import annotations

from typing import Any

from generator import ir
from generator.document import Document, Place, is_model

_SCALARS: dict[str, ir.PyKind] = {
    "string": "str",
    "integer": "int",
    "number": "float",
    "boolean": "bool",
}
# Valid OpenAPI the clients cannot express faithfully: refused rather than approximated.
UNSUPPORTED_SCHEMA_KEYS = ("oneOf", "anyOf", "allOf", "not", "additionalProperties")


def python_type(document: Document, place: Place, schema: Any, *, argument: bool) -> ir.PyType:
    """The type of a value: arguments take any Sequence where models hold lists."""
    model = document.model_name(schema)
    if model:
        return ir.PyType("model", model=model)
    schema = document.resolve(schema)
    refuse_unsupported(document, place, schema)
    if "enum" in schema:
        return ir.PyType("literal", values=tuple(schema["enum"]))
    kind = schema.get("type")
    if kind == "string" and schema.get("format") == "binary":
        return ir.PyType("bytes")
    if kind in _SCALARS:
        return ir.PyType(_SCALARS[kind])
    if kind == "array":
        item = python_type(document, place + ("items",), schema.get("items", {}), argument=argument)
        return ir.PyType("sequence" if argument else "list", item=item)
    if kind == "object" and not is_model(schema):
        return ir.PyType("json_object")
    if kind is None:
        return ir.PyType("any")
    raise document.fail(
        place, f"unsupported schema type {kind!r} (inline objects need a $ref model)"
    )


def refuse_unsupported(document: Document, place: Place, schema: dict[str, Any]) -> None:
    for key in UNSUPPORTED_SCHEMA_KEYS:
        # A closed object (additionalProperties: false, as Microsoft's descriptions often say)
        # is what every model is; open ones would need a mapping the models do not have.
        if key in schema and not (key == "additionalProperties" and schema[key] is False):
            raise document.fail(
                place + (key,),
                f"unsupported construct {key!r}: the generator does not support it yet",
            )


def wire_kind(type_: ir.PyType) -> ir.WireKind:
    """What JSON a model field of this type must hold when it is read from a response."""
    if type_.kind == "optional" and type_.item is not None:
        return wire_kind(type_.item)
    if type_.kind in ("str", "bytes"):
        return "str"
    if type_.kind == "literal":
        # An enum value the service adds later still reads; only its type is checked.
        return "str" if all(isinstance(value, str) for value in type_.values) else "any"
    if type_.kind in ("int", "float", "bool"):
        return type_.kind
    if type_.kind in ("list", "sequence"):
        item = type_.item
        return "str_list" if item is not None and item.kind == "str" else "list"
    if type_.kind == "json_object":
        return "object"
    return "any"
