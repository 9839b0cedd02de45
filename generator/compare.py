"""Compare one of our specs with a published description of the same API version, on the wire.

Both documents become a tree of facts: operations (method and path, path variables unnamed), their
parameters (location and wire name), request body content types and schemas, response codes,
response headers and body schemas. Client-side names (operationIds, `x-client-name`, model names,
descriptions) are not facts. Where the trees disagree, one Difference is reported at the highest
place: an operation missing on one side is one difference, not one per parameter.

A difference is deliberate when our spec marks it: `x-deviation: <reason>` on the node the
difference is at or on one that holds it (operation, parameter, request body, response, header,
schema or property), or, for a thing only the published description has, an entry
`"<place>": <reason>` in the document-level `x-deviations` mapping.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from generator.published import CONSTRAINTS
from generator.validate import HTTP_METHODS

DEVIATION = "x-deviation"
DEVIATIONS = "x-deviations"
Kind = Literal["only in ours", "only in published", "differs"]
_VARIABLE = re.compile(r"{[^}]+}")
_VARIABLE_NAME = re.compile(r"{([^}]+)}")
# Schema keywords that travel: what a value must be on the wire.
_SCHEMA_FACTS = (*CONSTRAINTS, "nullable")


@dataclass(frozen=True)
class Difference:
    place: str  # "POST /api/hubs/{}/:send › parameter query excluded › style"
    kind: Kind
    ours: str | None
    published: str | None
    deliberate: str | None  # the reason our spec gives, or None

    def line(self) -> str:
        if self.kind == "differs":
            text = f"{self.place}: ours {self.ours}, published {self.published}"
        elif self.kind == "only in ours":
            text = f"{self.place}: only in ours ({self.ours})"
        else:
            text = f"{self.place}: only in published ({self.published})"
        return f"{text} [deliberate: {self.deliberate}]" if self.deliberate else text


@dataclass
class _Node:
    """A fact (value) or a group of facts (children); `deviation` is our spec's reason, if any."""

    value: str | None = None
    children: dict[str, _Node] = field(default_factory=dict)
    deviation: str | None = None
    position: int | None = None  # of a path parameter's variable in the path

    def add(self, name: str, node: _Node) -> _Node:
        self.children[name] = node
        return node

    def summary(self) -> str:
        if self.value is not None:
            return self.value
        leaves = [f"{name} {node.value}" for name, node in self.children.items() if node.value]
        return ", ".join(leaves) if leaves else "present"


def compare_documents(ours: dict[str, Any], published: dict[str, Any]) -> list[Difference]:
    """Every wire-level difference, ours first where both have the place, in a stable order."""
    differences: list[Difference] = []
    reasons = {str(k): str(v) for k, v in (ours.get(DEVIATIONS) or {}).items()}
    mine, theirs = _facts(ours), _facts(published)
    _align_path_variables(mine, theirs)
    _diff(mine, theirs, [], None, reasons, differences)
    return differences


def _align_path_variables(ours: _Node, published: _Node) -> None:
    """Path variables are matched by place, not name: the published ones take our names."""
    for key, operation in published.children.items():
        mine = ours.children.get(key)
        if mine is None:
            continue
        names = {n.position: name for name, n in mine.children.items() if n.position is not None}
        renamed = {}
        for name, node in operation.children.items():
            renamed[names.get(node.position, name) if node.position is not None else name] = node
        operation.children = renamed


def undeliberate(differences: list[Difference]) -> list[Difference]:
    return [d for d in differences if d.deliberate is None]


def _diff(
    ours: _Node,
    published: _Node,
    place: list[str],
    reason: str | None,
    reasons: dict[str, str],
    found: list[Difference],
) -> None:
    reason = ours.deviation or reason
    if ours.value is not None or published.value is not None:
        if ours.value != published.value:
            found.append(
                Difference(_place(place), "differs", ours.summary(), published.summary(), reason)
            )
        return
    for name in sorted(set(ours.children) | set(published.children)):
        here = [*place, name]
        mine, theirs = ours.children.get(name), published.children.get(name)
        if mine is not None and theirs is not None:
            _diff(mine, theirs, here, reason, reasons, found)
        elif mine is not None:
            why = mine.deviation or reason
            found.append(Difference(_place(here), "only in ours", mine.summary(), None, why))
        elif theirs is not None:
            why = reasons.get(_place(here), reason)
            found.append(Difference(_place(here), "only in published", None, theirs.summary(), why))


def _place(parts: list[str]) -> str:
    return " › ".join(parts)


# --- the fact tree of one OpenAPI 3 document -------------------------------------------------


