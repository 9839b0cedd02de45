"""Part of normalizing: one worked example per operation, for the generated tests and docs.

Each example is a call with a value for every argument and what must go over the wire for it:
the exact path and query, body bytes and content type, plus a canned response and the result the
method must return for it. Everything is computed from the IR's schemas, independently of the
runtime that the tests exercise; values are data, written as Python by ``generator.emit``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import quote, urlencode

from generator import ir

TEST_HUB = "hub_1"
# A path value that only arrives intact when percent-encoded.
AWKWARD_TEXT = "a/b c?#%é"
MESSAGE = ir.MappingValue((("greeting", "hello"), ("to", ("ann", "bob"))))
READABLE_MESSAGE = ir.MappingValue((("text", "hello"),))
ERROR_CODE, ERROR_MESSAGE = "InvalidArgument", "the hub is invalid"


@dataclass(frozen=True)
class _Sample:
    value: ir.SampleValue  # as the test passes it
    wire: Any  # as JSON or the query carries it


def with_examples(
    operations: tuple[ir.Operation, ...],
    models: dict[str, ir.Model],
    error_model: str | None,
    api_version: str,
) -> tuple[ir.Operation, ...]:
    examples = _Examples(models, api_version, models.get(error_model or ""))
    return tuple(replace(op, example=examples.operation(op)) for op in operations)


class _Examples:
    def __init__(
        self, models: dict[str, ir.Model], api_version: str, error_model: ir.Model | None
    ) -> None:
        self.models = models
        self.api_version = api_version
        self.error_model = error_model

    def operation(self, op: ir.Operation) -> ir.Example:
        arguments: list[ir.Argument] = []
        path_values = {"hub": TEST_HUB}
        query: list[tuple[str, str]] = []
        if op.api_version:
            query.append(("api-version", self.api_version))
        if op.hub and op.hub.location == "query":
            query.append(("hub", TEST_HUB))
        for parameter in op.path_parameters:
            sample = self.parameter(parameter.schema, AWKWARD_TEXT)
            arguments.append(ir.Argument(None, sample.value))
            path_values[parameter.wire_name] = sample.wire
        body = self.body(op.body)
        if op.body is not None and body is not None:
            arguments.extend(_body_arguments(op.body, body))
        for parameter in op.query_parameters:
            sample = self.parameter(parameter.schema, "text")
            arguments.append(ir.Argument(parameter.python_name, sample.value))
            values = sample.wire if isinstance(sample.wire, list) else [sample.wire]
            query.extend((parameter.wire_name, value) for value in values)
        path = op.path
        for name, value in path_values.items():
            path = path.replace("{" + name + "}", quote(value, safe=""))
        target = f"{path}?{urlencode(query)}" if query else path
        error_response, expected_error = self.error()
        return ir.Example(
            arguments=tuple(arguments),
            target=target,
            content_type="application/json" if body else None,
            content=_json_bytes(body.wire) if body else None,
            error_response=error_response,
            expected_error=expected_error,
            contract_error_status=_documented_failure(op),
            usage=self.usage(op),
            **self.result(op, target),
        )

    # --- values ---------------------------------------------------------------------------

    def parameter(self, schema: ir.Schema, text: str) -> _Sample:
        if schema.type == "array" and schema.items is not None:
            first, second = self.scalar(schema.items, "first"), self.scalar(schema.items, "second")
            return _Sample((first.value, second.value), [first.wire, second.wire])
        return self.scalar(schema, text)

    def scalar(self, schema: ir.Schema, text: str) -> _Sample:
        """A value within the constraints, and its query text."""
        if schema.enum:
            value = schema.enum[0]
            return _Sample(value, str(value))
        if schema.type in ("integer", "number"):
            low = schema.minimum if schema.minimum is not None else 0
            high = schema.maximum if schema.maximum is not None else 5
            number = max(low, min(5, high))
            if schema.type == "integer":
                number = int(number)
            return _Sample(number, str(number))
        if schema.type == "boolean":
            return _Sample(True, "true")
        if schema.pattern is not None:
            text = "name_1"
        return _Sample(text, text)

    def value(self, schema: ir.Schema, depth: int) -> _Sample:
        """A value for a model or JSON schema: every field set, recursion cut after one level."""
        if schema.type == "model" and schema.model in self.models:
            return self.model(self.models[schema.model], depth)
        if schema.type == "array":
            item = self.value(schema.items or ir.Schema("any"), depth + 1)
            return _Sample((item.value,), [item.wire])
        if schema.type in ("string", "integer", "number", "boolean") or schema.enum:
            sample = self.scalar(schema, "text")
            return _Sample(sample.value, sample.value)
        return _Sample(ir.MappingValue((("key", "value"),)), {"key": "value"})

    def model(self, model: ir.Model, depth: int) -> _Sample:
        fields: list[tuple[str, ir.SampleValue]] = []
        wire: dict[str, Any] = {}
        for field in model.fields:
            if depth > 0 and not field.required and field.codec != "value":
                continue
            sample = self.value(field.schema, depth + 1)
            fields.append((field.python_name, sample.value))
            wire[field.wire_name] = sample.wire
        return _Sample(ir.ModelValue(model.name, tuple(fields)), wire)

    def body(self, body: ir.Body | None) -> _Sample | None:
        if body is None:
            return None
        if body.takes_content_type:
            return _Sample(MESSAGE, {"greeting": "hello", "to": ["ann", "bob"]})
        return self.value(body.schema, depth=0)

    # --- results ----------------------------------------------------------------------------

    def result(self, op: ir.Operation, target: str) -> dict[str, Any]:
        kind = op.result.kind
        status = int(next(r.status for r in op.responses if r.status.startswith("2")))
        outcome: dict[str, Any] = {
            "status": status,
            "response": None,
            "next_page": None,
            "last_page": None,
        }
        if kind in ("exists", "none"):
            return {**outcome, "expected": True if kind == "exists" else None}
        model = self.models[str(op.result.model)]
        item = self.model(model, 0)
        if op.paging is not None:
            paging = op.paging
            next_link = target + ("&" if "?" in target else "?") + "continuationToken=page2"
            return {
                **outcome,
                "response": _json_bytes(
                    {paging.items_key: [item.wire], paging.next_link_key: next_link}
                ),
                "expected": (item.value, item.value),
                "next_page": next_link,
                "last_page": _json_bytes({paging.items_key: [item.wire]}),
            }
        return {**outcome, "response": _json_bytes(item.wire), "expected": item.value}

    def error(self) -> tuple[bytes, ir.ModelValue | None]:
        """A 400 body with an error code, and the parsed error the client must expose.

        The body has the shape of the version's error model: the detail itself, or wrapped in the
        model's `error` field.
        """
        detail = {"code": ERROR_CODE, "message": ERROR_MESSAGE}
        model = self.error_model
        if model is None:
            return _json_bytes(detail), None
        wrapper = next((f for f in model.fields if f.wire_name == "error"), None)
        if wrapper is None or wrapper.model is None:
            return _json_bytes(detail), _error_detail(model.name)
        return (
            _json_bytes({"error": detail}),
            ir.ModelValue(model.name, ((wrapper.python_name, _error_detail(wrapper.model)),)),
        )

    # --- the reference docs' calls ------------------------------------------------------------

    def usage(self, op: ir.Operation) -> tuple[ir.Argument, ...]:
        """A short, readable call: required arguments and the body, valued after their names."""
        arguments = [
            ir.Argument(None, self.readable(p.schema, p.python_name))
            for p in op.parameters
            if p.required
        ]
        body = op.body
        if body and body.flattened:
            arguments += [
                ir.Argument(
                    None if f.required else f.python_name, self.readable(f.schema, f.python_name)
                )
                for f in body.flattened
            ]
        elif body and body.takes_content_type:
            arguments.append(ir.Argument(None, READABLE_MESSAGE))
        elif body:
            arguments.append(ir.Argument(None, self.readable(body.schema, body.python_name)))
        return tuple(arguments)

    def readable(self, schema: ir.Schema, name: str) -> ir.SampleValue:
        """A plausible value named after its argument: "user-1" for user_id, ["group-1"]."""
        if schema.type == "model" and schema.model in self.models:
            model = self.models[schema.model]
            return ir.ModelValue(
                model.name,
                tuple(
                    (f.python_name, self.readable(f.schema, f.python_name))
                    for f in model.required_fields
                ),
            )
        if schema.type == "array":
            return (self.readable(schema.items or ir.Schema("string"), name.removesuffix("s")),)
        if schema.enum:
            return schema.enum[0]
        if schema.type in ("integer", "number", "boolean"):
            return self.scalar(schema, "").value
        return name.strip("_").removesuffix("_id").replace("_", "-") + "-1"


def _body_arguments(body: ir.Body, sample: _Sample) -> list[ir.Argument]:
    """How the test passes the body: whole, or as one argument per field when flattened."""
    if not body.flattened or not isinstance(sample.value, ir.ModelValue):
        return [ir.Argument(None, sample.value)]
    values = dict(sample.value.fields)
    return [ir.Argument(None, values[f.python_name]) for f in body.required_fields] + [
        ir.Argument(f.python_name, values[f.python_name]) for f in body.optional_fields
    ]


def _error_detail(model: str) -> ir.ModelValue:
    return ir.ModelValue(model, (("code", ERROR_CODE), ("message", ERROR_MESSAGE)))


def _documented_failure(op: ir.Operation) -> int:
    """404 for existence checks, else the first documented error status (400 under `default`)."""
    if op.result.kind == "exists":
        return 404
    statuses = [r.status for r in op.responses if r.status[0] in "45"]
    return int(statuses[0]) if statuses else 400


def _json_bytes(value: Any) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
