"""`import` and `compare` on small descriptions written in Microsoft's styles: Swagger 2.0 as the
Azure REST API specs write it, OpenAPI 3.0.1 as Swashbuckle writes it."""

from __future__ import annotations

import copy
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from generator.validate import VOCABULARY
from click.testing import CliRunner

from generator.cli import main
from generator.compare import Difference, compare_documents, undeliberate
from generator.load import load_spec
from generator.published import read_document

ROOT = Path(__file__).resolve().parent.parent
Document = dict[str, Any]

_HUB = {
    "in": "path",
    "name": "hub",
    "description": "Target hub name.",
    "required": True,
    "type": "string",
    "pattern": "^[A-Za-z][A-Za-z0-9_`,.[\\]]{0,127}$",
}
_API_VERSION = {
    "in": "query",
    "name": "api-version",
    "description": "The version of the REST APIs.",
    "required": True,
    "type": "string",
}
_GROUP = {
    "in": "path",
    "name": "group",
    "description": "Target group name.",
    "required": True,
    "type": "string",
    "minLength": 1,
    "maxLength": 1024,
}
_ERROR = {
    "description": "Error response",
    "schema": {"$ref": "#/definitions/ErrorDetail"},
    "x-ms-error-response": True,
    "headers": {"x-ms-error-code": {"x-ms-client-name": "ErrorCode", "type": "string"}},
}
_HEAD_ERROR = {
    "description": "Error response",
    "x-ms-error-response": True,
    "headers": {"x-ms-error-code": {"x-ms-client-name": "ErrorCode", "type": "string"}},
}


