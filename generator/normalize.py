"""Stage 3: a validated OpenAPI document → one ir.Version, with every decision made here.

This module reads the document: models, parameters, bodies and responses. What the services
mean by them is decided in ``semantics``, Python types in ``pytypes``, names in ``emit``, and the
generated tests' worked examples in ``examples``. Anything the generator cannot express
faithfully is refused with a SpecError rather than generated approximately.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from generator import ir, semantics
from generator.document import Document, Place, is_model, one_line, text
from generator.emit import module_name, python_name
from generator.examples import with_examples
from generator.imports import version_imports
from generator.load import LoadedSpec
from generator.names import refuse_collisions
from generator.pytypes import python_type, refuse_unsupported, wire_kind

CONTENT_TYPE_ARGUMENT = "content_type"
RAW_CONTENT_TYPES = {"application/json", "text/plain", "application/octet-stream"}


def normalize(spec: LoadedSpec) -> ir.Version:
    document = Document(spec)
    info = document.raw["info"]
    models = tuple(
        sorted(
            (
                _model(document, name, schema)
                for name, schema in document.schemas.items()
                if is_model(schema)
            ),
            key=lambda model: model.name,
        )
    )
    by_name = {model.name: model for model in models}
    ops = tuple(
        _operation(document, path, method, operation, by_name)
        for path, method, operation in document.operations()
    )
    refuse_collisions(document, ops, models)
    error_model = semantics.error_model(document, ops)
    version = str(info["version"])
    ops = with_examples(ops, by_name, error_model, version)
    return ir.Version(
        service=spec.service,
        version=version,
        module=module_name(version),
        spec_path=spec.path,
        title=text(info.get("title", "")),
        description=text(info.get("description", "")),
        default_endpoint=_default_endpoint(document),
        entra_scope=_entra_scope(document),
        hub_pattern=next((op.hub.schema.pattern for op in ops if op.hub), None),
        api_version=version if any(op.api_version for op in ops) else None,
        error_model=error_model,
        client_token=semantics.client_token(document, ops, by_name),
        auth=_auth(document),
        operations=ops,
        models=models,
        imports=version_imports(ops, models, error_model),
    )


# --- document level --------------------------------------------------------------------------


def _default_endpoint(document: Document) -> str:
    servers = document.raw.get("servers") or []
    variable = (servers[0].get("variables") or {}).get("endpoint") if servers else None
    if not variable:
        raise document.fail(("servers",), "expected one server with an 'endpoint' variable")
    return str(variable["default"])


def _entra_scope(document: Document) -> str:
    schemes = document.raw.get("components", {}).get("securitySchemes", {})
    for _, scheme in sorted(schemes.items()):
        flow = (scheme.get("flows") or {}).get("clientCredentials")
        if scheme.get("type") == "oauth2" and flow and flow.get("scopes"):
            return str(sorted(flow["scopes"])[0])
    raise document.fail(
        ("components", "securitySchemes"),
        "expected an oauth2 clientCredentials scheme with a scope",
    )


def _auth(document: Document) -> tuple[ir.AuthScheme, ...]:
    schemes = document.raw.get("components", {}).get("securitySchemes", {})
    used = sorted(
        {name for requirement in document.raw.get("security", []) for name in requirement}
    )
    return tuple(ir.AuthScheme(name, _auth_kind(schemes.get(name, {}))) for name in used)


def _auth_kind(scheme: dict[str, Any]) -> str:
    """How a scheme authenticates, in a few words: "http bearer JWT", "oauth2 clientCredentials,
    scopes https://signalr.azure.com/.default"."""
    if scheme.get("type") == "http":
        return " ".join(
            str(part) for part in ("http", scheme.get("scheme"), scheme.get("bearerFormat")) if part
        )
    flows = scheme.get("flows") or {}
    described = [
        f"{flow}, scopes {', '.join(sorted(details.get('scopes') or {}))}"
        for flow, details in sorted(flows.items())
    ]
    return f"{scheme.get('type')} {'; '.join(described)}".strip()


# --- operations ------------------------------------------------------------------------------


