"""Stage 2: check a loaded spec with openapi-spec-validator, then the invariants the generator needs.

Every fault names the file and the JSON path of the place. The checks that make the later stages
safe run first: no spec text holds a character that generated source cannot show faithfully, and
every `$ref` is local, resolves and is not part of a cycle, so following references always ends.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from importlib.metadata import version
from pathlib import Path, PurePosixPath
from typing import Any

from generator import cache
from generator.errors import SpecError, json_path
from generator.load import LoadedSpec
from generator.emit import module_name

HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
_PATH_VARIABLE = re.compile(r"{([^}]+)}")
_STATUS_RANGE = re.compile(r"[1-5]XX", re.IGNORECASE)
# Control characters (all but tab and newline: YAML turns line breaks into newlines, so the rest only
# arrive as escapes), lone surrogates, line and paragraph separators (line breaks to many tools but
# not to Python) and the bidirectional controls that make code read differently than it runs.
FORBIDDEN_CHARACTERS = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)

Place = tuple[object, ...]


def validate_spec(spec: LoadedSpec) -> None:
    refs: list[tuple[Place, str]] = []
    _scan(spec, spec.document, (), refs)
    _check_refs(spec, refs)
    # These name the exact place of faults that the validator reports against the whole document.
    try:
        _check_operation_ids(spec)
        _check_path_parameters(spec)
        _check_responses(spec)
    except (AttributeError, KeyError, TypeError):
        pass  # the document's shape is wrong: the validator below says where
    _validate_openapi(spec)


# The validator and the packages that decide its verdict: a new version of any is a new key.
_VALIDATOR_PACKAGES = (
    "openapi-spec-validator",
    "openapi-schema-validator",
    "jsonschema",
    "jsonschema-path",
)


_VALID = "valid\n"  # an entry says this whole, or it is not a verdict


def _validate_openapi(spec: LoadedSpec) -> None:
    """openapi-spec-validator's verdict on the document, remembered when it is "valid": the
    validator takes a third of a run, and its verdict depends on its version and the document
    only. The key holds the document's repr, which tells 200 from "200" where JSON would not."""
    entry = cache.folder("valid") / cache.key(
        *(f"{name} {version(name)}" for name in _VALIDATOR_PACKAGES), repr(spec.document)
    )
    if cache.read(entry) == _VALID:
        return
    from openapi_spec_validator import OpenAPIV30SpecValidator

    validator = OpenAPIV30SpecValidator(spec.document)
    _raise_first(spec, validator.schema_validator.iter_errors(spec.document))
    # Its checks of meaning assume the document has the schema's shape: they fail on others.
    _raise_first(spec, validator.root_validator(validator.schema_path))
    cache.write(entry, _VALID)


def _raise_first(spec: LoadedSpec, errors: Iterable[Any]) -> None:
    ordered = sorted(errors, key=lambda e: [str(p) for p in e.absolute_path])
    if ordered:
        first = ordered[0]
        raise SpecError(spec.path, json_path(list(first.absolute_path)), first.message)


def resolve(document: dict[str, Any], node: Any) -> Any:
    """Follow a local $ref (the only kind the specs use); anything else is returned as it is.

    validate_spec refuses reference cycles; the bound keeps an unvalidated document from looping.
    """
    seen: set[str] = set()
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if ref in seen:
            raise LookupError(f"$ref cycle through {ref!r}")
        seen.add(ref)
        node = _follow_pointer(document, ref)
    return node


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """(path, method, operation) in document order."""
    for path, item in (document.get("paths") or {}).items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def _pointer_tokens(ref: str) -> tuple[str, ...]:
    if not ref.startswith("#/"):
        raise LookupError(f"only references inside the document (#/...) are supported: {ref!r}")
    return tuple(token.replace("~1", "/").replace("~0", "~") for token in ref[2:].split("/"))


def _pointer(tokens: Place) -> str:
    return "#/" + "/".join(str(token).replace("~", "~0").replace("/", "~1") for token in tokens)