def swagger_description() -> Document:
    """A Web PubSub version as the Azure REST API specs describe one, in Swagger 2.0."""
    return {
        "swagger": "2.0",
        "info": {"title": "Azure Web PubSub Service REST API", "version": "2030-01-01"},
        "paths": {
            "/api/health": {
                "head": {
                    "tags": ["general"],
                    "operationId": "HealthApi_GetServiceStatus",
                    "summary": "Get service health status.",
                    "parameters": [_API_VERSION],
                    "responses": {"200": {"description": "The service is healthy"}},
                }
            },
            "/api/hubs/{hub}/:send": {
                "post": {
                    "operationId": "WebPubSub_SendToAll",
                    "summary": "Broadcast content to all connections.",
                    "consumes": ["application/octet-stream", "text/plain", "application/json"],
                    "produces": ["application/json"],
                    "parameters": [
                        _HUB,
                        {
                            "in": "query",
                            "name": "excluded",
                            "description": "Excluded connection Ids.",
                            "type": "array",
                            "items": {"type": "string"},
                            "collectionFormat": "multi",
                        },
                        _API_VERSION,
                        {
                            "in": "body",
                            "name": "message",
                            "description": "The payload body.",
                            "required": True,
                            "schema": {"type": "string", "format": "binary"},
                        },
                    ],
                    "responses": {"202": {"description": "Accepted"}, "default": _ERROR},
                    "x-ms-examples": {"send": {"$ref": "./examples/send.json"}},
                }
            },
            "/api/hubs/{hub}/groups/{group}": {
                "head": {
                    "operationId": "WebPubSub_GroupExists",
                    "summary": "Check if there are any connections in the group.",
                    "parameters": [_HUB, _GROUP, _API_VERSION],
                    "responses": {
                        "200": {"description": "OK"},
                        "404": {"description": "Not Found"},
                        "default": _HEAD_ERROR,
                    },
                }
            },
            "/api/hubs/{hub}/connections/{connectionId}": {
                "head": {
                    "operationId": "WebPubSub_ConnectionExists",
                    "summary": "Check if the connection exists.",
                    "parameters": [
                        _HUB,
                        {
                            "in": "path",
                            "name": "connectionId",
                            "description": "The connection Id.",
                            "required": True,
                            "type": "string",
                            "minLength": 1,
                        },
                        _API_VERSION,
                    ],
                    # The 404 is forgotten, as some published descriptions do.
                    "responses": {"200": {"description": "OK"}, "default": _HEAD_ERROR},
                }
            },
            "/api/hubs/{hub}/:generateToken": {
                "post": {
                    "operationId": "WebPubSub_GenerateClientToken",
                    "summary": "Generate a token for a client.",
                    "produces": ["text/plain", "application/json", "text/json"],
                    "parameters": [
                        _HUB,
                        {
                            "in": "query",
                            "name": "userId",
                            "x-ms-client-name": "user",
                            "description": "User Id.",
                            "type": "string",
                        },
                        {
                            "in": "query",
                            "name": "minutesToExpire",
                            "description": "Minutes until the token expires.",
                            "type": "integer",
                            "format": "int32",
                            "default": 60,
                            "minimum": 1,
                        },
                        {
                            "in": "query",
                            "name": "clientType",
                            "description": "The type of client.",
                            "type": "string",
                            "default": "Default",
                            "enum": ["Default", "MQTT"],
                            "x-ms-enum": {"name": "WebPubSubClientType", "modelAsString": True},
                        },
                        _API_VERSION,
                    ],
                    "responses": {
                        "200": {
                            "description": "OK",
                            "schema": {"$ref": "#/definitions/ClientTokenResponse"},
                        },
                        "default": _ERROR,
                    },
                }
            },
            "/api/hubs/{hub}/groups/{group}/connections": {
                "get": {
                    "operationId": "WebPubSub_ListConnectionsInGroup",
                    "summary": "List connections in a group.",
                    "x-ms-pageable": {"nextLinkName": "nextLink"},
                    "produces": ["application/json"],
                    "parameters": [
                        _HUB,
                        _GROUP,
                        {
                            "in": "query",
                            "name": "maxpagesize",
                            "description": "The most connections a page holds.",
                            "type": "integer",
                            "format": "int32",
                            "minimum": 1,
                            "maximum": 200,
                        },
                        _API_VERSION,
                    ],
                    "responses": {
                        "200": {
                            "description": "OK",
                            "schema": {"$ref": "#/definitions/GroupMemberPagedValues"},
                        },
                        "default": _ERROR,
                    },
                }
            },
        },
        "definitions": {
            "ClientTokenResponse": {
                "type": "object",
                "properties": {"token": {"type": "string"}},
                "additionalProperties": False,
            },
            "ErrorDetail": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"},
                    "message": {"type": "string"},
                    "details": {"type": "array", "items": {"$ref": "#/definitions/ErrorDetail"}},
                },
            },
            "GroupMember": {
                "type": "object",
                "required": ["connectionId"],
                "properties": {
                    "connectionId": {"type": "string", "example": "connection1"},
                    "userId": {"type": "string"},
                },
            },
            "GroupMemberPagedValues": {
                "type": "object",
                "required": ["value"],
                "properties": {
                    "value": {"type": "array", "items": {"$ref": "#/definitions/GroupMember"}},
                    "nextLink": {"type": "string", "format": "uri"},
                },
            },
            "Unused": {"type": "object", "properties": {"x": {"type": "string"}}},
        },
        "x-ms-parameterized-host": {
            "hostTemplate": "{endpoint}",
            "useSchemePrefix": False,
            "parameters": [
                {
                    "name": "endpoint",
                    "in": "path",
                    "required": True,
                    "type": "string",
                    "format": "url",
                    "x-ms-skip-url-encoding": True,
                }
            ],
        },
    }


