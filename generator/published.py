"""Published API descriptions: read one (JSON or YAML), and bring Swagger 2.0 into OpenAPI 3 form.

`compare` and `import` work on OpenAPI 3 documents only; a Swagger 2.0 file is converted first,
fact for fact: parameter types become schemas, `collectionFormat` an array style, the body
parameter a request body with one entry per `consumes` type, response schemas content per
`produces` type, `definitions` the component schemas, `x-ms-parameterized-host` the server.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from generator.errors import SpecError, json_path
from generator.load import load_spec
from generator.validate import HTTP_METHODS

# What a schema says a value must be, beyond its type: the same keywords in both formats.
CONSTRAINTS = (
    "format",
    "enum",
    "default",
    "pattern",
    "minLength",
    "maxLength",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "minItems",
    "maxItems",
)
# The keywords a Swagger 2.0 parameter or header shares with a JSON schema.
_SCHEMA_KEYWORDS = ("type", *CONSTRAINTS, "items", "uniqueItems", "x-ms-enum")
# collectionFormat → (style, explode) of a query parameter.
_QUERY_STYLES = {
    "multi": ("form", True),
    "csv": ("form", False),
    "ssv": ("spaceDelimited", False),
    "pipes": ("pipeDelimited", False),
}


def read_document(path: Path, display: str) -> dict[str, Any]:
    """An OpenAPI 3.x document: read as it is, or converted from Swagger 2.0."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as error:
        raise SpecError(display, "file", f"cannot read: {error}") from None
    if text.lstrip().startswith("{"):
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            place = f"line {error.lineno}, column {error.colno}"
            raise SpecError(display, place, f"invalid JSON: {error.msg}") from None
        if not isinstance(document, dict):
            raise SpecError(display, "document", "expected an object at the top level")
    else:
        document = load_spec(path, display).document
    return to_openapi3(document, display)


def to_openapi3(document: dict[str, Any], display: str) -> dict[str, Any]:
    if str(document.get("openapi", "")).startswith("3."):
        return document
    if str(document.get("swagger")) != "2.0":
        raise SpecError(
            display, "document", "expected `swagger: 2.0` or `openapi: 3.x` at the top level"
        )
    return _Converter(document, display).convert()


