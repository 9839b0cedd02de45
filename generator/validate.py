"""Stage 2: check a loaded spec with openapi-spec-validator, then the invariants the generator needs.

Every fault names the file and the JSON path of the place.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from openapi_spec_validator import OpenAPIV30SpecValidator

from generator.errors import SpecError, json_path
from generator.load import LoadedSpec

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_PATH_VARIABLE = re.compile(r"{([^}]+)}")


def validate_spec(spec: LoadedSpec) -> None:
    _check_refs(spec)
    # These name the exact place of faults that the validator reports against the whole document.
    try:
        _check_operation_ids(spec)
        _check_path_parameters(spec)
    except (AttributeError, KeyError, TypeError):
        pass  # the document's shape is wrong: the validator below says where
    errors = sorted(
        OpenAPIV30SpecValidator(spec.document).iter_errors(),
        key=lambda e: [str(p) for p in e.absolute_path],
    )
    if errors:
        first = errors[0]
        raise SpecError(spec.path, json_path(list(first.absolute_path)), first.message)


def resolve(document: dict[str, Any], node: Any) -> Any:
    """Follow a local $ref (the only kind the specs use); anything else is returned as it is."""
    while isinstance(node, dict) and "$ref" in node:
        node = _follow_pointer(document, node["$ref"])
    return node


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(path, method, operation) in document order."""
    for path, item in (document.get("paths") or {}).items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def _follow_pointer(document: dict[str, Any], ref: str) -> Any:
    if not ref.startswith("#/"):
        raise LookupError(f"only local references are supported: {ref!r}")
    node: Any = document
    for token in ref[2:].split("/"):
        token = token.replace("~1", "/").replace("~0", "~")
        if not isinstance(node, dict) or token not in node:
            raise LookupError(f"unresolvable $ref {ref!r}")
        node = node[token]
    return node


def _walk_refs(node: Any, place: tuple[object, ...]) -> Iterator[tuple[str, tuple[object, ...]]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield value, place
            else:
                yield from _walk_refs(value, place + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _walk_refs(value, place + (index,))


def _check_refs(spec: LoadedSpec) -> None:
    for ref, place in _walk_refs(spec.document, ()):
        try:
            _follow_pointer(spec.document, ref)
        except LookupError as error:
            raise SpecError(spec.path, json_path(place + ("$ref",)), str(error)) from None


def _check_operation_ids(spec: LoadedSpec) -> None:
    seen: dict[str, str] = {}
    for path, method, operation in operations(spec.document):
        place = json_path(("paths", path, method, "operationId"))
        operation_id = operation.get("operationId")
        if not operation_id:
            raise SpecError(spec.path, place, "every operation needs an operationId")
        if operation_id in seen:
            raise SpecError(
                spec.path,
                place,
                f"duplicate operationId {operation_id!r} (also at {seen[operation_id]})",
            )
        seen[operation_id] = place


def _check_path_parameters(spec: LoadedSpec) -> None:
    document = spec.document
    for path, method, operation in operations(document):
        shared = document["paths"][path].get("parameters", [])
        declared = {
            p["name"]: p
            for p in (resolve(document, raw) for raw in [*shared, *operation.get("parameters", [])])
            if p.get("in") == "path"
        }
        for variable in _PATH_VARIABLE.findall(path):
            parameter = declared.get(variable)
            place = json_path(("paths", path, method, "parameters"))
            if parameter is None:
                raise SpecError(
                    spec.path, place, f"path variable {{{variable}}} has no path parameter"
                )
            if parameter.get("required") is not True:
                raise SpecError(spec.path, place, f"path parameter {variable!r} must be required")