def swashbuckle_description() -> Document:
    """A SignalR version as Swashbuckle writes one: OpenAPI 3.0.1, text/plain 400s."""
    bad_request = {
        "description": "Bad Request",
        "content": {"text/plain": {"schema": {"type": "string"}}},
    }
    hub = {
        "name": "hub",
        "in": "path",
        "description": "Target hub name.",
        "required": True,
        "schema": {"type": "string"},
    }
    return {
        "openapi": "3.0.1",
        "info": {"title": "Azure SignalR Service REST API", "version": "v9"},
        "paths": {
            "/api/v9/hubs/{hub}": {
                "post": {
                    "tags": ["signalr.v9"],
                    "summary": "Broadcast a message to all clients connected to target hub.",
                    "operationId": "HubProxyControllerV9_Post_Broadcast",
                    "parameters": [
                        hub,
                        {
                            "name": "excluded",
                            "in": "query",
                            "description": "Excluded connection Ids",
                            "schema": {"type": "array", "items": {"type": "string"}},
                        },
                    ],
                    "requestBody": {
                        "description": "The message body.",
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/PayloadMessage"}
                            }
                        },
                    },
                    "responses": {"202": {"description": "Success"}, "400": bad_request},
                }
            },
            "/api/v9/hubs/{hub}/users/{user}": {
                "head": {
                    "tags": ["signalr.v9"],
                    "summary": "Check if there are any client connections for the given user",
                    "operationId": "HubProxyControllerV9_Head_CheckUserExistence",
                    "parameters": [
                        hub,
                        {
                            "name": "user",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                    ],
                    "responses": {
                        "200": {"description": "Success"},
                        "404": {"description": "Not Found"},
                        "400": bad_request,
                    },
                }
            },
        },
        "components": {
            "schemas": {
                "PayloadMessage": {
                    "type": "object",
                    "properties": {
                        "target": {"type": "string", "nullable": True},
                        "arguments": {"type": "array", "items": {}, "nullable": True},
                    },
                    "additionalProperties": False,
                }
            },
            "securitySchemes": {
                "Bearer": {"type": "apiKey", "name": "Authorization", "in": "header"}
            },
        },
        "security": [{"Bearer": []}],
    }


@pytest.fixture
def scratch(tmp_path: Path) -> Path:
    """A project folder holding the newest spec of each service to carry forward from."""
    for name in ("webpubsub/2024-12-01.yaml", "signalr/2022-06-01.yaml"):
        target = tmp_path / "specs" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / "specs" / name, target)
    shutil.copy(ROOT / "specs" / VOCABULARY, tmp_path / "specs" / VOCABULARY)
    return tmp_path


def write(folder: Path, name: str, document: Document, *, as_yaml: bool = False) -> Path:
    path = folder / name
    path.write_text(yaml.safe_dump(document) if as_yaml else json.dumps(document, indent=2))
    return path


