"""Part of normalizing: reading a validated OpenAPI document, and where its faults are."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from generator.emit import class_name
from generator.errors import SpecError, json_path
from generator.load import LoadedSpec
from generator.validate import operations, resolve

Place = tuple[object, ...]


class Document:
    """One spec: its parts by JSON path, its $refs followed, its models named."""

    def __init__(self, spec: LoadedSpec) -> None:
        self.path = spec.path
        self.service = spec.service
        self.raw = spec.document
        self.schemas: dict[str, Any] = self.raw.get("components", {}).get("schemas", {})

    def fail(self, place: Place, problem: str) -> SpecError:
        return SpecError(self.path, json_path(place), problem)

    def resolve(self, node: Any) -> Any:
        return resolve(self.raw, node)

    def operations(self) -> Iterator[tuple[str, str, dict[str, Any]]]:
        return operations(self.raw)

    def parameters(self, path: str, operation: dict[str, Any]) -> list[Any]:
        """An operation's parameters as written: the path's shared ones, then its own."""
        shared = self.raw["paths"][path].get("parameters", [])
        return [*shared, *operation.get("parameters", [])]

    def model_name(self, schema: Any) -> str | None:
        """The model class a schema stands for, when it is a $ref to an object component."""
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        if not isinstance(ref, str):
            return None
        name = ref.rsplit("/", 1)[-1]
        return class_name(name) if is_model(self.schemas.get(name, {})) else None


def is_model(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "object" and "properties" in schema


def text(value: Any) -> str:
    """Spec prose as the IR keeps it: plain text, trailing spaces and surrounding blank lines gone.
    The emitter escapes it for where it goes (a docstring, a comment); the docs for Markdown."""
    return "\n".join(line.rstrip() for line in str(value).strip().splitlines())


def one_line(value: Any) -> str:
    return " ".join(str(value).split())