class _Reader:
    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document

    def resolve(self, node: Any) -> tuple[Any, str | None]:
        """A $ref followed to its target, and the deviation on the way (the target's wins)."""
        deviation = node.get(DEVIATION) if isinstance(node, dict) else None
        seen: set[str] = set()
        while isinstance(node, dict) and "$ref" in node:
            ref = str(node["$ref"])
            if ref in seen or not ref.startswith("#/"):
                break
            seen.add(ref)
            target: Any = self.document
            for token in ref[2:].split("/"):
                token = token.replace("~1", "/").replace("~0", "~")
                target = target.get(token) if isinstance(target, dict) else None
            node = target if target is not None else {}
            if isinstance(node, dict) and node.get(DEVIATION):
                deviation = node[DEVIATION]
        return node, (str(deviation) if deviation else None)

    def schema(self, raw: Any, visiting: frozenset[str] = frozenset()) -> _Node:
        ref = raw.get("$ref") if isinstance(raw, dict) else None
        if ref in visiting:
            return _Node(value="(the enclosing schema, recursively)")
        schema, deviation = self.resolve(raw)
        if not isinstance(schema, dict):
            return _Node(value="(not a schema)", deviation=deviation)
        inside = visiting | {ref} if ref else visiting
        node = _Node(deviation=deviation)
        kind = schema.get("type") or ("object" if "properties" in schema else "any")
        node.add("type", _Node(value=str(kind)))
        for keyword in _SCHEMA_FACTS:
            if keyword in schema:
                node.add(keyword, _Node(value=_show(schema[keyword])))
        if "items" in schema:
            node.add("items", self.schema(schema["items"], inside))
        required = set(schema.get("required") or [])
        for name, prop in (schema.get("properties") or {}).items():
            child = node.add(f"property {name}", self.schema(prop, inside))
            child.add("required", _Node(value=_show(name in required)))
        extra = schema.get("additionalProperties")
        if isinstance(extra, dict):
            node.add("additionalProperties", self.schema(extra, inside))
        for combinator in ("allOf", "oneOf", "anyOf"):
            for index, part in enumerate(schema.get(combinator) or []):
                node.add(f"{combinator}[{index}]", self.schema(part, inside))
        return node

    def parameter(self, raw: Any) -> tuple[str, _Node]:
        parameter, deviation = self.resolve(raw)
        node = _Node(deviation=deviation)
        node.add("required", _Node(value=_show(bool(parameter.get("required", False)))))
        schema = self.schema(parameter.get("schema", {}))
        node.children.update(schema.children)
        node.deviation = node.deviation or schema.deviation
        if (parameter.get("schema") or {}).get("type") == "array" or "items" in schema.children:
            style = parameter.get("style", "form" if parameter.get("in") == "query" else "simple")
            explode = parameter.get("explode", style == "form")
            node.add("array style", _Node(value=f"{style}, {'exploded' if explode else 'joined'}"))
        return f"parameter {parameter.get('in')} {parameter.get('name')}", node

    def body(self, raw: Any) -> _Node:
        body, deviation = self.resolve(raw)
        node = _Node(deviation=deviation)
        node.add("required", _Node(value=_show(bool(body.get("required", False)))))
        for kind, media in (body.get("content") or {}).items():
            media, media_deviation = self.resolve(media)
            content = node.add(f"content {kind}", self.schema(media.get("schema", {})))
            content.deviation = media_deviation or content.deviation
        return node

    def response(self, raw: Any) -> _Node:
        response, deviation = self.resolve(raw)
        node = _Node(deviation=deviation)
        for name, header in (response.get("headers") or {}).items():
            header, header_deviation = self.resolve(header)
            child = node.add(f"header {name.lower()}", self.schema(header.get("schema", {})))
            child.deviation = header_deviation or child.deviation
        for kind, media in (response.get("content") or {}).items():
            media, media_deviation = self.resolve(media)
            content = node.add(f"content {kind}", self.schema(media.get("schema", {})))
            content.deviation = media_deviation or content.deviation
        return node

    def operation(self, path: str, item: dict[str, Any], operation: dict[str, Any]) -> _Node:
        node = _Node(deviation=_reason(operation))
        variables = _VARIABLE_NAME.findall(path)
        for raw in [*item.get("parameters", []), *operation.get("parameters", [])]:
            name, parameter = self.parameter(raw)
            wire_name = name.removeprefix("parameter path ")
            if name.startswith("parameter path ") and wire_name in variables:
                parameter.position = variables.index(wire_name)
            node.add(name, parameter)
        if "requestBody" in operation:
            node.add("request body", self.body(operation["requestBody"]))
        for status, raw in (operation.get("responses") or {}).items():
            node.add(f"response {status}", self.response(raw))
        return node


def _facts(document: dict[str, Any]) -> _Node:
    reader = _Reader(document)
    root = _Node()
    for path, item in (document.get("paths") or {}).items():
        item, _ = reader.resolve(item)
        for method, operation in item.items():
            if method in HTTP_METHODS:
                key = f"{method.upper()} {_VARIABLE.sub('{}', path)}"
                root.add(key, reader.operation(path, item, operation))
    return root


def _reason(node: Any) -> str | None:
    value = node.get(DEVIATION) if isinstance(node, dict) else None
    return str(value) if value else None


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_show(v) for v in value) + "]"
    if isinstance(value, str):
        return value
    return repr(value)