def cli(root: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--root", str(root), *args])
    return result.exit_code, result.output


def imported(scratch: Path, tmp_path: Path, service: str, description: Document) -> Document:
    """The spec `import` writes from the description, as loaded."""
    source = write(tmp_path, f"{service}.json", description)
    code, output = cli(scratch, "import", service, str(source))
    assert code == 0, output
    version = description["info"]["version"]
    return load_spec(scratch / "specs" / service / f"{version}.yaml", "spec").document


# --- import ----------------------------------------------------------------------------------


def test_import_writes_a_spec_that_follows_the_conventions(scratch: Path, tmp_path: Path) -> None:
    source = write(tmp_path, "webpubsub.json", swagger_description())

    code, output = cli(scratch, "import", "webpubsub", str(source))

    assert code == 0, output
    text = (scratch / "specs/webpubsub/2030-01-01.yaml").read_text()
    assert text.startswith("# Azure Web PubSub Service REST API, version 2030-01-01, imported")
    assert "webpubsub.json" in text.splitlines()[1]
    spec = load_spec(scratch / "specs/webpubsub/2030-01-01.yaml", "spec").document
    assert spec["openapi"] == "3.0.3"
    assert spec["info"]["version"] == "2030-01-01"
    ids = [o["operationId"] for item in spec["paths"].values() for o in item.values()]
    assert ids == [
        "GetServiceStatus",
        "SendToAll",
        "GroupExists",
        "ConnectionExists",
        "GenerateClientToken",
        "ListConnectionsInGroup",
    ]
    newest = load_spec(scratch / "specs/webpubsub/2024-12-01.yaml", "newest").document
    assert spec["security"] == newest["security"]
    assert spec["servers"] == newest["servers"]
    assert spec["components"]["securitySchemes"] == newest["components"]["securitySchemes"]
    parameters = spec["components"]["parameters"]
    assert parameters["Hub"]["schema"] == {"type": "string", "pattern": "^[A-Za-z][A-Za-z0-9_]*$"}
    assert "x-deviation" in parameters["Hub"]
    assert parameters["ApiVersion"]["schema"]["default"] == "2030-01-01"
    assert parameters["Group"]["schema"] == {"type": "string", "minLength": 1, "maxLength": 1024}
    send = spec["paths"]["/api/hubs/{hub}/:send"]["post"]
    excluded = send["parameters"][1]
    assert (excluded["style"], excluded["explode"]) == ("form", True)
    body = spec["components"]["requestBodies"]["Message"] if "$ref" in send["requestBody"] else {}
    body = body or send["requestBody"]
    assert body["content"] == {
        "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        "text/plain": {"schema": {"type": "string"}},
        "application/json": {"schema": {}},
    }
    assert body["x-body-name"] == "message"
    token = spec["paths"]["/api/hubs/{hub}/:generateToken"]["post"]
    user = token["parameters"][1]
    assert (user["name"], user["x-client-name"]) == ("userId", "user")
    assert list(token["responses"]["200"]["content"]) == ["application/json"]
    client_type = token["parameters"][3]
    # The newest spec keeps SocketIO on purpose; the import carries the decision forward.
    assert client_type["schema"]["enum"] == ["Default", "MQTT", "SocketIO"]
    exists = spec["paths"]["/api/hubs/{hub}/connections/{connectionId}"]["head"]["responses"]
    assert list(exists) == ["200", "404", "default"]
    assert "x-deviation" in exists["404"]
    paged = spec["paths"]["/api/hubs/{hub}/groups/{group}/connections"]["get"]
    assert paged["x-ms-pageable"] == {"nextLinkName": "nextLink", "itemName": "value"}
    assert sorted(spec["components"]["schemas"]) == [
        "ClientTokenResponse",
        "ErrorDetail",
        "GroupMember",
        "GroupMemberPagedValues",
    ]
    assert "example:" not in text and "x-ms-examples" not in text and "tags:" not in text
    assert str(tmp_path) not in text


def test_an_imported_send_body_is_the_same_body_to_the_api_diff(
    scratch: Path, tmp_path: Path
) -> None:
    # The description's `consumes` lists octet-stream first; the newest spec, written by hand,
    # lists JSON first. On the wire the bodies are the same, so the diff must see no change.
    spec = imported(scratch, tmp_path, "webpubsub", swagger_description())
    body = spec["paths"]["/api/hubs/{hub}/:send"]["post"]["requestBody"]
    body = spec["components"]["requestBodies"]["Message"] if "$ref" in body else body
    assert list(body["content"]) == ["application/json", "text/plain", "application/octet-stream"]

    code, output = cli(
        scratch,
        "diff",
        "webpubsub",
        "--from",
        "2024-12-01",
        "--to",
        "2030-01-01",
        "--format",
        "json",
    )

    assert code == 0, output
    changes = json.loads(output)["changes"]
    assert any(c["operation"] == "SendToAll" for c in changes)  # messageTtlSeconds is gone
    assert [c for c in changes if c["operation"] == "SendToAll" and c["place"] == "body"] == []


def test_import_is_deterministic_and_refuses_to_overwrite(scratch: Path, tmp_path: Path) -> None:
    source = write(tmp_path, "webpubsub.yaml", swagger_description(), as_yaml=True)
    target = scratch / "specs/webpubsub/2030-01-01.yaml"

    assert cli(scratch, "import", "webpubsub", str(source))[0] == 0
    first = target.read_text()
    target.write_text("kept")
    code, output = cli(scratch, "import", "webpubsub", str(source))

    assert code == 1
    assert "specs/webpubsub/2030-01-01.yaml" in output and "--force" in output
    assert target.read_text() == "kept"
    assert cli(scratch, "import", "webpubsub", str(source), "--force")[0] == 0
    assert target.read_text() == first


def test_import_names_the_fault_in_a_bad_description(scratch: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('{"swagger": "2.0", "paths": {')
    neither = write(tmp_path, "neither.json", {"info": {"version": "1"}})

    code, output = cli(scratch, "import", "webpubsub", str(broken))
    assert code == 1 and "broken.json: line 1" in output and "invalid JSON" in output
    code, output = cli(scratch, "import", "webpubsub", str(neither))
    assert code == 1 and "swagger: 2.0" in output
    code, output = cli(
        scratch, "import", "nosuch", str(write(tmp_path, "ok.json", swagger_description()))
    )
    assert code == 1 and "no spec to carry forward" in output


@pytest.mark.parametrize(
    ("service", "make", "module"),
    [
        ("webpubsub", swagger_description, "v2030_01_01"),
        ("signalr", swashbuckle_description, "v9"),
    ],
)
def test_an_imported_spec_generates_a_client_whose_tests_pass(
    scratch: Path,
    tmp_path: Path,
    service: str,
    make: Callable[[], Document],
    module: str,
) -> None:
    source = write(tmp_path, f"{service}.json", make())
    assert cli(scratch, "import", service, str(source))[0] == 0
    imported = next(
        p
        for p in (scratch / "specs" / service).glob("*.yaml")
        if "2024" not in p.name and "2022" not in p.name
    )

    # compare of the result against its source finds only deliberate differences.
    code, output = cli(scratch, "compare", str(imported), str(source))
    assert code == 0, output
    code, output = cli(scratch, "generate")
    assert code == 0, output

    tests = scratch / "generated" / "tests" / service / f"test_{module}.py"
    environment = {**os.environ, "PYTHONPATH": str(scratch / "generated")}
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tests)],
        cwd=scratch,
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert " passed" in run.stdout