def _operation(
    document: Document,
    path: str,
    method: str,
    operation: dict[str, Any],
    models: dict[str, ir.Model],
) -> ir.Operation:
    place: Place = ("paths", path, method)
    # Names the generated methods use themselves.
    taken = {"self", "request", "options", semantics.HUB, CONTENT_TYPE_ARGUMENT}
    hub = api_version = None
    path_parameters: list[ir.Parameter] = []
    query_parameters: list[ir.Parameter] = []
    for index, raw in enumerate(document.parameters(path, operation)):
        parameter_place = place + ("parameters", index)
        spec_parameter = document.resolve(raw)
        parameter = _parameter(document, parameter_place, spec_parameter, taken)
        if semantics.is_bound_at_construction(document, parameter_place, spec_parameter):
            hub = parameter
        elif parameter.wire_name == semantics.API_VERSION:
            api_version = parameter
        elif parameter.location == "path":
            path_parameters.append(parameter)
        else:
            query_parameters.append(parameter)
        taken.add(parameter.python_name)
    path_order = re.findall(r"{([^}]+)}", path)
    path_parameters.sort(key=lambda p: path_order.index(p.wire_name))
    responses = _responses(document, place, operation)
    paging = semantics.paging(document, place, operation, responses, models)
    result = semantics.result(method, path, semantics.acts(method, operation), responses, paging)
    if result.kind == "exists":
        # A missing resource is the answer False, not an error.
        responses = tuple(replace(r, raises=None) if r.status == "404" else r for r in responses)
    return ir.Operation(
        operation_id=operation["operationId"],
        method_name=python_name(operation["operationId"]),
        http_method=method.upper(),
        path=path,
        summary=one_line(operation.get("summary") or operation.get("description") or ""),
        description=text(operation.get("description", "")),
        hub=hub,
        api_version=api_version,
        parameters=tuple(path_parameters + query_parameters),
        body=_body(document, place, operation.get("requestBody"), taken, models),
        result=result,
        paging=paging,
        responses=responses,
    )


def _parameter(
    document: Document, place: Place, parameter: dict[str, Any], taken: set[str]
) -> ir.Parameter:
    location = parameter["in"]
    if location not in ("path", "query"):
        raise document.fail(place + ("in",), f"unsupported parameter location {location!r}")
    if "schema" not in parameter:
        raise document.fail(place, "a parameter needs a schema")
    schema = document.resolve(parameter["schema"])
    if schema.get("type") == "array" and parameter.get("explode", True) is not True:
        raise document.fail(place + ("explode",), "only exploded array parameters are supported")
    wire = _schema(document, parameter["schema"])
    required = bool(parameter.get("required", False))
    type_ = python_type(document, place + ("schema",), schema, argument=True)
    has_default = "default" in schema or not required
    return ir.Parameter(
        wire_name=parameter["name"],
        python_name=python_name(parameter.get("x-client-name", parameter["name"]), taken),
        location=location,
        required=required,
        type=type_ if required or "default" in schema else type_.optional(),
        has_default=has_default,
        default=wire.default,
        description=one_line(parameter.get("description", "")),
        schema=wire,
        check=_check_kind(document, place, wire),
    )


def _check_kind(document: Document, place: Place, schema: ir.Schema) -> ir.CheckKind:
    """Which runtime check an argument of this schema gets; other types cannot be checked."""
    if schema.type == "array" and schema.items is not None and schema.items.type == "string":
        return "string_array"
    if schema.type in ("string", "integer", "number", "boolean"):
        return schema.type
    raise document.fail(place + ("schema",), f"unsupported parameter type {schema.type_text!r}")


# The schema's constraints, by their keyword in OpenAPI and their name in the IR.
_CONSTRAINTS = (
    ("pattern", "pattern"),
    ("minLength", "min_length"),
    ("maxLength", "max_length"),
    ("minimum", "minimum"),
    ("maximum", "maximum"),
    ("minItems", "min_items"),
    ("maxItems", "max_items"),
)
_SCHEMA_TYPES = ("string", "integer", "number", "boolean", "array", "object")


def _schema(document: Document, raw: Any) -> ir.Schema:
    """The wire type and constraints of a schema, for checks, examples, the docs and the diff."""
    model = document.model_name(raw)
    if model:
        return ir.Schema("model", model=model)
    schema = document.resolve(raw)
    kind = schema.get("type")
    return ir.Schema(
        type=kind if kind in _SCHEMA_TYPES else "any",
        format=schema.get("format"),
        items=_schema(document, schema.get("items", {})) if kind == "array" else None,
        enum=tuple(schema.get("enum", ())),
        default=_spec_value(schema.get("default")),
        **{option: schema.get(keyword) for keyword, option in _CONSTRAINTS},
    )


def _spec_value(value: Any) -> ir.SpecValue:
    return tuple(_spec_value(item) for item in value) if isinstance(value, list) else value


