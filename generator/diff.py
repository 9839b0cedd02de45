"""Version intelligence: what changed between two versions of an API, and what it breaks.

Built from the IR alone. Changes are classified as the established OpenAPI diff tools classify
them: narrowing what a request may carry, or widening what a response may return, breaks existing
callers; the opposite is compatible. "warning" marks changes that break only some callers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import TypeVar

from generator import ir
from generator.emit import result_annotation

BREAKING: ir.Severity = "breaking"
WARNING: ir.Severity = "warning"
COMPATIBLE: ir.Severity = "compatible"
SEVERITIES: tuple[ir.Severity, ...] = (BREAKING, WARNING, COMPATIBLE)
# (what changed, how severe, why), and the same with where it changed first.
Finding = tuple[str, ir.Severity, str]
PlacedFinding = tuple[str, str, ir.Severity, str]
REQUEST, RESPONSE = "request", "response"
T = TypeVar("T")

# Format changes that only widen the values an integer or number may take.
_WIDER_FORMATS = {("int32", "int64"), ("float", "double")}
_LOWER_BOUNDS = (
    ("min_length", "minimum length"),
    ("minimum", "minimum"),
    ("min_items", "minimum items"),
)
_UPPER_BOUNDS = (
    ("max_length", "maximum length"),
    ("maximum", "maximum"),
    ("max_items", "maximum items"),
)


def compare(old: ir.Version, new: ir.Version) -> ir.Comparison:
    changes = [
        *_auth(old, new),
        *_api_version(old, new),
        *_operations(old, new),
        *_models(old, new),
    ]
    return ir.Comparison(new.service, old.version, new.version, tuple(changes))


def worst(comparison: ir.Comparison) -> str | None:
    """The most severe kind of change in a comparison, or None when nothing changed."""
    present = {change.severity for change in comparison.changes}
    return next((severity for severity in SEVERITIES if severity in present), None)


# --- narrowing and widening ------------------------------------------------------------------


def _severity(directions: frozenset[str], narrows: bool) -> tuple[ir.Severity, str]:
    """Whether narrowing (or widening) a value breaks callers, given which way the value flows."""
    if REQUEST in directions and narrows:
        return BREAKING, "requests that were valid before are refused"
    if RESPONSE in directions and not narrows:
        return BREAKING, "callers may receive values they do not expect"
    if narrows:
        return COMPATIBLE, "every value the service returns was valid before"
    return COMPATIBLE, "every request that was valid before still is"


def _schema(old: ir.Schema, new: ir.Schema, directions: frozenset[str]) -> Iterator[Finding]:
    """(what, severity, why) for each difference between two schemas of one value."""
    if old.type_text != new.type_text:
        yield _type_change(old, new, directions)
        return
    yield from _enum(old, new, directions)
    yield from _pattern(old, new, directions)
    yield from _bounds(old, new, directions)
    if old.default != new.default and REQUEST in directions:
        yield (
            f"default {_bound(old.default)} → {_bound(new.default)}",
            WARNING,
            "callers that leave it out get another value",
        )
    if old.items and new.items:
        for what, severity, why in _schema(old.items, new.items, directions):
            yield f"items: {what}", severity, why


def _pattern(old: ir.Schema, new: ir.Schema, directions: frozenset[str]) -> Iterator[Finding]:
    if old.pattern == new.pattern:
        return
    if new.pattern is None:
        yield (f"pattern `{old.pattern}` removed", *_severity(directions, narrows=False))
    elif old.pattern is None:
        yield (f"pattern `{new.pattern}` added", *_severity(directions, narrows=True))
    else:
        what = f"pattern changed from `{old.pattern}` to `{new.pattern}`"
        yield what, BREAKING, "values valid under one pattern may be invalid under the other"


def _bounds(old: ir.Schema, new: ir.Schema, directions: frozenset[str]) -> Iterator[Finding]:
    for key, label in _LOWER_BOUNDS + _UPPER_BOUNDS:
        before, after = getattr(old, key), getattr(new, key)
        if before == after:
            continue
        if after is None or before is None:
            narrows = before is None  # a bound added narrows; a bound removed widens
        elif (key, label) in _LOWER_BOUNDS:
            narrows = after > before
        else:
            narrows = after < before
        what = f"{label} {'removed' if after is None else f'{_bound(before)} → {after}'}"
        yield (what, *_severity(directions, narrows))


def _type_change(old: ir.Schema, new: ir.Schema, directions: frozenset[str]) -> Finding:
    what = f"type {old.type_text} → {new.type_text}"
    if old.type == new.type and (old.format, new.format) in _WIDER_FORMATS:
        return (what, *_severity(directions, narrows=False))
    if old.type == new.type and (new.format, old.format) in _WIDER_FORMATS:
        return (what, *_severity(directions, narrows=True))
    return what, BREAKING, "values of the old type are not values of the new one"


def _enum(old: ir.Schema, new: ir.Schema, directions: frozenset[str]) -> Iterator[Finding]:
    if old.enum == new.enum:
        return
    if not new.enum:
        yield ("no longer limited to its enum", *_severity(directions, narrows=False))
    elif not old.enum:
        yield (f"now limited to {_values(new.enum)}", *_severity(directions, narrows=True))
    else:
        removed = [value for value in old.enum if value not in new.enum]
        added = [value for value in new.enum if value not in old.enum]
        if removed:
            yield (f"enum values removed: {_values(removed)}", *_severity(directions, narrows=True))
        if added:
            yield (f"enum values added: {_values(added)}", *_severity(directions, narrows=False))


def _values(values: Iterable[object]) -> str:
    return ", ".join(f"`{value}`" for value in values)


def _bound(value: object) -> str:
    return "none" if value is None else f"`{value}`" if isinstance(value, str) else str(value)


def _required(old: bool, new: bool, directions: frozenset[str]) -> Finding:
    """A value that became required narrows a request and widens nothing; optional, the reverse."""
    if new:
        return ("became required", *_severity(directions, narrows=True))
    severity, why = _severity(directions, narrows=False)
    if RESPONSE in directions:
        severity, why = BREAKING, "callers may find it missing"
    return "became optional", severity, why


# --- security and api-version ----------------------------------------------------------------


def _matched(before: dict[str, T], after: dict[str, T]) -> Iterator[tuple[str, T | None, T | None]]:
    """(key, old, new) for every key of either side, in key order; None where a side lacks it."""
    for key in sorted(before.keys() | after.keys()):
        yield key, before.get(key), after.get(key)


def _auth(old: ir.Version, new: ir.Version) -> Iterator[ir.Change]:
    before = {scheme.name: scheme.kind for scheme in old.auth}
    after = {scheme.name: scheme.kind for scheme in new.auth}
    for name, a, b in _matched(before, after):
        place = f"authentication {name}"
        if b is None:
            why = "servers that authenticate this way are refused"
            yield ir.Change(None, place, "removed", BREAKING, why)
        elif a is None:
            yield ir.Change(None, place, f"added: {b}", COMPATIBLE, "one more way to authenticate")
        elif a != b:
            why = "tokens obtained the old way are refused"
            yield ir.Change(None, place, f"{a} → {b}", BREAKING, why)


def _api_version_handling(version: ir.Version) -> str:
    parameter = next((op.api_version for op in version.operations if op.api_version), None)
    if parameter is None:
        return "absent"
    return f"{'required' if parameter.required else 'optional'} {parameter.location} parameter"


def _api_version(old: ir.Version, new: ir.Version) -> Iterator[ir.Change]:
    before, after = _api_version_handling(old), _api_version_handling(new)
    if before == after:
        return
    if after == "absent":
        severity, why = (
            WARNING,
            "the service no longer reads it; callers that send it rely on nothing",
        )
    elif after.startswith("required"):
        severity, why = BREAKING, "requests without it are refused (the generated clients send it)"
    else:
        severity, why = COMPATIBLE, "requests without it are still served"
    yield ir.Change(None, "api-version", f"{before} → {after}", severity, why)


# --- operations ------------------------------------------------------------------------------


def _operations(old: ir.Version, new: ir.Version) -> Iterator[ir.Change]:
    before = {op.operation_id: op for op in old.operations}
    after = {op.operation_id: op for op in new.operations}
    for operation_id, a, b in _matched(before, after):
        if b is None:
            assert a is not None
            what, why = f"removed: `{a.route}`", "callers of it are not served"
            yield ir.Change(operation_id, "operation", what, BREAKING, why)
        elif a is None:
            what, why = f"added: `{b.route}`", "no existing caller uses it"
            yield ir.Change(operation_id, "operation", what, COMPATIBLE, why)
        else:
            yield from _operation(a, b, old, new)


def _operation(
    a: ir.Operation, b: ir.Operation, old: ir.Version, new: ir.Version
) -> Iterator[ir.Change]:
    def change(place: str, what: str, severity: ir.Severity, why: str) -> ir.Change:
        return ir.Change(a.operation_id, place, what, severity, why)

    if (a.http_method, _shape(a.path)) != (b.http_method, _shape(b.path)):
        yield change(
            "operation",
            f"moved from `{a.route}` to `{b.route}`",
            BREAKING,
            "requests to the old method and path are not served"
            " (the generated method keeps its name)",
        )
    positional = [p.python_name for p in a.path_parameters], [
        p.python_name for p in b.path_parameters
    ]
    if positional[0] != positional[1] and sorted(positional[0]) == sorted(positional[1]):
        yield change(
            "arguments",
            "positional arguments reordered: "
            f"({', '.join(positional[0])}) → ({', '.join(positional[1])})",
            BREAKING,
            "calls passing them by position send each value as another one",
        )
    for place, what, severity, why in _inputs(_inputs_of(a, old), _inputs_of(b, new)):
        yield change(place, what, severity, why)
    for what, severity, why in _body(a.body, b.body):
        yield change("body", what, severity, why)
    for place, what, severity, why in _responses(a.responses, b.responses):
        yield change(place, what, severity, why)
    before, after = (result_annotation(op.result, is_async=False) for op in (a, b))
    if before != after:
        yield change(
            "result",
            f"the generated method returns {after} instead of {before}",
            BREAKING,
            "code written for the old result breaks",
        )


def _shape(path: str) -> str:
    """A path with its variables unnamed: the names of path variables never reach the wire."""
    return re.sub(r"{[^}]+}", "{}", path)


@dataclass(frozen=True)
class _Input:
    """A value a caller sends or reads: a parameter, or a property of a model (location "body")."""

    wire_name: str
    client_name: str  # the generated code's name, kept when only the wire name changes
    location: str
    required: bool
    schema: ir.Schema
    position: int | None = None  # of a path parameter among the method's positional arguments

    def same_value_as(self, other: _Input) -> bool:
        """Whether two values of different wire names are one value renamed: a path parameter in
        the same position, or anything with the same client name in the same place."""
        if self.location != other.location:
            return False
        if self.location == "path":
            return self.position == other.position
        return self.client_name == other.client_name


def _field_inputs(fields: tuple[ir.Field, ...]) -> dict[str, _Input]:
    return {
        f.wire_name: _Input(f.wire_name, f.python_name, "body", f.required, f.schema)
        for f in fields
    }


def _inputs_of(operation: ir.Operation, version: ir.Version) -> dict[str, _Input]:
    positions = {p.wire_name: index for index, p in enumerate(operation.path_parameters)}
    parameters = [p for p in (operation.hub, *operation.parameters) if p is not None]
    inputs = {
        p.wire_name: _Input(
            p.wire_name, p.python_name, p.location, p.required, p.schema, positions.get(p.wire_name)
        )
        for p in parameters
    }
    body_model = operation.body.schema.model if operation.body else None
    fields = next((model.fields for model in version.models if model.name == body_model), ())
    return {**_field_inputs(fields), **inputs}


def _pairs(
    before: dict[str, _Input], after: dict[str, _Input]
) -> Iterator[tuple[str, _Input | None, _Input | None]]:
    """(name, old, new) by wire name, pairing values renamed on the wire."""
    gone = [a for name, a in before.items() if name not in after]
    new = [b for name, b in after.items() if name not in before]
    renamed = {a.wire_name: b for a in gone for b in new if a.same_value_as(b)}
    paired = {b.wire_name for b in renamed.values()}
    for name, a, b in _matched(before, after):
        if name not in paired:
            yield name, a, renamed.get(name, b)


def _compared(a: _Input, b: _Input, directions: frozenset[str]) -> Iterator[Finding]:
    """What changed in a value present in both versions."""
    if a.wire_name != b.wire_name and a.location == "path":
        # A path variable's name never reaches the wire; only the generated argument's may change.
        what = f"path variable renamed to `{b.wire_name}`"
        if a.client_name == b.client_name:
            yield what, COMPATIBLE, "the URL and the generated argument are unchanged"
        else:
            why = "calls passing it by keyword use the new name"
            yield f"{what} (argument `{b.client_name}`)", WARNING, why
    elif a.wire_name != b.wire_name:
        why = "the old name is no longer read or written"
        yield f"renamed on the wire to `{b.wire_name}`", BREAKING, why
    if a.required != b.required:
        yield _required(a.required, b.required, directions)
    yield from _schema(a.schema, b.schema, directions)


def _inputs(before: dict[str, _Input], after: dict[str, _Input]) -> Iterator[PlacedFinding]:
    """Parameters added, removed, renamed on the wire, moved, or changed. Body fields are compared
    once, with their model; here they only show where a parameter moved into or out of the body."""
    request = frozenset({REQUEST})
    for name, a, b in _pairs(before, after):
        place = f"parameter {name}"
        if a is None:
            assert b is not None
            if b.location == "body":
                continue
            if b.required:
                yield place, f"added, required ({b.location})", BREAKING, "existing calls lack it"
            else:
                why = "existing calls may leave it out"
                yield place, f"added, optional ({b.location})", COMPATIBLE, why
        elif b is None:
            if a.location != "body":
                why = "the generated method no longer takes it; the service ignores or refuses it"
                yield place, f"removed ({a.location})", BREAKING, why
        elif a.location != "body" or b.location != "body":
            if a.location != b.location:
                what = f"moved from {a.location} to {b.location}"
                yield place, what, BREAKING, "the service reads it elsewhere now"
            for what, severity, why in _compared(a, b, request):
                yield place, what, severity, why


def _body(a: ir.Body | None, b: ir.Body | None) -> Iterator[Finding]:
    request = frozenset({REQUEST})
    if a is None and b is None:
        return
    if a is None:
        assert b is not None
        if b.required:
            yield "added, required", BREAKING, "existing calls send no body"
        else:
            yield "added, optional", COMPATIBLE, "existing calls may send none"
        return
    if b is None:
        yield "removed", BREAKING, "the generated method no longer takes it; the service ignores it"
        return
    for content_type in a.content_types:
        if content_type not in b.content_types:
            yield f"content type {content_type} removed", BREAKING, "requests with it are refused"
    for content_type in b.content_types:
        if content_type not in a.content_types:
            yield f"content type {content_type} added", COMPATIBLE, "existing requests still work"
    if a.required != b.required:
        yield _required(a.required, b.required, request)
    # A model body's fields are compared with the model; here only which model it is.
    yield from _schema(a.schema, b.schema, request)


def _responses(a: tuple[ir.Response, ...], b: tuple[ir.Response, ...]) -> Iterator[PlacedFinding]:
    for status, old, new in _matched({r.status: r for r in a}, {r.status: r for r in b}):
        place = f"response {status}"
        success = status.startswith("2")
        if new is None and success:
            yield place, "removed", BREAKING, "callers that wait for this status never see it"
        elif new is None:
            yield place, "removed", COMPATIBLE, "one error fewer to expect"
        elif old is None and success:
            yield place, "added", WARNING, "callers that check for the old status see another one"
        elif old is None:
            yield place, "added", COMPATIBLE, "error statuses already raise ApiError subclasses"
        elif success and old.model != new.model:
            yield (place, *_result_model(old.model, new.model))


def _result_model(old: str | None, new: str | None) -> Finding:
    if new is None:
        return f"no longer returns {old}", BREAKING, "callers that read the body get nothing"
    if old is None:
        return f"now returns {new}", WARNING, "callers that expect no body receive one"
    return f"returns {new} instead of {old}", BREAKING, "the result is another class"


# --- models ----------------------------------------------------------------------------------


def _directions(version: ir.Version) -> dict[str, frozenset[str]]:
    """Which way each model flows: in requests, in responses, or both (through nesting too)."""
    fields = {model.name: model.fields for model in version.models}
    roots: dict[str, set[str]] = {REQUEST: set(), RESPONSE: set()}
    for op in version.operations:
        if op.body and op.body.schema.model:
            roots[REQUEST].add(op.body.schema.model)
        roots[RESPONSE].update(r.model for r in op.responses if r.model)
    flows: dict[str, set[str]] = {}
    for direction, names in roots.items():
        pending = sorted(names)
        while pending:
            name = pending.pop()
            if direction in flows.setdefault(name, set()):
                continue
            flows[name].add(direction)
            pending.extend(_nested_models(fields.get(name, ())))
    return {name: frozenset(found) for name, found in flows.items()}


def _nested_models(fields: tuple[ir.Field, ...]) -> list[str]:
    schemas = [f.schema.items if f.schema.type == "array" else f.schema for f in fields]
    return [s.model for s in schemas if s is not None and s.model]


def _models(old: ir.Version, new: ir.Version) -> Iterator[ir.Change]:
    before = {model.name: model for model in old.models}
    after = {model.name: model for model in new.models}
    old_flows, new_flows = _directions(old), _directions(new)
    for name, a, b in _matched(before, after):
        place = f"model {name}"
        if b is None:
            why = "code that uses the generated class breaks"
            yield ir.Change(None, place, "removed", BREAKING, why)
        elif a is None:
            yield ir.Change(None, place, "added", COMPATIBLE, "no existing code uses it")
        else:
            directions = old_flows.get(name, frozenset()) | new_flows.get(name, frozenset())
            for field, what, severity, why in _fields(a, b, directions):
                yield ir.Change(None, f"{place}: property {field}", what, severity, why)


def _fields(old: ir.Model, new: ir.Model, directions: frozenset[str]) -> Iterator[PlacedFinding]:
    for name, a, b in _pairs(_field_inputs(old.fields), _field_inputs(new.fields)):
        if a is None:
            assert b is not None
            if b.required and REQUEST in directions:
                yield name, "added, required", BREAKING, "requests built without it are refused"
            else:
                optional = "required" if b.required else "optional"
                yield name, f"added, {optional}", COMPATIBLE, "existing code does not need it"
        elif b is None:
            yield name, "removed", BREAKING, "code that reads or sets it breaks"
        else:
            for what, severity, why in _compared(a, b, directions):
                yield name, what, severity, why