def test_the_swashbuckle_import_keeps_the_text_errors_and_the_head_check(
    scratch: Path, tmp_path: Path
) -> None:
    spec = imported(scratch, tmp_path, "signalr", swashbuckle_description())

    check = spec["paths"]["/api/v9/hubs/{hub}/users/{user}"]["head"]
    assert check["operationId"] == "UserExists"
    assert list(check["responses"]) == ["200", "404", "400"]
    assert spec["paths"]["/api/v9/hubs/{hub}"]["post"]["operationId"] == "SendToAll"
    assert spec["components"]["responses"]["ErrorResponse"]["content"] == {
        "text/plain": {"schema": {"type": "string"}}
    }
    # Swashbuckle's own security scheme gives way to the conventions' two.
    assert sorted(spec["components"]["securitySchemes"]) == ["AccessKey", "EntraId"]


# --- compare ---------------------------------------------------------------------------------


def published() -> Document:
    return read_document_from(swagger_description())


def read_document_from(document: Document) -> Document:
    from generator.published import to_openapi3

    return to_openapi3(copy.deepcopy(document), "published.json")


def operation(document: Document, path: str, method: str) -> dict[str, Any]:
    return document["paths"][path][method]  # type: ignore[no-any-return]


def places(differences: list[Difference]) -> dict[str, Difference]:
    return {d.place: d for d in differences}


SEND = "/api/hubs/{hub}/:send"
TOKEN = "/api/hubs/{hub}/:generateToken"
LIST = "/api/hubs/{hub}/groups/{group}/connections"


def _param(document: Document, path: str, method: str, name: str) -> dict[str, Any]:
    found = [p for p in operation(document, path, method)["parameters"] if p["name"] == name]
    return found[0]  # type: ignore[no-any-return]