def _body(
    document: Document,
    place: Place,
    raw: Any,
    taken: set[str],
    models: dict[str, ir.Model],
) -> ir.Body | None:
    if raw is None:
        return None
    body = document.resolve(raw)
    place = place + ("requestBody",)
    content = body.get("content", {})
    content_types = tuple(content)
    if not set(content_types) <= RAW_CONTENT_TYPES:
        unsupported = sorted(set(content_types) - RAW_CONTENT_TYPES)
        raise document.fail(place + ("content",), f"unsupported content type {unsupported[0]!r}")
    json_schema = content.get("application/json", {}).get("schema")
    model = document.model_name(json_schema)
    # The JSON content's schema where there is one ({} is "any JSON"), else the first one's, so
    # that the order of the content types changes nothing.
    first_schema = next(iter(content.values()), None) or {}
    body_schema = json_schema if json_schema is not None else first_schema.get("schema", {})
    name = python_name(body.get("x-body-name", "message" if model is None else model), taken)
    taken.add(name)
    # Raw content by default: str, bytes or a JSON value, with a content_type= override.
    raw_body = ir.Body(
        python_name=name,
        type=ir.PyType("content"),
        description=one_line(body.get("description", "")),
        encoding="content",
        content_types=content_types,
        required=bool(body.get("required", False)),
        schema=_schema(document, body_schema),
    )
    if content_types != ("application/json",):
        return raw_body
    if model is None:
        type_ = python_type(document, place, json_schema or {}, argument=True)
        return replace(raw_body, type=type_, encoding="json")
    model_body = replace(
        raw_body, type=ir.PyType("model", model=model), encoding="model", model=model
    )
    if not body.get("x-ms-client-flatten"):
        return model_body
    return replace(model_body, flattened=_flattened(document, place, models[model], taken))


def _flattened(
    document: Document, place: Place, model: ir.Model, taken: set[str]
) -> tuple[ir.Field, ...]:
    """The model's fields as method arguments; their names must not clash with the others'."""
    for field in model.fields:
        if field.python_name in taken:
            raise document.fail(
                place + ("x-ms-client-flatten",),
                f"cannot flatten {model.name}: its field {field.python_name!r} clashes with an argument",
            )
        taken.add(field.python_name)
    # As arguments they need a description even where the model's fields have none.
    return tuple(
        replace(f, description=f.description or f"The {f.wire_name} of the {model.name}.")
        for f in model.fields
    )


def _responses(
    document: Document, place: Place, operation: dict[str, Any]
) -> tuple[ir.Response, ...]:
    result = []
    for status, raw in operation.get("responses", {}).items():
        response = document.resolve(raw)
        content = response.get("content") or {}
        schema = content.get("application/json", {}).get("schema")
        model = document.model_name(schema)
        if schema is not None and model is None:
            raise document.fail(
                place + ("responses", status), "a response schema must be a $ref to a model"
            )
        description = one_line(response.get("description", ""))
        result.append(ir.Response(str(status), description, model, semantics.raises(str(status))))
    return tuple(result)


# --- models ----------------------------------------------------------------------------------


def _model(document: Document, name: str, schema: dict[str, Any]) -> ir.Model:
    place: Place = ("components", "schemas", name)
    refuse_unsupported(document, place, schema)
    required = set(schema.get("required", []))
    taken: set[str] = {"from_wire", "to_wire"}
    fields = []
    for wire_name, raw in schema["properties"].items():
        field_place = place + ("properties", wire_name)
        field_schema = raw if "$ref" in raw else document.resolve(raw)
        field_name = python_name(field_schema.get("x-client-name", wire_name), taken)
        taken.add(field_name)
        fields.append(
            _field(
                document, field_place, wire_name, field_name, field_schema, wire_name in required
            )
        )
    # Required fields first: dataclass fields without defaults must precede those with them.
    fields.sort(key=lambda f: not f.required)
    model_name = document.model_name({"$ref": f"#/components/schemas/{name}"})
    return ir.Model(str(model_name), text(schema.get("description", "")), tuple(fields))


def _field(
    document: Document,
    place: Place,
    wire_name: str,
    name: str,
    schema: dict[str, Any],
    required: bool,
) -> ir.Field:
    type_ = python_type(document, place, schema, argument=False)
    model = document.model_name(schema)
    item_model = document.model_name(schema.get("items")) if schema.get("type") == "array" else None
    codec: ir.FieldCodec = "model" if model else "model_list" if item_model else "value"
    return ir.Field(
        wire_name=wire_name,
        python_name=name,
        type=type_ if required else type_.optional(),
        required=required,
        description=one_line(document.resolve(schema).get("description", "")),
        codec=codec,
        model=model or item_model,
        schema=_schema(document, schema),
        wire_kind=wire_kind(type_),
        secret=bool(document.resolve(schema).get("x-ms-secret", False)),
    )
