"""Import a published API description as a new spec that follows specs/CONVENTIONS.md.

The description (Swagger 2.0 or OpenAPI 3.x) gives the operations, parameters, bodies, responses
and models. The service's newest existing spec gives what the description is silent about: the
servers, the security schemes and the hub rule, and which bodies the client flattens. Where the
result differs from the description on purpose (the hub rule, the api-version default, JSON-only
responses, one schema per content type, a forgotten 404), the node says so with `x-deviation`, so
that `compare` of the result against its source reports only deliberate differences.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path
from typing import Any

import yaml

from generator.errors import SpecError
from generator.load import find_specs, load_spec
from generator.published import read_document
from generator.validate import HTTP_METHODS

# Published operationIds (after their "Group_" prefix) that name an action of the shared
# vocabulary differently.
_VOCABULARY = {
    "GetHealthStatus": "GetServiceStatus",
    "HeadIndex": "GetServiceStatus",
    "Broadcast": "SendToAll",
    "GroupBroadcast": "SendToGroup",
    "CloseClientConnection": "CloseConnection",
    "CloseConnections": "CloseAllConnections",
    "CheckConnectionExistence": "ConnectionExists",
    "CheckGroupExistence": "GroupExists",
    "CheckUserExistence": "UserExists",
    "CheckUserExistenceInGroup": "UserExistsInGroup",
}
# The raw content types of a send, in the order CONVENTIONS.md gives them, whatever the order of
# the description's `consumes`: the API diff judges a raw body by its first content type.
_RAW_CONTENT = {
    "application/json": {},
    "text/plain": {"type": "string"},
    "application/octet-stream": {"type": "string", "format": "binary"},
}
# x-ms-parameter-location: the importer marks the hub itself, the one parameter clients bind.
_DROPPED_KEYS = (
    "tags",
    "x-ms-examples",
    "x-ms-error-response",
    "example",
    "x-ms-enum",
    "x-ms-parameter-location",
)
_VARIABLE = re.compile(r"{([^}]+)}")

HUB_RULE = (
    "The hub rule of the prose (CONVENTIONS.md), carried forward from {spec}; the published "
    "description's own pattern for the hub is {pattern}."
)
API_VERSION_DEFAULT = (
    "The default is the version (CONVENTIONS.md): the generated client sends it by itself. "
    "The published description gives no default."
)
ONE_SCHEMA = (
    "Swagger 2.0 gives one schema for every content type; a JSON body is any JSON value and a "
    "text body text."
)
FORMATTERS = (
    "The service answers JSON. The published content types {kinds} are the server framework's "
    "list of formatters, not different bodies."
)
FORGOTTEN_404 = (
    "The service answers 404 for a resource that is not there; the published description "
    "forgets it for this existence check."
)


def import_description(service: str, source: Path, specs_dir: Path) -> tuple[Path, str]:
    """The path the new spec belongs at, and its text. Nothing is written here."""
    display = source.as_posix()
    published = read_document(source, display)
    version = str((published.get("info") or {}).get("version", "")).strip()
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", version):
        raise SpecError(display, "$.info.version", f"not a usable API version: {version!r}")
    newest_path = _newest_spec(specs_dir, service, version)
    newest = load_spec(newest_path, newest_path.as_posix()).document
    document = _Importer(published, newest, newest_path.name, display).spec(version)
    header = (
        f"# {_title(published)}, version {version}, imported with `python -m generator import`\n"
        f"# from the published description {source.name}.\n"
        f"# Servers, security and the hub rule are carried forward from {service}/"
        f"{newest_path.name}.\n"
    )
    text = header + yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    return specs_dir / service / f"{version}.yaml", text


def _newest_spec(specs_dir: Path, service: str, version: str) -> Path:
    """The newest spec of the service other than the version being imported."""
    paths = [
        path
        for path in find_specs(specs_dir, specs_dir.parent)
        if path.parent.name == service and path.stem != version
    ]
    if not paths:
        known = sorted({path.parent.name for path in find_specs(specs_dir, specs_dir.parent)})
        raise SpecError(
            f"specs/{service}", "folder", f"no spec to carry forward from (known: {known})"
        )
    # API versions sort as dates; "v1" predates them.
    return max(paths, key=lambda path: (not path.stem.startswith("v"), path.stem))


def _title(document: dict[str, Any]) -> str:
    return str((document.get("info") or {}).get("title", "API"))


class _Importer:
    def __init__(
        self, published: dict[str, Any], newest: dict[str, Any], newest_name: str, display: str
    ) -> None:
        self.published = published
        self.newest = newest
        self.newest_name = newest_name
        self.display = display
        self.source_name = Path(display).name
        self.client_names = _client_names(newest)
        self.deviations = _enum_deviations(newest)
        self.parameters: dict[str, dict[str, Any]] = {}  # component name → parameter
        self.bodies: dict[str, dict[str, Any]] = {}
        self.responses: dict[str, dict[str, Any]] = {}

    # --- document ----------------------------------------------------------------------------

    def spec(self, version: str) -> dict[str, Any]:
        self.version = version
        operations = [
            (path, method, raw)
            for path, item in (self.published.get("paths") or {}).items()
            for method, raw in item.items()
            if method in HTTP_METHODS
        ]
        paths: dict[str, Any] = {}
        for path, method, raw in operations:
            paths.setdefault(path, {})[method] = self._operation(path, method, raw)
        for kind, entries in (
            ("parameters", self.parameters),
            ("requestBodies", self.bodies),
            ("responses", self.responses),
        ):
            _inline_single_use(paths, kind, entries)
        schemas = self._schemas(paths)
        components: dict[str, Any] = {
            "securitySchemes": copy.deepcopy(self.newest["components"]["securitySchemes"])
        }
        for kind, entries in (
            ("parameters", self.parameters),
            ("requestBodies", self.bodies),
            ("responses", self.responses),
            ("schemas", schemas),
        ):
            if entries:
                components[kind] = entries
        info = self.published.get("info") or {}
        return {
            "openapi": "3.0.3",
            "info": {
                "title": _title(self.published),
                "version": version,
                "description": str(info.get("description") or f"Imported from {self.source_name}."),
            },
            "servers": copy.deepcopy(self.newest["servers"]),
            "security": copy.deepcopy(self.newest["security"]),
            "paths": paths,
            "components": components,
        }

    # --- operations ----------------------------------------------------------------------------

    def _operation(self, path: str, method: str, raw: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = {"operationId": _operation_id(raw, path, method)}
        for key in ("summary", "description", "x-ms-pageable"):
            if key in raw:
                result[key] = copy.deepcopy(raw[key])
        if "x-ms-pageable" in result:
            result["x-ms-pageable"] = {
                "nextLinkName": result["x-ms-pageable"].get("nextLinkName", "nextLink"),
                "itemName": result["x-ms-pageable"].get("itemName", "value"),
            }
        parameters = [self._parameter(p) for p in raw.get("parameters", [])]
        if parameters:
            result["parameters"] = parameters
        if "requestBody" in raw:
            result["requestBody"] = self._body(raw["requestBody"])
        responses = {
            str(status): self._response(str(status), response)
            for status, response in (raw.get("responses") or {}).items()
        }
        if _checks_existence(method, path) and "404" not in responses:
            responses = _with_404(responses)
        result["responses"] = responses
        return result

    def _shaped_parameter(self, raw: dict[str, Any]) -> dict[str, Any]:
        """The parameter as the spec gives it, before it is shared or not."""
        parameter = _cleaned(raw)
        if "x-ms-client-name" in parameter:
            parameter["x-client-name"] = parameter.pop("x-ms-client-name")
        elif (parameter.get("in"), parameter.get("name")) in self.client_names:
            parameter["x-client-name"] = self.client_names[(parameter["in"], parameter["name"])]
        schema = parameter.setdefault("schema", {})
        name = parameter.get("name")
        if name == "hub":
            hub = _hub_schema(self.newest)
            published_pattern = schema.get("pattern")
            if hub and published_pattern != hub.get("pattern"):
                parameter["x-deviation"] = HUB_RULE.format(
                    spec=self.newest_name, pattern=published_pattern or "none"
                )
            schema.update(hub)
            parameter["x-ms-parameter-location"] = "client"  # bound when a client is constructed
        kept = self.deviations.get((str(parameter.get("in")), str(name)))
        if kept and set(schema.get("enum", ())) <= set(kept.get("enum", ())):
            # The newest spec keeps more values on purpose: the clients rely on them.
            schema["enum"] = list(kept["enum"])
            schema["x-deviation"] = kept["x-deviation"]
        if name == "api-version":
            schema["default"] = self.version
            parameter["x-deviation"] = API_VERSION_DEFAULT
        return _ordered_parameter(parameter)

    def _parameter(self, raw: dict[str, Any]) -> dict[str, Any]:
        parameter = self._shaped_parameter(raw)
        return {"$ref": f"#/components/parameters/{self._share(self.parameters, parameter)}"}

    def _share(self, components: dict[str, Any], node: dict[str, Any], base: str = "") -> str:
        """The component name of a node: one component for nodes that differ at most in wording."""
        for name, existing in components.items():
            if _without_description(existing) == _without_description(node):
                return name
        stem = base or _pascal(str(node.get("name", "Shared")))
        if node.get("in") == "query" and any(
            p.get("name") == node.get("name") and p.get("in") == "path" for p in components.values()
        ):
            stem = f"Query{stem}"
        name, number = stem, 2
        while name in components:
            name, number = f"{stem}{number}", number + 1
        components[name] = node
        return name

    def _body(self, raw: dict[str, Any]) -> dict[str, Any]:
        body = _cleaned(raw)
        content = body.get("content", {})
        schemas = [media.get("schema", {}) for media in content.values()]
        raw_types = set(content) <= set(_RAW_CONTENT) and len(content) > 1
        if raw_types and all(schema == schemas[0] for schema in schemas):
            body["content"] = {
                kind: {"schema": copy.deepcopy(schema)}
                for kind, schema in _RAW_CONTENT.items()
                if kind in content
            }
            body["x-deviation"] = ONE_SCHEMA
        flatten = self._flattened_before(body.get("x-body-name"))
        if flatten:
            body["x-ms-client-flatten"] = True
        ordered = {k: body[k] for k in _BODY_ORDER if k in body}
        base = "Message" if raw_types else _pascal(str(body.get("x-body-name", "Body")))
        return {"$ref": f"#/components/requestBodies/{self._share(self.bodies, ordered, base)}"}

    def _flattened_before(self, body_name: Any) -> bool:
        for body in (self.newest.get("components", {}).get("requestBodies") or {}).values():
            if body.get("x-body-name") == body_name and body.get("x-ms-client-flatten"):
                return True
        return False

    def _response(self, status: str, raw: dict[str, Any]) -> dict[str, Any]:
        response = _cleaned(raw)
        content = response.get("content") or {}
        if "application/json" in content and len(content) > 1:
            others = ", ".join(kind for kind in content if kind != "application/json")
            response["content"] = {"application/json": content["application/json"]}
            response["x-deviation"] = FORMATTERS.format(kinds=f"({others})")
        ordered = {k: response[k] for k in _RESPONSE_ORDER if k in response}
        if status.startswith("2") or status == "404":
            return ordered
        base = "ErrorResponse" if "content" in ordered else "HeadErrorResponse"
        return {"$ref": f"#/components/responses/{self._share(self.responses, ordered, base)}"}

    # --- models ---------------------------------------------------------------------------------

    def _schemas(self, paths: dict[str, Any]) -> dict[str, Any]:
        """The published models that the operations use, directly or through each other."""
        available = (self.published.get("components") or {}).get("schemas") or {}
        used: dict[str, Any] = {}
        pending = _schema_refs([paths, self.parameters, self.bodies, self.responses])
        while pending:
            name = pending.pop()
            if name in used or name not in available:
                continue
            used[name] = _model(available[name])
            pending |= _schema_refs([used[name]])
        return {name: used[name] for name in sorted(used)}


_BODY_ORDER = (
    "description",
    "required",
    "x-body-name",
    "x-ms-client-flatten",
    "x-deviation",
    "content",
)
_RESPONSE_ORDER = ("description", "x-deviation", "headers", "content")
_PARAMETER_ORDER = (
    "name",
    "in",
    "required",
    "x-client-name",
    "description",
    "x-deviation",
    "style",
    "explode",
    "schema",
)


def _client_names(newest: dict[str, Any]) -> dict[tuple[str, str], str]:
    """The client-side names the newest spec gives parameters, by location and wire name."""
    found = list((newest.get("components", {}).get("parameters") or {}).values())
    for item in (newest.get("paths") or {}).values():
        for operation in item.values():
            if isinstance(operation, dict):
                found.extend(operation.get("parameters") or [])
    return {
        (str(p["in"]), str(p["name"])): str(p["x-client-name"])
        for p in found
        if isinstance(p, dict) and "x-client-name" in p
    }


def _enum_deviations(newest: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """The enums the newest spec keeps wider than its published description, with the reason."""
    return {
        (str(p["in"]), str(p["name"])): p["schema"]
        for p in (newest.get("components", {}).get("parameters") or {}).values()
        if "enum" in p.get("schema", {}) and "x-deviation" in p.get("schema", {})
    }


def _inline_single_use(paths: dict[str, Any], kind: str, components: dict[str, Any]) -> None:
    """Components used once go back in place: only what several operations share is shared."""
    prefix = f"#/components/{kind}/"
    uses: dict[str, int] = {}
    for ref in _refs(paths, prefix):
        uses[ref] = uses.get(ref, 0) + 1
    single = {name for name in components if uses.get(name, 0) < 2}

    def inline(node: Any) -> Any:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(prefix) and ref[len(prefix) :] in single:
                return components[ref[len(prefix) :]]
            return {k: inline(v) for k, v in node.items()}
        if isinstance(node, list):
            return [inline(v) for v in node]
        return node

    paths.update(inline(paths))
    for name in single:
        del components[name]
    # A name numbered because a component now inlined had taken it first gets its stem back.
    renames: dict[str, str] = {}
    for name in list(components):
        stem = name.rstrip("0123456789")
        if stem != name and stem not in components and stem not in renames.values():
            renames[name] = stem
    for old, new in renames.items():
        components[new] = components.pop(old)
    paths.update(_with_refs_renamed(paths, prefix, renames))


def _with_refs_renamed(node: Any, prefix: str, renames: dict[str, str]) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(prefix) and ref[len(prefix) :] in renames:
            return {"$ref": prefix + renames[ref[len(prefix) :]]}
        return {k: _with_refs_renamed(v, prefix, renames) for k, v in node.items()}
    if isinstance(node, list):
        return [_with_refs_renamed(v, prefix, renames) for v in node]
    return node


def _refs(node: Any, prefix: str) -> list[str]:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith(prefix):
            return [ref[len(prefix) :]]
        return [found for value in node.values() for found in _refs(value, prefix)]
    if isinstance(node, list):
        return [found for value in node for found in _refs(value, prefix)]
    return []


def _without_description(node: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in node.items() if k != "description"}


def _operation_id(raw: dict[str, Any], path: str, method: str) -> str:
    published = str(raw.get("operationId") or f"{method}_{path}")
    action = published.rsplit("_", 1)[-1]
    return _VOCABULARY.get(action, _pascal(action))


def _checks_existence(method: str, path: str) -> bool:
    return method == "head" and any(name != "hub" for name in _VARIABLE.findall(path))


def _with_404(responses: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for status, response in responses.items():
        if status == "default":
            result["404"] = {"description": "Not Found", "x-deviation": FORGOTTEN_404}
        result[status] = response
    result.setdefault("404", {"description": "Not Found", "x-deviation": FORGOTTEN_404})
    return result


def _hub_schema(newest: dict[str, Any]) -> dict[str, Any]:
    for parameter in (newest.get("components", {}).get("parameters") or {}).values():
        if parameter.get("name") == "hub":
            schema = parameter.get("schema") or {}
            return {k: schema[k] for k in ("type", "pattern") if k in schema}
    return {}


def _ordered_parameter(parameter: dict[str, Any]) -> dict[str, Any]:
    if parameter.get("required") is False:
        del parameter["required"]
    ordered = {k: parameter[k] for k in _PARAMETER_ORDER if k in parameter}
    return {**ordered, **{k: v for k, v in parameter.items() if k not in ordered}}


def _model(schema: dict[str, Any]) -> dict[str, Any]:
    model = _cleaned(schema)
    if model.get("additionalProperties") is False:
        del model["additionalProperties"]
    if "properties" in model:
        model["type"] = "object"
        model["properties"] = {
            name: _cleaned_schema(prop) for name, prop in model["properties"].items()
        }
    order = ("type", "description", "required", "properties")
    return {
        **{k: model[k] for k in order if k in model},
        **{k: v for k, v in model.items() if k not in order},
    }


def _cleaned_schema(schema: dict[str, Any]) -> dict[str, Any]:
    cleaned: dict[str, Any] = _cleaned(schema)
    if cleaned.get("additionalProperties") is False:
        del cleaned["additionalProperties"]
    return cleaned


def _cleaned(node: Any) -> Any:
    """A copy without what the spec does not carry: tags, examples, enum naming hints."""
    if isinstance(node, dict):
        return {k: _cleaned(v) for k, v in node.items() if k not in _DROPPED_KEYS}
    if isinstance(node, list):
        return [_cleaned(v) for v in node]
    return node


def _schema_refs(nodes: list[Any]) -> set[str]:
    return set(_refs(nodes, "#/components/schemas/"))


def _pascal(name: str) -> str:
    parts = re.split(r"[^A-Za-z0-9]+", name)
    return "".join(part[:1].upper() + part[1:] for part in parts if part)