ALTERATIONS: list[tuple[str, Callable[[Document], None], str, str]] = [
    (
        "operation gone",
        lambda d: d["paths"][SEND].pop("post"),
        "POST /api/hubs/{}/:send",
        "only in published",
    ),
    (
        "required",
        lambda d: _param(d, TOKEN, "post", "userId").update(required=True),
        "POST /api/hubs/{}/:generateToken › parameter query userId › required",
        "differs",
    ),
    (
        "type",
        lambda d: _param(d, TOKEN, "post", "minutesToExpire")["schema"].update(type="string"),
        "POST /api/hubs/{}/:generateToken › parameter query minutesToExpire › type",
        "differs",
    ),
    (
        "format",
        lambda d: _param(d, TOKEN, "post", "minutesToExpire")["schema"].update(format="int64"),
        "POST /api/hubs/{}/:generateToken › parameter query minutesToExpire › format",
        "differs",
    ),
    (
        "array style",
        lambda d: _param(d, SEND, "post", "excluded").update(explode=False),
        "POST /api/hubs/{}/:send › parameter query excluded › array style",
        "differs",
    ),
    (
        "pattern",
        lambda d: _param(d, SEND, "post", "hub")["schema"].update(pattern="^a$"),
        "POST /api/hubs/{}/:send › parameter path hub › pattern",
        "differs",
    ),
    (
        "length",
        lambda d: _param(d, LIST, "get", "group")["schema"].update(maxLength=10),
        "GET /api/hubs/{}/groups/{}/connections › parameter path group › maxLength",
        "differs",
    ),
    (
        "range",
        lambda d: _param(d, LIST, "get", "maxpagesize")["schema"].pop("maximum"),
        "GET /api/hubs/{}/groups/{}/connections › parameter query maxpagesize › maximum",
        "only in published",
    ),
    (
        "enum",
        lambda d: _param(d, TOKEN, "post", "clientType")["schema"].update(enum=["Default"]),
        "POST /api/hubs/{}/:generateToken › parameter query clientType › enum",
        "differs",
    ),
    (
        "default",
        lambda d: _param(d, TOKEN, "post", "minutesToExpire")["schema"].update(default=5),
        "POST /api/hubs/{}/:generateToken › parameter query minutesToExpire › default",
        "differs",
    ),
    (
        "parameter gone",
        lambda d: operation(d, SEND, "post")["parameters"].pop(1),
        "POST /api/hubs/{}/:send › parameter query excluded",
        "only in published",
    ),
    (
        "body content type",
        lambda d: operation(d, SEND, "post")["requestBody"]["content"].pop("text/plain"),
        "POST /api/hubs/{}/:send › request body › content text/plain",
        "only in published",
    ),
    (
        "response code",
        lambda d: operation(d, SEND, "post")["responses"].update({"204": {"description": "x"}}),
        "POST /api/hubs/{}/:send › response 204",
        "only in ours",
    ),
    (
        "response schema",
        lambda d: d["components"]["schemas"]["ClientTokenResponse"]["properties"].update(
            expiresOn={"type": "string"}
        ),
        "POST /api/hubs/{}/:generateToken › response 200 › content application/json"
        " › property expiresOn",
        "only in ours",
    ),
    (
        "error schema",
        lambda d: d["components"]["schemas"]["ErrorDetail"]["properties"].pop("code"),
        "POST /api/hubs/{}/:send › response default › content application/json › property code",
        "only in published",
    ),
    (
        "header",
        lambda d: operation(d, SEND, "post")["responses"]["default"]["headers"].pop(
            "x-ms-error-code"
        ),
        "POST /api/hubs/{}/:send › response default › header x-ms-error-code",
        "only in published",
    ),
]


@pytest.mark.parametrize(
    ("alter", "place", "kind"),
    [pytest.param(a, p, k, id=name) for name, a, p, k in ALTERATIONS],
)
def test_compare_reports_each_kind_of_difference(
    alter: Callable[[Document], None], place: str, kind: str
) -> None:
    ours = published()
    alter(ours)

    found = places(compare_documents(ours, published()))

    assert place in found, sorted(found)
    assert found[place].kind == kind
    assert found[place].deliberate is None


