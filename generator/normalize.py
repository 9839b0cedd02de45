"""Stage 3: a validated OpenAPI document → one ir.Version, with every decision made here.

Python names, types, defaults, validation calls, body encoding and result parsing are decided
below so that the templates only lay them out. Anything the generator cannot express faithfully
is refused with a SpecError rather than generated approximately.
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from generator import ir
from generator.errors import SpecError, json_path
from generator.examples import Examples
from generator.imports import version_imports
from generator.load import LoadedSpec
from generator.naming import module_name, python_name
from generator.validate import operations, resolve

HUB = "hub"
CLIENT_TOKEN_OPERATION = "GenerateClientToken"
API_VERSION = "api-version"
CONTENT_TYPE_ARGUMENT = "content_type"
RAW_CONTENT_TYPES = {"application/json", "text/plain", "application/octet-stream"}
_SCALARS = {"string": "str", "integer": "int", "number": "float", "boolean": "bool"}
_UNSUPPORTED_SCHEMA_KEYS = ("oneOf", "anyOf", "allOf", "not", "additionalProperties")


class _Context:
    """The document being normalized and where faults are reported."""

    def __init__(self, spec: LoadedSpec) -> None:
        self.spec = spec
        self.document = spec.document
        self.schemas: dict[str, Any] = self.document.get("components", {}).get("schemas", {})

    def fail(self, place: tuple[object, ...], problem: str) -> SpecError:
        return SpecError(self.spec.path, json_path(place), problem)

    def model_name(self, schema: Any) -> str | None:
        """The model class a schema stands for, when it is a $ref to an object component."""
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        if not ref:
            return None
        name = ref.rsplit("/", 1)[-1]
        return name if _is_model(self.schemas.get(name, {})) else None


def normalize(spec: LoadedSpec) -> ir.Version:
    context = _Context(spec)
    document = spec.document
    info = document["info"]
    models = tuple(
        _model(context, name, schema)
        for name, schema in sorted(context.schemas.items())
        if _is_model(schema)
    )
    by_name = {model.name: model for model in models}
    ops = tuple(
        _operation(context, path, method, operation, by_name)
        for path, method, operation in operations(document)
    )
    error_model = _error_model(context, ops)
    ops = _with_examples(context, ops, by_name, error_model)
    return ir.Version(
        service=spec.service,
        version=str(info["version"]),
        module=module_name(str(info["version"])),
        spec_path=spec.path,
        title=_text(info.get("title", "")),
        description=_text(info.get("description", "")),
        default_endpoint=_default_endpoint(context),
        entra_scope=_entra_scope(context),
        hub_pattern=_hub_pattern(context),
        api_version=str(info["version"]) if any(op.api_version for op in ops) else None,
        error_model=error_model,
        client_token_method=next(
            (op.method_name for op in ops if op.operation_id == CLIENT_TOKEN_OPERATION), None
        ),
        auth=_auth(context),
        operations=ops,
        models=models,
        imports=version_imports(ops, models, error_model),
    )


# --- text ------------------------------------------------------------------------------------


def _text(text: Any) -> str:
    """Spec prose as the IR keeps it: plain text, trailing spaces and surrounding blank lines gone.
    Templates escape it for where it goes (a docstring, a Markdown table)."""
    return "\n".join(line.rstrip() for line in str(text).strip().splitlines())


def _one_line(text: Any) -> str:
    return " ".join(str(text).split())


# --- document level --------------------------------------------------------------------------


def _default_endpoint(context: _Context) -> str:
    servers = context.document.get("servers") or []
    variable = (servers[0].get("variables") or {}).get("endpoint") if servers else None
    if not variable:
        raise context.fail(("servers",), "expected one server with an 'endpoint' variable")
    return str(variable["default"])


def _entra_scope(context: _Context) -> str:
    schemes = context.document.get("components", {}).get("securitySchemes", {})
    for _, scheme in sorted(schemes.items()):
        flow = (scheme.get("flows") or {}).get("clientCredentials")
        if scheme.get("type") == "oauth2" and flow and flow.get("scopes"):
            return str(sorted(flow["scopes"])[0])
    raise context.fail(
        ("components", "securitySchemes"),
        "expected an oauth2 clientCredentials scheme with a scope",
    )


def _auth(context: _Context) -> tuple[ir.AuthScheme, ...]:
    schemes = context.document.get("components", {}).get("securitySchemes", {})
    used = sorted(
        {name for requirement in context.document.get("security", []) for name in requirement}
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


def _hub_pattern(context: _Context) -> str | None:
    for path, method, operation in operations(context.document):
        for raw in _raw_parameters(context, path, operation):
            parameter = resolve(context.document, raw)
            if parameter.get("name") == HUB:
                pattern = parameter.get("schema", {}).get("pattern")
                return str(pattern) if pattern else None
    return None


def _with_examples(
    context: _Context,
    ops: tuple[ir.Operation, ...],
    models: dict[str, ir.Model],
    error_model: str | None,
) -> tuple[ir.Operation, ...]:
    examples = Examples(context.document, models)
    version = str(context.document["info"]["version"])
    result = []
    for (path, method, raw), op in zip(operations(context.document), ops):
        parameters = {
            p["name"]: p
            for p in (resolve(context.document, r) for r in _raw_parameters(context, path, raw))
        }
        body = resolve(context.document, raw.get("requestBody", {}))
        body_schema = body.get("content", {}).get("application/json", {}).get("schema")
        success = [
            resolve(context.document, r)
            for s, r in raw["responses"].items()
            if str(s).startswith("2")
        ]
        result_schema = next(
            (r["content"]["application/json"]["schema"] for r in success if r.get("content")), None
        )
        example = examples.operation(
            op, parameters, body_schema, result_schema, version, error_model
        )
        usage = examples.usage(op, parameters, body_schema)
        result.append(replace(op, example=example, usage=usage))
    return tuple(result)


# --- operations ------------------------------------------------------------------------------


def _raw_parameters(context: _Context, path: str, operation: dict[str, Any]) -> list[Any]:
    shared = context.document["paths"][path].get("parameters", [])
    return [*shared, *operation.get("parameters", [])]


def _operation(
    context: _Context,
    path: str,
    method: str,
    operation: dict[str, Any],
    models: dict[str, ir.Model],
) -> ir.Operation:
    place = ("paths", path, method)
    # Names the generated methods use themselves.
    taken = {"self", "request", HUB, CONTENT_TYPE_ARGUMENT}
    hub = api_version = None
    path_parameters: list[ir.Parameter] = []
    query_parameters: list[ir.Parameter] = []
    for index, raw in enumerate(_raw_parameters(context, path, operation)):
        spec_parameter = resolve(context.document, raw)
        parameter = _parameter(context, place + ("parameters", index), spec_parameter, taken)
        if parameter.wire_name == HUB:
            hub = parameter
        elif parameter.wire_name == API_VERSION:
            api_version = parameter
        elif parameter.location == "path":
            path_parameters.append(parameter)
        else:
            query_parameters.append(parameter)
        taken.add(parameter.python_name)
    path_order = re.findall(r"{([^}]+)}", path)
    path_parameters.sort(key=lambda p: path_order.index(p.wire_name))
    responses = _responses(context, place, operation)
    paging = _paging(context, place, operation, responses, models)
    result = _result(method, path, _acts(method, operation), responses, paging)
    if result.kind == "exists":
        # A missing resource is the answer False, not an error.
        responses = tuple(replace(r, raises=None) if r.status == "404" else r for r in responses)
    return ir.Operation(
        operation_id=operation["operationId"],
        method_name=python_name(operation["operationId"]),
        http_method=method.upper(),
        path=path,
        summary=_one_line(operation.get("summary") or operation.get("description") or ""),
        description=_text(operation.get("description", "")),
        hub=hub,
        api_version=api_version,
        parameters=tuple(path_parameters + query_parameters),
        body=_body(context, place, operation.get("requestBody"), taken, models),
        result=result,
        paging=paging,
        responses=responses,
    )


def _parameter(
    context: _Context, place: tuple[object, ...], parameter: dict[str, Any], taken: set[str]
) -> ir.Parameter:
    location = parameter["in"]
    if location not in ("path", "query"):
        raise context.fail(place + ("in",), f"unsupported parameter location {location!r}")
    if "schema" not in parameter:
        raise context.fail(place, "a parameter needs a schema")
    schema = resolve(context.document, parameter["schema"])
    wire = _schema(context, parameter["schema"])
    wire_name = parameter["name"]
    required = bool(parameter.get("required", False))
    name = python_name(parameter.get("x-client-name", wire_name), taken)
    base = _python_type(context, place + ("schema",), schema, sequence="Sequence")
    if "default" in schema:
        annotation, default = base, _literal(schema["default"])
    elif required:
        annotation, default = base, ""
    else:
        annotation, default = f"{base} | None", "None"
    if schema.get("type") == "array" and parameter.get("explode", True) is not True:
        raise context.fail(place + ("explode",), "only exploded array parameters are supported")
    return ir.Parameter(
        wire_name=wire_name,
        python_name=name,
        location=location,
        required=required,
        annotation=annotation,
        default=default,
        description=_one_line(parameter.get("description", "")),
        check=_check(context, place, name, location, required or "default" in schema, wire),
        schema=wire,
    )


# The schema's constraints, by their keyword in OpenAPI and their name in the IR and the runtime.
_CONSTRAINTS = (
    ("pattern", "pattern"),
    ("minLength", "min_length"),
    ("maxLength", "max_length"),
    ("minimum", "minimum"),
    ("maximum", "maximum"),
    ("minItems", "min_items"),
    ("maxItems", "max_items"),
)


# The runtime check of each wire type, and the constraints it takes.
_CHECKS = {
    "string": ("check_string", ("enum", "pattern", "min_length", "max_length")),
    "integer": ("check_integer", ("enum", "minimum", "maximum")),
    "number": ("check_number", ("enum", "minimum", "maximum")),
    "boolean": ("check_boolean", ()),
}
_ITEM_CONSTRAINTS = ("enum", "pattern", "min_length", "max_length")


def _check(
    context: _Context,
    place: tuple[object, ...],
    name: str,
    location: str,
    required: bool,
    schema: ir.Schema,
) -> str:
    """The runtime call that checks an argument's type and constraints before anything is sent.

    ``required``: None is refused, because the spec requires the value or gives it a default.
    """
    options = [f"required={required}"]
    if location == "path":
        options.append("segment=True")
    if schema.type == "array" and schema.items is not None and schema.items.type == "string":
        function = "check_string_array"
        options += _constraint_options(schema, ("min_items", "max_items"), "")
        options += _constraint_options(schema.items, _ITEM_CONSTRAINTS, "item_")
    elif schema.type in _CHECKS:
        function, constraints = _CHECKS[schema.type]
        options += _constraint_options(schema, constraints, "")
    else:
        raise context.fail(place + ("schema",), f"unsupported parameter type {schema.type_text!r}")
    return f"{function}({name!r}, {name}, {', '.join(options)})"


def _constraint_options(schema: ir.Schema, names: tuple[str, ...], prefix: str) -> list[str]:
    options = []
    for option in names:
        value = getattr(schema, option)
        if value is not None and value != ():
            keyword = "allowed" if option == "enum" else option
            options.append(f"{prefix}{keyword}={value!r}")
    return options


def _schema(context: _Context, raw: Any) -> ir.Schema:
    """The wire type and constraints of a schema, for the docs and the diff."""
    model = context.model_name(raw)
    if model:
        return ir.Schema("model", model=model)
    schema = resolve(context.document, raw)
    kind = schema.get("type") or "any"
    default = schema.get("default")
    return ir.Schema(
        type=kind,
        format=schema.get("format"),
        items=_schema(context, schema.get("items", {})) if kind == "array" else None,
        enum=tuple(schema.get("enum", ())),
        default=tuple(default) if isinstance(default, list) else default,
        **{option: schema.get(keyword) for keyword, option in _CONSTRAINTS},
    )


def _body(
    context: _Context,
    place: tuple[object, ...],
    raw: Any,
    taken: set[str],
    models: dict[str, ir.Model],
) -> ir.Body | None:
    if raw is None:
        return None
    body = resolve(context.document, raw)
    place = place + ("requestBody",)
    content = body.get("content", {})
    content_types = tuple(content)
    if not set(content_types) <= RAW_CONTENT_TYPES:
        unsupported = sorted(set(content_types) - RAW_CONTENT_TYPES)
        raise context.fail(place + ("content",), f"unsupported content type {unsupported[0]!r}")
    json_schema = content.get("application/json", {}).get("schema")
    model = context.model_name(json_schema)
    first_schema = next(iter(content.values()), None) or {}
    name = python_name(body.get("x-body-name", "message" if model is None else model), taken)
    taken.add(name)
    # Raw content by default: str, bytes or a JSON value, with a content_type= override.
    raw_body = ir.Body(
        python_name=name,
        annotation="Content",
        description=_one_line(body.get("description", "")),
        encoder=f"encode_content({name}, {CONTENT_TYPE_ARGUMENT})",
        content_types=content_types,
        takes_content_type=True,
        required=bool(body.get("required", False)),
        schema=_schema(context, json_schema or first_schema.get("schema", {})),
        argument=name,
    )
    if content_types != ("application/json",):
        return raw_body
    if model is None:
        annotation = _python_type(context, place, json_schema or {}, sequence="Sequence")
        return replace(
            raw_body,
            annotation=annotation,
            encoder=f"encode_json({name})",
            takes_content_type=False,
        )
    model_body = replace(
        raw_body,
        annotation=model,
        encoder=f"encode_json({name}.to_wire())",
        takes_content_type=False,
    )
    if not body.get("x-ms-client-flatten"):
        return model_body
    fields = _flattened(context, place, models[model], taken)
    argument = f"{model}({', '.join(f'{f.python_name}={f.python_name}' for f in fields)})"
    return replace(model_body, flattened=fields, argument=argument)


def _flattened(
    context: _Context, place: tuple[object, ...], model: ir.Model, taken: set[str]
) -> tuple[ir.Field, ...]:
    """The model's fields as method arguments; their names must not clash with the others'."""
    for field in model.fields:
        if field.python_name in taken:
            raise context.fail(
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
    context: _Context, place: tuple[object, ...], operation: dict[str, Any]
) -> tuple[ir.Response, ...]:
    result = []
    for status, raw in operation.get("responses", {}).items():
        response = resolve(context.document, raw)
        content = response.get("content") or {}
        schema = content.get("application/json", {}).get("schema")
        model = context.model_name(schema)
        if schema is not None and model is None:
            raise context.fail(
                place + ("responses", status), "a response schema must be a $ref to a model"
            )
        description = _one_line(response.get("description", ""))
        result.append(ir.Response(str(status), description, model, _raises(str(status))))
    return tuple(result)


# The exception each error status becomes, as the runtime's error_class maps them.
_ERRORS = {
    "400": "BadRequestError",
    "401": "AuthenticationError",
    "403": "AuthenticationError",
    "404": "NotFoundError",
    "429": "ThrottledError",
}


def _raises(status: str) -> str | None:
    if status.startswith(("1", "2", "3")):
        return None
    return _ERRORS.get(status, "ServiceError" if status.startswith("5") else "ApiError")


def _paging(
    context: _Context,
    place: tuple[object, ...],
    operation: dict[str, Any],
    responses: tuple[ir.Response, ...],
    models: dict[str, ir.Model],
) -> ir.Paging | None:
    pageable = operation.get("x-ms-pageable")
    if pageable is None:
        return None
    place = place + ("x-ms-pageable",)
    page_model = next((r.model for r in responses if r.status.startswith("2") and r.model), None)
    if page_model is None:
        raise context.fail(place, "a paged operation needs a page model")
    fields = {f.wire_name: f for f in models[page_model].fields}
    items_name, next_link_name = pageable.get("itemName", "value"), pageable.get("nextLinkName")
    if items_name not in fields or next_link_name not in fields:
        raise context.fail(
            place, f"{page_model} needs the fields {items_name!r} and {next_link_name!r}"
        )
    items_schema = context.schemas[page_model]["properties"][items_name]
    item_model = context.model_name(items_schema.get("items"))
    if item_model is None:
        raise context.fail(place, "page items must be a $ref to a model")
    return ir.Paging(
        page_model=page_model,
        item_model=item_model,
        items_key=items_name,
        next_link_key=next_link_name,
        items_field=fields[items_name].python_name,
        next_link_field=fields[next_link_name].python_name,
        reader=f"read_{python_name(operation['operationId'])}_page",
    )


def _acts(method: str, operation: dict[str, Any]) -> bool:
    return method in ("put", "delete", "patch") or (method == "post" and "requestBody" in operation)


def _is_existence_check(method: str, path: str, statuses: set[str]) -> bool:
    """A bodiless GET or HEAD that documents 404, or any HEAD on a named resource (some documents
    leave out the 404 that the service answers for a missing connection)."""
    names_resource = any(variable != HUB for variable in re.findall(r"{([^}]+)}", path))
    return (method in ("get", "head") and "404" in statuses) or (
        method == "head" and names_resource
    )


def _result(
    method: str,
    path: str,
    acts: bool,
    responses: tuple[ir.Response, ...],
    paging: ir.Paging | None,
) -> ir.Result:
    """What a method returns. Fetches (GET, or POST without a body) must answer their model;
    actions (PUT, DELETE, POST with a body) may answer it or nothing."""
    statuses = {r.status for r in responses}
    success = [r for r in responses if r.status.startswith("2")]
    model = next((r.model for r in success if r.model), None)
    if paging is not None:
        item = paging.item_model
        return ir.Result(
            "paged",
            f"Iterator[{item}]",
            f"AsyncIterator[{item}]",
            item,
            f"every {item}, fetching further pages as iteration reaches them.",
        )
    if model is None and _is_existence_check(method, path, statuses):
        return ir.Result(
            "exists", "bool", "bool", None, "True if it exists, False if the service answers 404."
        )
    if model is None:
        return ir.Result("none", "None", "None", None, "")
    if acts:
        # The services answer actions with an empty body as often as with the documented one.
        return ir.Result(
            "optional_model",
            f"{model} | None",
            f"{model} | None",
            model,
            f"the service's {model}, or None when it answers without a body.",
        )
    return ir.Result("model", model, model, model, f"the service's {model}.")


def _error_model(context: _Context, ops: tuple[ir.Operation, ...]) -> str | None:
    """The one model error responses use; a spec with two cannot be served by one client."""
    models = {
        r.model for op in ops for r in op.responses if not r.status.startswith("2") and r.model
    }
    if len(models) > 1:
        raise context.fail(("paths",), f"error responses use different models: {sorted(models)}")
    return models.pop() if models else None


# --- models ----------------------------------------------------------------------------------


def _is_model(schema: Any) -> bool:
    return isinstance(schema, dict) and schema.get("type") == "object" and "properties" in schema


def _model(context: _Context, name: str, schema: dict[str, Any]) -> ir.Model:
    place: tuple[object, ...] = ("components", "schemas", name)
    _refuse_unsupported(context, place, schema)
    required = set(schema.get("required", []))
    taken: set[str] = {"from_wire", "to_wire"}
    fields = []
    for wire_name, raw in schema["properties"].items():
        field_place = place + ("properties", wire_name)
        field_schema = raw if "$ref" in raw else resolve(context.document, raw)
        field_name = python_name(field_schema.get("x-client-name", wire_name), taken)
        taken.add(field_name)
        fields.append(
            _field(context, field_place, wire_name, field_name, field_schema, wire_name in required)
        )
    # Required fields first: dataclass fields without defaults must precede those with them.
    fields.sort(key=lambda f: not f.required)
    return ir.Model(name, _text(schema.get("description", "")), tuple(fields))


def _field(
    context: _Context,
    place: tuple[object, ...],
    wire_name: str,
    name: str,
    schema: dict[str, Any],
    required: bool,
) -> ir.Field:
    base = _python_type(context, place, schema, sequence="list")
    key = repr(wire_name)
    model = context.model_name(schema)
    item_model = context.model_name(schema.get("items")) if schema.get("type") == "array" else None
    if model:
        decode, encode = f"{model}.from_wire({{value}})", f"self.{name}.to_wire()"
    elif item_model:
        decode = f"[{item_model}.from_wire(item) for item in {{value}}]"
        encode = f"[item.to_wire() for item in self.{name}]"
    else:
        decode, encode = "{value}", f"self.{name}"
    if required:
        decoded = decode.format(value=f"data[{key}]")
    elif decode == "{value}":
        decoded = f"data.get({key})"
    else:
        decoded = f"{decode.format(value=f'data[{key}]')} if data.get({key}) is not None else None"
    description = _one_line(resolve(context.document, schema).get("description", ""))
    return ir.Field(
        wire_name=wire_name,
        python_name=name,
        annotation=base if required else f"{base} | None",
        required=required,
        description=description,
        decode=decoded,
        encode=encode,
        schema=_schema(context, schema),
    )


def _refuse_unsupported(
    context: _Context, place: tuple[object, ...], schema: dict[str, Any]
) -> None:
    for key in _UNSUPPORTED_SCHEMA_KEYS:
        if key in schema:
            raise context.fail(place + (key,), f"unsupported construct {key!r}")


def _python_type(
    context: _Context, place: tuple[object, ...], schema: Any, *, sequence: str
) -> str:
    """The Python annotation for a schema; `sequence` is Sequence for arguments, list for models."""
    model = context.model_name(schema)
    if model:
        return model
    schema = resolve(context.document, schema)
    _refuse_unsupported(context, place, schema)
    if "enum" in schema:
        return f"Literal[{', '.join(_literal(value) for value in schema['enum'])}]"
    kind = schema.get("type")
    if kind == "string" and schema.get("format") == "binary":
        return "bytes"
    if kind in _SCALARS:
        return _SCALARS[kind]
    if kind == "array":
        item = _python_type(context, place + ("items",), schema.get("items", {}), sequence=sequence)
        return f"{sequence}[{item}]"
    if kind == "object" and "properties" not in schema:
        return "dict[str, Any]"
    if kind is None:
        return "Any"
    raise context.fail(
        place, f"unsupported schema type {kind!r} (inline objects need a $ref model)"
    )


def _literal(value: Any) -> str:
    if isinstance(value, str):
        return repr(value).replace("'", '"') if '"' not in value else repr(value)
    return repr(value)