class _Converter:
    def __init__(self, document: dict[str, Any], display: str) -> None:
        self.document = document
        self.display = display

    def fail(self, place: tuple[object, ...], problem: str) -> SpecError:
        return SpecError(self.display, json_path(place), problem)

    def convert(self) -> dict[str, Any]:
        source = self.document
        result: dict[str, Any] = {"openapi": "3.0.3", "info": copy.deepcopy(source.get("info", {}))}
        servers = self._servers()
        if servers:
            result["servers"] = servers
        result["paths"] = {
            path: self._path_item(path, item) for path, item in (source.get("paths") or {}).items()
        }
        schemas = {
            name: _refs_to_components(schema)
            for name, schema in (source.get("definitions") or {}).items()
        }
        if schemas:
            result["components"] = {"schemas": schemas}
        extensions = {k: v for k, v in source.items() if k.startswith("x-") and k != _HOST}
        return {**result, **copy.deepcopy(extensions)}

    def _servers(self) -> list[dict[str, Any]]:
        host = self.document.get(_HOST)
        if host:
            variables = {
                p["name"]: {"default": "", "description": p.get("description", "")}
                for p in host.get("parameters", [])
                if "name" in p
            }
            server: dict[str, Any] = {"url": host.get("hostTemplate", "")}
            if variables:
                server["variables"] = variables
            return [server]
        if "host" in self.document:
            scheme = (self.document.get("schemes") or ["https"])[0]
            base = self.document.get("basePath", "")
            return [{"url": f"{scheme}://{self.document['host']}{base}"}]
        return []

    def _path_item(self, path: str, item: dict[str, Any]) -> dict[str, Any]:
        shared = item.get("parameters", [])
        converted: dict[str, Any] = {}
        for method, operation in item.items():
            if method in HTTP_METHODS:
                converted[method] = self._operation(("paths", path, method), operation, shared)
        return converted

    def _operation(
        self, place: tuple[object, ...], operation: dict[str, Any], shared: list[Any]
    ) -> dict[str, Any]:
        result = {
            key: copy.deepcopy(value)
            for key, value in operation.items()
            if key not in ("parameters", "responses", "consumes", "produces")
        }
        parameters = []
        body = None
        for index, raw in enumerate([*shared, *operation.get("parameters", [])]):
            parameter = self._resolve(raw)
            where = place + ("parameters", index)
            if parameter.get("in") == "body":
                body = self._request_body(parameter, operation)
            elif parameter.get("in") == "formData":
                raise self.fail(where, "formData parameters are not supported")
            else:
                parameters.append(self._parameter(where, parameter))
        if parameters:
            result["parameters"] = parameters
        if body is not None:
            result["requestBody"] = body
        produces = operation.get("produces", self.document.get("produces", ["application/json"]))
        result["responses"] = {
            str(status): self._response(self._resolve(raw), produces)
            for status, raw in (operation.get("responses") or {}).items()
        }
        return result

    def _parameter(self, place: tuple[object, ...], parameter: dict[str, Any]) -> dict[str, Any]:
        schema = {k: copy.deepcopy(parameter[k]) for k in _SCHEMA_KEYWORDS if k in parameter}
        if "items" in schema:
            schema["items"] = _item_schema(schema["items"])
        result = {
            k: copy.deepcopy(v)
            for k, v in parameter.items()
            if k not in _SCHEMA_KEYWORDS and k not in ("collectionFormat", "type")
        }
        if parameter.get("required"):
            result["required"] = True
        if parameter.get("type") == "array":
            collection = parameter.get("collectionFormat", "csv")
            if parameter.get("in") == "query":
                if collection not in _QUERY_STYLES:
                    raise self.fail(place, f"unsupported collectionFormat {collection!r}")
                result["style"], result["explode"] = _QUERY_STYLES[collection]
            elif collection != "csv":
                raise self.fail(place, f"unsupported collectionFormat {collection!r}")
        result["schema"] = schema
        return result

    def _request_body(self, parameter: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any]:
        consumes = operation.get("consumes", self.document.get("consumes", ["application/json"]))
        schema = _refs_to_components(parameter.get("schema", {}))
        body: dict[str, Any] = {}
        if parameter.get("description"):
            body["description"] = parameter["description"]
        body["required"] = bool(parameter.get("required", False))
        body["x-body-name"] = parameter.get("x-ms-client-name", parameter.get("name"))
        for key in ("x-ms-client-flatten",):
            if key in parameter:
                body[key] = parameter[key]
        body["content"] = {kind: {"schema": copy.deepcopy(schema)} for kind in consumes}
        return body

    def _response(self, response: dict[str, Any], produces: list[str]) -> dict[str, Any]:
        result = {
            k: copy.deepcopy(v) for k, v in response.items() if k not in ("schema", "headers")
        }
        result.setdefault("description", "")
        if response.get("headers"):
            result["headers"] = {
                name: {
                    **{k: v for k, v in header.items() if k.startswith("x-") or k == "description"},
                    "schema": {k: header[k] for k in _SCHEMA_KEYWORDS if k in header},
                }
                for name, header in response["headers"].items()
            }
        if "schema" in response:
            schema = _refs_to_components(response["schema"])
            result["content"] = {
                kind: {"schema": copy.deepcopy(schema)} for kind in produces or ["application/json"]
            }
        return result

    def _resolve(self, raw: Any) -> Any:
        """Swagger 2.0 shares parameters and responses at the top level: inline them."""
        while isinstance(raw, dict) and "$ref" in raw:
            ref = str(raw["$ref"])
            kind, _, name = ref.removeprefix("#/").partition("/")
            target = (self.document.get(kind) or {}).get(name)
            if not ref.startswith("#/") or target is None:
                raise SpecError(self.display, "document", f"unresolvable $ref {ref!r}")
            raw = target
        return raw


_HOST = "x-ms-parameterized-host"


def _item_schema(items: dict[str, Any]) -> dict[str, Any]:
    schema = {k: copy.deepcopy(items[k]) for k in _SCHEMA_KEYWORDS if k in items}
    if "items" in schema:
        schema["items"] = _item_schema(schema["items"])
    return schema


def _refs_to_components(node: Any) -> Any:
    if isinstance(node, dict):
        return {
            key: (
                value.replace("#/definitions/", "#/components/schemas/", 1)
                if key == "$ref" and isinstance(value, str)
                else _refs_to_components(value)
            )
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_refs_to_components(value) for value in node]
    return node