def test_compare_finds_nothing_between_a_description_and_itself() -> None:
    assert compare_documents(published(), published()) == []


def test_path_variable_names_and_client_names_are_not_differences() -> None:
    ours = published()
    item = ours["paths"].pop(LIST)
    for parameter in item["get"]["parameters"]:
        if parameter["name"] == "group":
            parameter["name"] = "groupName"
    ours["paths"]["/api/hubs/{hub}/groups/{groupName}/connections"] = item
    for parameter in item["get"]["parameters"]:
        parameter["x-client-name"] = "renamed"
    item["get"]["operationId"] = "Renamed"
    ours["components"]["schemas"]["Renamed"] = ours["components"]["schemas"].pop("GroupMember")
    ours["components"]["schemas"]["GroupMemberPagedValues"]["properties"]["value"]["items"] = {
        "$ref": "#/components/schemas/Renamed"
    }

    assert compare_documents(ours, published()) == []


def test_x_deviation_marks_a_difference_deliberate_at_its_node_and_below() -> None:
    ours = published()
    _param(ours, SEND, "post", "hub")["schema"]["pattern"] = "^a$"
    _param(ours, SEND, "post", "hub")["x-deviation"] = "our hub rule"
    operation(ours, TOKEN, "post")["responses"]["200"]["x-deviation"] = "JSON only"
    operation(ours, TOKEN, "post")["responses"]["200"]["content"].pop("text/json")
    ours["paths"][SEND]["post"]["x-deviation"] = "sends differ"
    operation(ours, SEND, "post")["responses"]["default"]["headers"].pop("x-ms-error-code")
    ours["x-deviations"] = {"HEAD /api/health": "left out on purpose"}
    ours["paths"].pop("/api/health")

    differences = places(compare_documents(ours, published()))

    assert differences["POST /api/hubs/{}/:send › parameter path hub › pattern"].deliberate == (
        "our hub rule"
    )
    assert (
        differences[
            "POST /api/hubs/{}/:generateToken › response 200 › content text/json"
        ].deliberate
        == "JSON only"
    )
    assert (
        differences[
            "POST /api/hubs/{}/:send › response default › header x-ms-error-code"
        ].deliberate
        == "sends differ"
    )
    assert differences["HEAD /api/health"].deliberate == "left out on purpose"
    assert undeliberate(list(differences.values())) == []


def test_compare_command_exits_1_while_a_difference_is_not_deliberate(tmp_path: Path) -> None:
    ours = published()
    _param(ours, SEND, "post", "hub")["schema"]["pattern"] = "^a$"
    source = write(tmp_path, "published.json", swagger_description())
    spec = write(tmp_path, "ours.yaml", ours, as_yaml=True)

    code, output = cli(tmp_path, "compare", str(spec), str(source))
    assert code == 1
    assert "POST /api/hubs/{}/:send › parameter path hub › pattern: ours ^a$, published" in output
    assert output.rstrip().endswith("1 differences, 0 deliberate, 1 not")

    _param(ours, SEND, "post", "hub")["x-deviation"] = "our hub rule"
    write(tmp_path, "ours.yaml", ours, as_yaml=True)
    code, output = cli(tmp_path, "compare", str(spec), str(source), "--format", "json")
    assert code == 0
    report = json.loads(output)
    assert report["summary"] == {"total": 1, "not deliberate": 0}
    assert report["differences"][0]["deliberate"] == "our hub rule"


@pytest.mark.parametrize(
    ("name", "official"),
    [
        ("webpubsub/2024-12-01.yaml", "webpubsub/2024-12-01.yaml"),
        ("signalr/v1.yaml", "signalr/v1.yaml"),
    ],
)
def test_each_spec_compared_with_itself_agrees(name: str, official: str) -> None:
    document = read_document(ROOT / "specs" / name, name)
    assert compare_documents(document, read_document(ROOT / "specs" / official, official)) == []