def _follow_pointer(document: dict[str, Any], ref: str) -> Any:
    node: Any = document
    for token in _pointer_tokens(ref):
        if not isinstance(node, dict) or token not in node:
            raise LookupError(f"unresolvable $ref {ref!r}")
        node = node[token]
    return node


def _scan(spec: LoadedSpec, node: Any, place: Place, refs: list[tuple[Place, str]]) -> None:
    """Check every key and string of the document, and collect its references with their places."""
    if isinstance(node, dict):
        for key, value in node.items():
            _check_text(spec, key, place + (key,))
            if key == "$ref" and isinstance(value, str):
                _check_text(spec, value, place + (key,))
                refs.append((place, value))
            else:
                _scan(spec, value, place + (key,), refs)
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _scan(spec, value, place + (index,), refs)
    else:
        _check_text(spec, node, place)


def _check_text(spec: LoadedSpec, text: object, place: Place) -> None:
    found = FORBIDDEN_CHARACTERS.search(text) if isinstance(text, str) else None
    if found:
        character = found.group()
        name = unicodedata.name(character, "a control character")
        raise SpecError(
            spec.path,
            json_path(place),
            f"character U+{ord(character):04X} ({name}) is not allowed in spec text",
        )


def _check_refs(spec: LoadedSpec, refs: list[tuple[Place, str]]) -> None:
    """Every reference resolves inside the document, and following references always ends."""
    targets: dict[Place, list[tuple[Place, str]]] = {}  # a target, and the references inside it
    for place, ref in refs:
        try:
            _follow_pointer(spec.document, ref)
            targets.setdefault(_pointer_tokens(ref), [])
        except LookupError as error:
            raise SpecError(spec.path, json_path(place + ("$ref",)), str(error)) from None
    for place, ref in refs:
        for length in range(len(place) + 1):
            if place[:length] in targets and not _is_model_use(place[:length], place, ref):
                targets[place[:length]].append((place, ref))
    _check_cycles(spec, targets)


def _is_model_use(container: Place, place: Place, ref: str) -> bool:
    """A reference from inside a schema to a named schema: the model's name, never followed into.

    So a model may hold itself (an error's `details` are errors). A reference that is the whole of
    its container is followed, and any cycle of those is refused.
    """
    target = _pointer_tokens(ref)
    named = len(target) == 3 and target[:2] == ("components", "schemas")
    return named and place != container


def _check_cycles(spec: LoadedSpec, targets: dict[Place, list[tuple[Place, str]]]) -> None:
    """A depth-first search over "target holds a reference to target"; a back edge is a cycle."""
    done: set[Place] = set()
    for start in targets:
        if start in done:
            continue
        # Each entry: a target, the reference that led to it, the references it holds still to see.
        trail: list[tuple[Place, str, Iterator[tuple[Place, str]]]] = [
            (start, "", iter(targets[start]))
        ]
        while trail:
            target, _, pending = trail[-1]
            place, ref = next(pending, ((), ""))
            if not ref:
                trail.pop()
                done.add(target)
                continue
            following = _pointer_tokens(ref)
            targets_on_trail = [entry[0] for entry in trail]
            if following in targets_on_trail:
                first = targets_on_trail.index(following)
                cycle = [_pointer(following), *(entry[1] for entry in trail[first + 1 :]), ref]
                raise SpecError(
                    spec.path, json_path(place + ("$ref",)), f"$ref cycle: {' → '.join(cycle)}"
                )
            if following not in done:
                trail.append((following, ref, iter(targets[following])))


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


def _check_responses(spec: LoadedSpec) -> None:
    """Each operation names its exact status codes, and at least one of them is a success."""
    for path, method, operation in operations(spec.document):
        place = ("paths", path, method, "responses")
        statuses = [str(status) for status in operation.get("responses", {})]
        for status in statuses:
            if _STATUS_RANGE.fullmatch(status):
                raise SpecError(
                    spec.path,
                    json_path(place + (status,)),
                    f"status ranges such as {status!r} are not supported: list each status code",
                )
        if not any(status.startswith("2") for status in statuses):
            raise SpecError(spec.path, json_path(place), "no success (2xx) response")
