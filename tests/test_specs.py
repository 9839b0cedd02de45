"""The specs: valid OpenAPI 3.0.3, faithful to their source documents, and internally consistent."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from openapi_spec_validator import validate

from generator.load import load_spec
from generator.validate import HTTP_METHODS

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
PINNED = Path(__file__).parent / "spec_operations"
EXPECTED = {
    "webpubsub/2020-10-01.yaml": 15,
    "webpubsub/2024-12-01.yaml": 25,
    "signalr/v1.yaml": 19,
    "signalr/2022-06-01.yaml": 19,
}
HUB_PATTERN = "^[A-Za-z][A-Za-z0-9_]*$"


def load(name: str) -> dict[str, Any]:
    return load_spec(SPECS / name, f"specs/{name}").document


def operations(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def resolve(document: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = document
        for token in node["$ref"][2:].split("/"):
            target = target[token]
        node = target
    return node


def parameters(
    document: dict[str, Any], path: str, operation: dict[str, Any]
) -> list[dict[str, Any]]:
    shared = document["paths"][path].get("parameters", [])
    return [resolve(document, p) for p in [*shared, *operation.get("parameters", [])]]


def test_the_specs_folder_holds_exactly_the_four_versions() -> None:
    found = sorted(path.relative_to(SPECS).as_posix() for path in SPECS.glob("*/*.yaml"))
    assert found == sorted(EXPECTED)


@pytest.fixture(params=sorted(EXPECTED))
def name(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def test_validates_as_openapi_3_0_3(name: str) -> None:
    document = load(name)
    assert document["openapi"] == "3.0.3"
    validate(document)


def test_info_version_is_the_file_name(name: str) -> None:
    assert load(name)["info"]["version"] == Path(name).stem


def test_operations_and_response_codes_match_the_source_document(name: str) -> None:
    """The pinned list is transcribed by hand from the document, independently of the spec."""
    service, version = name.removesuffix(".yaml").split("/")
    pinned = [
        line.split()
        for line in (PINNED / f"{service}-{version}.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    actual = [
        [method.upper(), path, operation["operationId"], *operation["responses"]]
        for path, method, operation in operations(load(name))
    ]
    assert sorted(actual) == sorted(pinned)
    assert len(actual) == EXPECTED[name]


def test_operation_ids_are_unique(name: str) -> None:
    ids = [operation["operationId"] for _, _, operation in operations(load(name))]
    assert len(ids) == len(set(ids))


def test_every_path_variable_is_a_required_path_parameter(name: str) -> None:
    document = load(name)
    for path, method, operation in operations(document):
        declared = {
            p["name"]: p for p in parameters(document, path, operation) if p["in"] == "path"
        }
        variables = re.findall(r"{([^}]+)}", path)
        assert sorted(declared) == sorted(variables), (method, path)
        assert all(p.get("required") is True for p in declared.values()), (method, path)


def _refs(node: Any) -> Iterator[str]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield value
            else:
                yield from _refs(value)
    elif isinstance(node, list):
        for value in node:
            yield from _refs(value)


def test_every_ref_resolves_and_every_component_is_used(name: str) -> None:
    document = load(name)
    refs = set(_refs(document))
    for ref in refs:
        assert ref.startswith("#/components/"), ref
        resolve(document, {"$ref": ref})
    components = {
        f"#/components/{kind}/{key}"
        for kind, entries in document.get("components", {}).items()
        if kind != "securitySchemes"
        for key in entries
    }
    assert components - refs == set()
    schemes = set(document["components"]["securitySchemes"])
    assert {scheme for requirement in document["security"] for scheme in requirement} == schemes


def test_both_ways_a_server_authenticates_are_declared_globally(name: str) -> None:
    document = load(name)
    schemes = document["components"]["securitySchemes"]
    assert schemes["AccessKey"] == {
        **schemes["AccessKey"],
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "JWT",
    }
    flow = schemes["EntraId"]["flows"]["clientCredentials"]
    scope = (
        "https://webpubsub.azure.com/.default"
        if name.startswith("webpubsub")
        else "https://signalr.azure.com/.default"
    )
    assert list(flow["scopes"]) == [scope]
    assert document["security"] == [{"AccessKey": []}, {"EntraId": [scope]}]
    assert document["servers"][0]["url"] == "{endpoint}"
    assert "endpoint" in document["servers"][0]["variables"]


def test_the_hub_and_group_rules_are_schema_constraints(name: str) -> None:
    document = load(name)
    for path, method, operation in operations(document):
        for parameter in parameters(document, path, operation):
            schema = resolve(document, parameter["schema"])
            if parameter["name"] in ("hub", "application"):
                assert schema["pattern"] == HUB_PATTERN, (method, path)
            if parameter["name"] == "group" and parameter["in"] == "path":
                assert (schema["minLength"], schema["maxLength"]) == (1, 1024), (method, path)


def test_api_version_is_sent_as_the_documents_say(name: str) -> None:
    document = load(name)
    expected_required = {"webpubsub/2020-10-01.yaml": False, "signalr/v1.yaml": None}.get(
        name, True
    )
    for path, method, operation in operations(document):
        found = [p for p in parameters(document, path, operation) if p["name"] == "api-version"]
        if expected_required is None:
            assert found == [], (method, path)
            continue
        assert len(found) == 1, (method, path)
        assert found[0]["in"] == "query"
        assert bool(found[0].get("required")) is expected_required
        assert found[0]["schema"].get("default") == document["info"]["version"]


def test_the_paged_operation_names_its_next_link() -> None:
    document = load("webpubsub/2024-12-01.yaml")
    paged = [
        (operation["operationId"], operation["x-ms-pageable"])
        for _, _, operation in operations(document)
        if "x-ms-pageable" in operation
    ]
    assert paged == [("ListConnectionsInGroup", {"nextLinkName": "nextLink", "itemName": "value"})]


def _action(path: str, method: str, operation_id: str) -> tuple[str, str]:
    """What an operation does, independent of version: the path below the hub, sends and checks unified."""
    below_hub = re.sub(r"^/api/(v1/)?(hubs/\{hub\}/?)?", "", path)
    shape = re.sub(r"{[^}]+}", "{}", below_hub).replace(":send", "").rstrip("/")
    # v1 checks existence with GET where later versions use HEAD.
    verb = "head" if method == "get" and operation_id.endswith("Exists") else method
    return verb, shape


def test_the_same_action_keeps_its_operation_id_across_versions() -> None:
    seen: dict[tuple[str, str], set[str]] = {}
    for name in EXPECTED:
        for path, method, operation in operations(load(name)):
            operation_id = operation["operationId"]
            seen.setdefault(_action(path, method, operation_id), set()).add(operation_id)
    assert {action: ids for action, ids in seen.items() if len(ids) > 1} == {}


def test_send_bodies_carry_the_content_types_the_service_reads() -> None:
    for name in EXPECTED:
        document = load(name)
        for _, _, operation in operations(document):
            if not operation["operationId"].startswith("SendTo"):
                continue
            body = resolve(document, operation["requestBody"])
            assert body["required"] is True
            if name.startswith("webpubsub"):
                assert sorted(body["content"]) == [
                    "application/json",
                    "application/octet-stream",
                    "text/plain",
                ]
            else:
                assert body["content"] == {
                    "application/json": {"schema": {"$ref": "#/components/schemas/PayloadMessage"}}
                }
