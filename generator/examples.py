"""Part of normalizing: one worked example per operation, for the generated tests.

Each example is a call with a value for every argument and what must go over the wire for it:
the exact path and query, body bytes and content type, plus a canned response and the result the
method must return for it. Expected values are computed here from the spec, independently of the
runtime that the tests exercise.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlencode

from generator import ir
from generator.validate import resolve

TEST_HUB = "hub_1"
# A path value that only arrives intact when percent-encoded.
AWKWARD_TEXT = "a/b c?#%é"
READABLE_MESSAGE = '{"text": "hello"}'


@dataclass(frozen=True)
class Sample:
    source: str  # Python source that builds the value in a test
    wire: Any  # the value as JSON or query text carries it
    fields: tuple[tuple[str, str], ...] = ()  # a model's (field name, source) pairs


class Examples:
    def __init__(self, document: dict[str, Any], models: dict[str, ir.Model]) -> None:
        self.document = document
        self.schemas: dict[str, Any] = document.get("components", {}).get("schemas", {})
        self.models = models

    def operation(
        self,
        operation: ir.Operation,
        raw_parameters: dict[str, dict[str, Any]],
        body_schema: Any,
        result_schema: Any,
        api_version: str | None,
        error_model: str | None,
    ) -> ir.Example:
        arguments: list[str] = []
        path_values = {"hub": TEST_HUB}
        query: list[tuple[str, str]] = []
        if operation.api_version:
            query.append(("api-version", str(api_version)))
        if operation.hub and operation.hub.location == "query":
            query.append(("hub", TEST_HUB))
        for parameter in operation.path_parameters:
            sample = self.parameter(raw_parameters[parameter.wire_name], path=True)
            arguments.append(sample.source)
            path_values[parameter.wire_name] = sample.wire
        body_sample = self.body(operation.body, body_schema)
        if body_sample is not None:
            arguments.extend(self.body_arguments(operation.body, body_sample))
        for parameter in operation.query_parameters:
            sample = self.parameter(raw_parameters[parameter.wire_name], path=False)
            arguments.append(f"{parameter.python_name}={sample.source}")
            values = sample.wire if isinstance(sample.wire, list) else [sample.wire]
            query.extend((parameter.wire_name, value) for value in values)
        path = operation.path
        for name, value in path_values.items():
            path = path.replace("{" + name + "}", quote(value, safe=""))
        target = f"{path}?{urlencode(query)}" if query else path
        error_response, expected_error = _error(self.models.get(error_model or ""))
        return ir.Example(
            arguments=tuple(arguments),
            target=target,
            content_type="application/json" if body_sample else None,
            content=_json_bytes(body_sample.wire) if body_sample else None,
            error_response=error_response,
            expected_error=expected_error,
            contract_error_status=_documented_failure(operation),
            **self.result(operation, result_schema, target),
        )

    def usage(
        self, operation: ir.Operation, raw_parameters: dict[str, dict[str, Any]], body_schema: Any
    ) -> str:
        """A short, readable call for the reference docs: required arguments and the body."""
        arguments = [
            self.readable(raw_parameters[p.wire_name]["schema"], p.python_name)
            for p in operation.parameters
            if p.required
        ]
        body = operation.body
        if body and body.flattened:
            schema = resolve(self.document, body_schema)["properties"]
            arguments += [
                self.readable(schema[f.wire_name], f.python_name, keyword=not f.required)
                for f in body.flattened
            ]
        elif body:
            arguments.append(READABLE_MESSAGE if body.takes_content_type else body.python_name)
        call = f"client.{operation.method_name}({', '.join(arguments)})"
        kind = operation.result.kind
        if kind == "paged":
            return f"for item in {call}:\n    print(item)"
        if kind == "exists":
            return f"exists = {call}"
        if kind in ("model", "optional_model"):
            return f"result = {call}"
        return call

    def readable(self, schema: Any, name: str, *, keyword: bool = False) -> str:
        """A plausible value named after its argument: "user-1" for user_id, ["group-1"]."""
        schema = resolve(self.document, schema)
        if schema.get("type") == "array":
            value = f"[{self.readable(schema.get('items', {}), name.removesuffix('s'))}]"
        elif "enum" in schema:
            value = _readable(schema["enum"][0])
        elif schema.get("type") in ("integer", "number", "boolean"):
            value = self.scalar(schema, "").source
        else:
            value = _readable(name.strip("_").removesuffix("_id").replace("_", "-") + "-1")
        return f"{name}={value}" if keyword else value

    def parameter(self, parameter: dict[str, Any], *, path: bool) -> Sample:
        schema = resolve(self.document, parameter["schema"])
        if schema.get("type") == "array":
            item = resolve(self.document, schema.get("items", {}))
            first, second = self.scalar(item, "first"), self.scalar(item, "second")
            return Sample(f"[{first.source}, {second.source}]", [first.wire, second.wire])
        return self.scalar(schema, AWKWARD_TEXT if path else "text")

    def scalar(self, schema: dict[str, Any], text: str) -> Sample:
        if "enum" in schema:
            value = schema["enum"][0]
            return Sample(repr(value), str(value))
        kind = schema.get("type")
        if kind == "integer" or kind == "number":
            value = max(schema.get("minimum", 0), min(5, schema.get("maximum", 5)))
            return Sample(repr(value), str(value))
        if kind == "boolean":
            return Sample("True", "true")
        if "pattern" in schema:
            text = "name_1"
        return Sample(repr(text), text)

    def body(self, body: ir.Body | None, schema: Any) -> Sample | None:
        if body is None:
            return None
        if body.takes_content_type:
            message = {"greeting": "hello", "to": ["ann", "bob"]}
            return Sample(repr(message), message)
        return self.value(schema or {}, depth=0)

    def body_arguments(self, body: ir.Body | None, sample: Sample) -> list[str]:
        """How the test passes the body: whole, or as one argument per field when flattened."""
        if body is None or not body.flattened:
            return [sample.source]
        sources = dict(sample.fields)
        return [sources[f.python_name] for f in body.required_fields] + [
            f"{f.python_name}={sources[f.python_name]}" for f in body.optional_fields
        ]

    def value(self, schema: Any, depth: int) -> Sample:
        """A value for a model or JSON schema: every field set, recursion cut after one level."""
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        name = ref.rsplit("/", 1)[-1] if ref else None
        schema = resolve(self.document, schema)
        if name in self.models:
            return self.model(self.models[name], schema, depth)
        if schema.get("type") == "array":
            item = self.value(schema.get("items", {}), depth + 1)
            return Sample(f"[{item.source}]", [item.wire])
        if schema.get("type") in ("string", "integer", "number", "boolean") or "enum" in schema:
            sample = self.scalar(schema, "text")
            wire = (
                json.loads(sample.wire)
                if schema.get("type") in ("integer", "number", "boolean")
                else sample.wire
            )
            return Sample(sample.source, wire)
        return Sample(repr({"key": "value"}), {"key": "value"})

    def model(self, model: ir.Model, schema: dict[str, Any], depth: int) -> Sample:
        fields, wire = [], {}
        for field in model.fields:
            field_schema = schema["properties"][field.wire_name]
            if depth > 0 and not field.required and _refers_to_model(field_schema):
                continue
            sample = self.value(field_schema, depth + 1)
            fields.append((field.python_name, sample.source))
            wire[field.wire_name] = sample.wire
        arguments = ", ".join(f"{name}={source}" for name, source in fields)
        return Sample(f"models.{model.name}({arguments})", wire, tuple(fields))

    def result(self, operation: ir.Operation, schema: Any, target: str) -> dict[str, Any]:
        kind = operation.result.kind
        status = int(next(r.status for r in operation.responses if r.status.startswith("2")))
        outcome: dict[str, Any] = {
            "status": status,
            "response": None,
            "next_page": None,
            "last_page": None,
        }
        if kind in ("exists", "none"):
            return {**outcome, "result_check": "is True" if kind == "exists" else "is None"}
        if kind == "paged":
            assert operation.paging is not None
            paging = operation.paging
            item = self.value({"$ref": f"#/components/schemas/{paging.item_model}"}, 0)
            next_link = target + ("&" if "?" in target else "?") + "continuationToken=page2"
            return {
                **outcome,
                "response": _json_bytes(
                    {paging.items_key: [item.wire], paging.next_link_key: next_link}
                ),
                "result_check": f"== [{item.source}, {item.source}]",
                "next_page": next_link,
                "last_page": _json_bytes({paging.items_key: [item.wire]}),
            }
        sample = self.value(schema, 0)
        return {
            **outcome,
            "response": _json_bytes(sample.wire),
            "result_check": f"== {sample.source}",
        }


def _documented_failure(operation: ir.Operation) -> int:
    """404 for existence checks, else the first documented error status (400 under `default`)."""
    if operation.result.kind == "exists":
        return 404
    statuses = [r.status for r in operation.responses if r.status[0] in "45"]
    return int(statuses[0]) if statuses else 400


def _error(error_model: ir.Model | None) -> tuple[bytes, str]:
    """A 400 body with an error code, and the parsed error the client must expose.

    The body has the shape of the version's error model: the detail itself, or wrapped in the
    model's `error` field.
    """
    detail = {"code": "InvalidArgument", "message": "the hub is invalid"}
    if error_model is None:
        return _json_bytes(detail), "None"
    parsed = 'code="InvalidArgument", message="the hub is invalid"'
    wrapper = next((f for f in error_model.fields if f.wire_name == "error"), None)
    if wrapper is None:
        return _json_bytes(detail), f"models.{error_model.name}({parsed})"
    return (
        _json_bytes({"error": detail}),
        f"models.{error_model.name}({wrapper.python_name}=models.{wrapper.annotation.split(' ')[0]}({parsed}))",
    )


def _readable(value: Any) -> str:
    """Python source for a value, strings double-quoted as black writes them."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)


def _refers_to_model(schema: dict[str, Any]) -> bool:
    return "$ref" in schema or "$ref" in schema.get("items", {})


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
