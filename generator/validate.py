"""Stage 2: check a loaded spec with openapi-spec-validator, then the invariants the generator needs.

Every fault names the file and the JSON path of the place.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import Any

from openapi_spec_validator import OpenAPIV30SpecValidator

from generator.errors import SpecError, json_path
from generator.load import LoadedSpec
from generator.emit import module_name

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


# --- the conventions of specs/CONVENTIONS.md that a spec bump can break ------------------------

VOCABULARY = "operation-ids.txt"  # in the specs folder: the shared operationIds, one a line


def read_vocabulary(path: Path, display: str) -> frozenset[str]:
    """The operationIds of specs/operation-ids.txt: the first word of each line; # starts a comment."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SpecError(
            display, "file", f"cannot read the operationId vocabulary: {error}"
        ) from None
    words = [line.split("#", 1)[0].split() for line in text.splitlines()]
    return frozenset(line[0] for line in words if line)


def validate_conventions(spec: LoadedSpec, vocabulary: frozenset[str], display: str) -> None:
    """After validate_spec: the file is named after its version, api-version defaults to it, and
    every operationId comes from the vocabulary (read from `display`)."""
    _check_file_name_is_the_version(spec)
    _check_api_version_defaults(spec)
    _check_operation_ids_are_in_the_vocabulary(spec, vocabulary, display)


def validate_one_spec_per_module(specs: list[LoadedSpec]) -> None:
    """Two files of a service must not become one module, the second overwriting the first."""
    seen: dict[tuple[str, str], str] = {}
    for spec in specs:
        version = str(spec.document["info"]["version"])
        key = (spec.service, module_name(version))
        if key in seen:
            raise SpecError(
                spec.path,
                "$.info.version",
                f"version {version!r} becomes module {key[1]}, as {seen[key]} does: "
                "remove one of the two files",
            )
        seen[key] = spec.path


def _check_file_name_is_the_version(spec: LoadedSpec) -> None:
    version = str(spec.document["info"]["version"])
    name = PurePosixPath(spec.path).name
    if name != f"{version}.yaml":
        raise SpecError(
            spec.path,
            "$.info.version",
            f"the file is named {name} but info.version is {version!r}: "
            f"rename the file to {version}.yaml or set info.version to the file's version",
        )


def _check_api_version_defaults(spec: LoadedSpec) -> None:
    version = str(spec.document["info"]["version"])
    for place, parameter in _parameters_with_places(spec.document):
        if parameter.get("name") != "api-version":
            continue
        default = (resolve(spec.document, parameter.get("schema")) or {}).get("default")
        if str(default) != version:
            raise SpecError(
                spec.path,
                json_path(place + ("schema", "default")),
                f"api-version must default to the spec's version {version!r}, not {default!r}",
            )


def _parameters_with_places(
    document: dict[str, Any],
) -> Iterator[tuple[tuple[object, ...], dict[str, Any]]]:
    """Every parameter with the place it is written: a shared one once, where it is declared."""
    for name, parameter in (document.get("components", {}).get("parameters") or {}).items():
        yield ("components", "parameters", name), parameter
    for path, item in document["paths"].items():
        lists = [((path,), item)] + [((path, m), op) for m, op in item.items() if m in HTTP_METHODS]
        for where, owner in lists:
            for index, parameter in enumerate(owner.get("parameters", [])):
                if "$ref" not in parameter:
                    yield ("paths", *where, "parameters", index), parameter


def _check_operation_ids_are_in_the_vocabulary(
    spec: LoadedSpec, vocabulary: frozenset[str], display: str
) -> None:
    for path, method, operation in operations(spec.document):
        if operation["operationId"] not in vocabulary:
            raise SpecError(
                spec.path,
                json_path(("paths", path, method, "operationId")),
                f"operationId {operation['operationId']!r} is not in the shared vocabulary: "
                f"use one from {display}, or add the new action there",
            )
