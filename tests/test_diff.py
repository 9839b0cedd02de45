"""The API diff: the pinned changes between consecutive real versions, each classification rule
on a small synthetic pair, and the `diff` command."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from generator import ir
from generator.cli import main
from generator.diff import compare
from generator.load import LoadedSpec, load_spec
from generator.normalize import normalize
from generator.pipeline import load_services
from generator.validate import validate_spec
from tests.conftest import FIXTURES, SAMPLE_SPEC
from tests.versions import versions

ROOT = Path(__file__).resolve().parent.parent
EXPECTED = Path(__file__).parent / "expected_changes"
Document = dict[str, Any]


def lines(comparison: ir.Comparison) -> list[str]:
    return [
        f"{c.severity} | {c.operation or '-'} | {c.place} | {c.what}" for c in comparison.changes
    ]


@pytest.fixture(scope="module")
def changelogs() -> dict[str, ir.Comparison]:
    services = load_services(ROOT / "specs", ROOT)
    return {f"{c.service}-{c.old}-{c.new}": c for s in services for c in s.changelog}


def between_published(service: str, old: str, new: str) -> ir.Comparison:
    """Two of the real specs compared directly: they need not stay consecutive versions."""
    versions = [
        normalize(
            load_spec(
                ROOT / "specs" / service / f"{version}.yaml", f"specs/{service}/{version}.yaml"
            )
        )
        for version in (old, new)
    ]
    return compare(*versions)


# --- the real specs --------------------------------------------------------------------------


def test_every_consecutive_pair_is_pinned(changelogs: dict[str, ir.Comparison]) -> None:
    for name, comparison in changelogs.items():
        pinned = EXPECTED / f"{name}.txt"
        found = "\n".join(lines(comparison))
        assert pinned.exists(), (
            f"review these changes, then pin them in {pinned.relative_to(ROOT)}, one per line"
            f" as listed (an empty file when there are none):\n{found or '(no changes)'}"
        )
        assert lines(comparison) == pinned.read_text().splitlines(), name
    assert sorted(changelogs) == sorted(p.stem for p in EXPECTED.glob("*.txt")), "stale pins"


def test_signalr_v1_to_2022_06_01() -> None:
    changes = lines(between_published("signalr", "v1", "2022-06-01"))
    # The HEAD existence checks moved under the new prefix; their GET forms are gone.
    for operation, path in (
        ("ConnectionExists", "connections/{connectionId}"),
        ("GroupExists", "groups/{group}"),
        ("UserExists", "users/{user}"),
    ):
        assert (
            f"breaking | {operation} | operation | moved from `HEAD /api/v1/hubs/{{hub}}/{path}`"
            f" to `HEAD /api/hubs/{{hub}}/{path}`"
        ) in changes
        assert (
            f"breaking | {operation}ViaGet | operation | removed: `GET /api/v1/hubs/{{hub}}/{path}`"
        ) in changes
    # Every other operation of v1 moved: the prefix /api/v1 became /api.
    moved = [c for c in changes if "| operation | moved from `" in c]
    assert len(moved) == 15
    for change in moved:
        old, new = change.split(" to `")
        assert "/api/v1/" in old and "/api/v1/" not in new, change
    assert "breaking | - | api-version | absent → required query parameter" in changes
    for operation in ("CloseAllConnections", "CloseGroupConnections", "CloseUserConnections"):
        assert any(c.startswith(f"compatible | {operation} | operation | added:") for c in changes)
    assert (
        "breaking | AddUserToGroup | arguments | positional arguments reordered:"
        " (group, user) → (user, group)"
    ) in changes
    assert "breaking | - | model PayloadMessage: property target | became required" in changes


def test_webpubsub_2020_10_01_to_2024_12_01() -> None:
    changes = lines(between_published("webpubsub", "2020-10-01", "2024-12-01"))
    assert "breaking | SendToAll | parameter hub | moved from query to path" in changes
    assert "breaking | SendToAll | parameter hub | became required" in changes
    assert "breaking | AddUserToGroup | parameter ttl | removed (query)" in changes
    assert (
        "warning | SendToUser | parameter id | path variable renamed to `userId` (argument `user_id`)"
    ) in changes
    assert (
        "compatible | ListConnectionsInGroup | operation | added:"
        " `GET /api/hubs/{hub}/groups/{group}/connections`"
    ) in changes


# --- each rule on a synthetic pair -----------------------------------------------------------


Change = Callable[[Document], None]
SEND = "/api/hubs/{hub}/:send"
USER = "/api/hubs/{hub}/users/{userId}"


def version_of(document: Document) -> ir.Version:
    spec = LoadedSpec(SAMPLE_SPEC, "webpubsub", document)
    validate_spec(spec)
    return normalize(spec)


def between(before: Change | None, after: Change | None) -> list[str]:
    """The changes from the sample spec edited by `before` to the sample edited by `after`."""
    documents = []
    for change in (before, after):
        document = copy.deepcopy(load_spec(FIXTURES / SAMPLE_SPEC, SAMPLE_SPEC).document)
        if change:
            change(document)
        documents.append(version_of(document))
    return lines(compare(*documents))


def query(document: Document, path: str, method: str, name: str) -> Document:
    parameters = document["paths"][path][method]["parameters"]
    found: Document = next(p for p in parameters if p.get("name") == name)
    return found


def schema(document: Document, name: str) -> Document:
    found: Document = document["components"]["schemas"][name]
    return found


def set_in(*keys: str, value: Any) -> Change:
    def change(document: Document) -> None:
        target = document
        for key in keys[:-1]:
            target = target[key]
        target[keys[-1]] = value

    return change


def delete(*keys: str) -> Change:
    def change(document: Document) -> None:
        target = document
        for key in keys[:-1]:
            target = target[key]
        del target[keys[-1]]

    return change


def ttl(key: str, value: Any) -> Change:
    return lambda d: query(d, SEND, "post", "messageTtlSeconds")["schema"].__setitem__(key, value)


def add_query(name: str, required: bool) -> Change:
    parameter = {"name": name, "in": "query", "required": required, "schema": {"type": "string"}}
    return lambda d: d["paths"][SEND]["post"]["parameters"].append(parameter)


def add_property(model: str, name: str, required: bool) -> Change:
    def change(document: Document) -> None:
        schema(document, model)["properties"][name] = {"type": "string"}
        if required:
            schema(document, model).setdefault("required", []).append(name)

    return change


def two_path_parameters(path: str) -> Change:
    """An operation with a user and a group in the path, in the order `path` gives them."""

    def change(document: Document) -> None:
        document["paths"][path] = {
            "put": {
                "operationId": "AddUserToGroup",
                "parameters": [
                    {"$ref": "#/components/parameters/Hub"},
                    {"$ref": "#/components/parameters/Group"},
                    {
                        "name": "userId",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    },
                ],
                "responses": {"200": {"description": "Success"}},
            }
        }

    return change


def rename_path_variable(client_name: str | None) -> Change:
    def change(document: Document) -> None:
        operation = document["paths"].pop(USER)
        parameter = operation["head"]["parameters"][2]
        parameter["name"] = "user"
        if client_name:
            parameter["x-client-name"] = client_name
        document["paths"]["/api/hubs/{hub}/users/{user}"] = operation

    return change


def without_api_version(document: Document) -> None:
    for item in document["paths"].values():
        for operation in item.values():
            operation["parameters"] = [
                p
                for p in operation["parameters"]
                if p != {"$ref": "#/components/parameters/ApiVersion"}
            ]


def filter_in_query_not_body(document: Document) -> None:
    del schema(document, "AddToGroupsRequest")["properties"]["filter"]
    document["paths"]["/api/hubs/{hub}/:addToGroups"]["post"]["parameters"].append(
        {"name": "filter", "in": "query", "schema": {"type": "string"}}
    )


RULES: dict[str, tuple[Change | None, Change | None, list[str]]] = {
    "nothing changed": (None, None, []),
    "operation removed": (
        None,
        delete("paths", USER),
        ["breaking | UserExists | operation | removed: `HEAD /api/hubs/{hub}/users/{userId}`"],
    ),
    "operation added": (
        delete("paths", USER),
        None,
        ["compatible | UserExists | operation | added: `HEAD /api/hubs/{hub}/users/{userId}`"],
    ),
    "operation moved": (
        None,
        lambda d: d["paths"][USER].__setitem__("get", d["paths"][USER].pop("head")),
        [
            "breaking | UserExists | operation | moved from `HEAD /api/hubs/{hub}/users/{userId}`"
            " to `GET /api/hubs/{hub}/users/{userId}`"
        ],
    ),
    "required parameter added": (
        None,
        add_query("reason", required=True),
        ["breaking | SendToAll | parameter reason | added, required (query)"],
    ),
    "optional parameter added": (
        None,
        add_query("reason", required=False),
        ["compatible | SendToAll | parameter reason | added, optional (query)"],
    ),
    "parameter removed": (
        None,
        lambda d: d["paths"][SEND]["post"]["parameters"].remove(query(d, SEND, "post", "filter")),
        ["breaking | SendToAll | parameter filter | removed (query)"],
    ),
    "parameter renamed on the wire": (
        None,
        lambda d: query(d, "/api/hubs/{hub}/:generateToken", "post", "role").__setitem__(
            "name", "roleList"
        ),
        ["breaking | GenerateClientToken | parameter role | renamed on the wire to `roleList`"],
    ),
    "parameter moved from query to body": (
        filter_in_query_not_body,
        None,
        [
            "breaking | AddConnectionsToGroups | parameter filter | moved from query to body",
            "compatible | - | model AddToGroupsRequest: property filter | added, optional",
        ],
    ),
    "parameter became required": (
        None,
        lambda d: query(d, SEND, "post", "filter").__setitem__("required", True),
        ["breaking | SendToAll | parameter filter | became required"],
    ),
    "parameter became optional": (
        lambda d: query(d, SEND, "post", "filter").__setitem__("required", True),
        None,
        ["compatible | SendToAll | parameter filter | became optional"],
    ),
    "type changed": (
        None,
        lambda d: query(d, SEND, "post", "messageTtlSeconds").__setitem__(
            "schema", {"type": "string"}
        ),
        ["breaking | SendToAll | parameter messageTtlSeconds | type integer (int32) → string"],
    ),
    "request format widened": (
        None,
        ttl("format", "int64"),
        [
            "compatible | SendToAll | parameter messageTtlSeconds | type integer (int32) → integer (int64)"
        ],
    ),
    "request format narrowed": (
        ttl("format", "int64"),
        None,
        [
            "breaking | SendToAll | parameter messageTtlSeconds | type integer (int64) → integer (int32)"
        ],
    ),
    "pattern added to a request": (
        None,
        set_in("components", "parameters", "Group", "schema", "pattern", value="^[a-z]+$"),
        [
            "breaking | GroupExists | parameter group | pattern `^[a-z]+$` added",
            "breaking | ListConnectionsInGroup | parameter group | pattern `^[a-z]+$` added",
        ],
    ),
    "pattern removed from a request": (
        set_in("components", "parameters", "Group", "schema", "pattern", value="^[a-z]+$"),
        None,
        [
            "compatible | GroupExists | parameter group | pattern `^[a-z]+$` removed",
            "compatible | ListConnectionsInGroup | parameter group | pattern `^[a-z]+$` removed",
        ],
    ),
    "pattern changed": (
        set_in("components", "parameters", "Group", "schema", "pattern", value="^[a-z]+$"),
        set_in("components", "parameters", "Group", "schema", "pattern", value="^[a-z0-9]+$"),
        [
            "breaking | GroupExists | parameter group | pattern changed from `^[a-z]+$` to"
            " `^[a-z0-9]+$`",
            "breaking | ListConnectionsInGroup | parameter group | pattern changed from `^[a-z]+$` to"
            " `^[a-z0-9]+$`",
        ],
    ),
    "maximum length lowered": (
        None,
        set_in("components", "parameters", "Group", "schema", "maxLength", value=512),
        [
            "breaking | GroupExists | parameter group | maximum length 1024 → 512",
            "breaking | ListConnectionsInGroup | parameter group | maximum length 1024 → 512",
        ],
    ),
    "maximum length raised": (
        set_in("components", "parameters", "Group", "schema", "maxLength", value=512),
        None,
        [
            "compatible | GroupExists | parameter group | maximum length 512 → 1024",
            "compatible | ListConnectionsInGroup | parameter group | maximum length 512 → 1024",
        ],
    ),
    "minimum raised": (
        None,
        ttl("minimum", 1),
        ["breaking | SendToAll | parameter messageTtlSeconds | minimum 0 → 1"],
    ),
    "maximum removed": (
        None,
        lambda d: query(d, SEND, "post", "messageTtlSeconds")["schema"].pop("maximum"),
        ["compatible | SendToAll | parameter messageTtlSeconds | maximum removed"],
    ),
    "enum value removed from a request": (
        None,
        lambda d: query(d, "/api/hubs/{hub}/:generateToken", "post", "clientType")[
            "schema"
        ].__setitem__("enum", ["Default"]),
        ["breaking | GenerateClientToken | parameter clientType | enum values removed: `MQTT`"],
    ),
    "enum value added to a request": (
        lambda d: query(d, "/api/hubs/{hub}/:generateToken", "post", "clientType")[
            "schema"
        ].__setitem__("enum", ["Default"]),
        None,
        ["compatible | GenerateClientToken | parameter clientType | enum values added: `MQTT`"],
    ),
    "default changed": (
        None,
        lambda d: query(d, "/api/hubs/{hub}/:generateToken", "post", "clientType")[
            "schema"
        ].__setitem__("default", "MQTT"),
        ["warning | GenerateClientToken | parameter clientType | default `Default` → `MQTT`"],
    ),
    "response no longer limited to an enum": (
        lambda d: schema(d, "ClientTokenResponse")["properties"]["token"].__setitem__(
            "enum", ["a"]
        ),
        None,
        [
            "breaking | - | model ClientTokenResponse: property token | no longer limited to its enum"
        ],
    ),
    "response limited to an enum": (
        None,
        lambda d: schema(d, "ClientTokenResponse")["properties"]["token"].__setitem__(
            "enum", ["a"]
        ),
        ["compatible | - | model ClientTokenResponse: property token | now limited to `a`"],
    ),
    "content type removed": (
        None,
        delete("paths", SEND, "post", "requestBody", "content", "text/plain"),
        ["breaking | SendToAll | body | content type text/plain removed"],
    ),
    "content type added": (
        delete("paths", SEND, "post", "requestBody", "content", "text/plain"),
        None,
        ["compatible | SendToAll | body | content type text/plain added"],
    ),
    "success status changed": (
        None,
        lambda d: d["paths"]["/api/hubs/{hub}/:addToGroups"]["post"]["responses"].__setitem__(
            "204", d["paths"]["/api/hubs/{hub}/:addToGroups"]["post"]["responses"].pop("200")
        ),
        [
            "breaking | AddConnectionsToGroups | response 200 | removed",
            "warning | AddConnectionsToGroups | response 204 | added",
        ],
    ),
    "error status added": (
        None,
        set_in("paths", SEND, "post", "responses", "429", value={"description": "Throttled"}),
        ["compatible | SendToAll | response 429 | added"],
    ),
    "response property removed": (
        None,
        delete("components", "schemas", "GroupMember", "properties", "userId"),
        ["breaking | - | model GroupMember: property userId | removed"],
    ),
    "response property added": (
        None,
        add_property("GroupMember", "state", required=True),
        ["compatible | - | model GroupMember: property state | added, required"],
    ),
    "response property became optional": (
        None,
        delete("components", "schemas", "GroupMember", "required"),
        ["breaking | - | model GroupMember: property connectionId | became optional"],
    ),
    "request property added, required": (
        None,
        add_property("AddToGroupsRequest", "reason", required=True),
        ["breaking | - | model AddToGroupsRequest: property reason | added, required"],
    ),
    "request property added, optional": (
        None,
        add_property("AddToGroupsRequest", "reason", required=False),
        ["compatible | - | model AddToGroupsRequest: property reason | added, optional"],
    ),
    "request property became optional": (
        None,
        delete("components", "schemas", "AddToGroupsRequest", "required"),
        ["compatible | - | model AddToGroupsRequest: property groups | became optional"],
    ),
    "authentication removed": (
        None,
        set_in("security", value=[{"AccessKey": []}]),
        ["breaking | - | authentication EntraId | removed"],
    ),
    "authentication added": (
        set_in("security", value=[{"AccessKey": []}]),
        None,
        [
            "compatible | - | authentication EntraId | added: oauth2 clientCredentials,"
            " scopes https://webpubsub.azure.com/.default"
        ],
    ),
    "api-version appeared": (
        without_api_version,
        None,
        ["breaking | - | api-version | absent → required query parameter"],
    ),
    "api-version became optional": (
        None,
        set_in("components", "parameters", "ApiVersion", "required", value=False),
        ["compatible | - | api-version | required query parameter → optional query parameter"],
    ),
    "path variable renamed, argument too": (
        None,
        rename_path_variable(client_name=None),
        [
            "warning | UserExists | parameter userId | path variable renamed to `user` (argument `user`)"
        ],
    ),
    "path variable renamed, argument kept": (
        None,
        rename_path_variable(client_name="userId"),
        ["compatible | UserExists | parameter userId | path variable renamed to `user`"],
    ),
    "positional arguments reordered": (
        two_path_parameters("/api/hubs/{hub}/groups/{group}/users/{userId}"),
        two_path_parameters("/api/hubs/{hub}/users/{userId}/groups/{group}"),
        [
            "breaking | AddUserToGroup | operation | moved from"
            " `PUT /api/hubs/{hub}/groups/{group}/users/{userId}`"
            " to `PUT /api/hubs/{hub}/users/{userId}/groups/{group}`",
            "breaking | AddUserToGroup | arguments | positional arguments reordered:"
            " (group, user_id) → (user_id, group)",
        ],
    ),
}


@pytest.mark.parametrize("rule", RULES)
def test_classification(rule: str) -> None:
    before, after, expected = RULES[rule]

    assert between(before, after) == expected


# --- the command -----------------------------------------------------------------------------


def run(*args: str, root: Path = ROOT) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--root", str(root), "diff", *args])
    return result.exit_code, result.output


@pytest.mark.parametrize("service", ["signalr", "webpubsub"])
def test_diff_defaults_to_the_two_newest_versions(service: str) -> None:
    *_, second_newest, newest = versions(service)
    assert run(service) == run(service, "--from", second_newest, "--to", newest)


def test_diff_is_markdown_by_default() -> None:
    code, output = run("signalr", "--from", "v1", "--to", "2022-06-01")

    assert code == 0
    assert output.startswith("# v1 → 2022-06-01\n\n51 breaking, 11 warnings, 49 compatible.\n")
    assert "## Breaking\n\n| operation | where | change | why |" in output
    assert (
        "| ConnectionExists | operation | moved from `HEAD /api/v1/hubs/{hub}/connections/{connectionId}`"
        " to `HEAD /api/hubs/{hub}/connections/{connectionId}` |"
    ) in output


def test_diff_as_json_lists_every_change_with_a_summary() -> None:
    code, output = run(
        "webpubsub", "--from", "2020-10-01", "--to", "2024-12-01", "--format", "json"
    )

    report = json.loads(output)
    expected = between_published("webpubsub", "2020-10-01", "2024-12-01")
    assert code == 0
    assert (report["service"], report["old"], report["new"]) == (
        "webpubsub",
        "2020-10-01",
        "2024-12-01",
    )
    assert [ir.Change(**change) for change in report["changes"]] == list(expected.changes)
    assert report["summary"] == {
        severity: len(expected.of(severity)) for severity in ("breaking", "warning", "compatible")
    }


def test_fail_on_sets_the_exit_code_by_the_worst_change(project: Path) -> None:
    newer = project / "specs/webpubsub/2099-02-01.yaml"
    document = load_spec(project / SAMPLE_SPEC, SAMPLE_SPEC).document
    query(document, "/api/hubs/{hub}/:generateToken", "post", "clientType")["schema"][
        "default"
    ] = "MQTT"
    document["info"]["version"] = "2099-02-01"
    document["components"]["parameters"]["ApiVersion"]["schema"]["default"] = "2099-02-01"
    newer.write_text(yaml.safe_dump(document, sort_keys=False))

    assert run("webpubsub", root=project)[0] == 0
    assert run("webpubsub", "--fail-on", "breaking", root=project)[0] == 0
    assert run("webpubsub", "--fail-on", "warning", root=project)[0] == 1
    assert run("signalr", "--from", "v1", "--to", "2022-06-01", "--fail-on", "breaking")[0] == 1
    code, output = run(
        "signalr", "--from", "2022-06-01", "--to", "2022-06-01", "--fail-on", "warning"
    )
    assert (code, output) == (0, "# 2022-06-01 → 2022-06-01\n\nNo changes.\n")


def test_unknown_service_or_version_is_a_usage_error() -> None:
    code, output = run("signalr", "--from", "v3")
    assert code == 2
    assert f"signalr has no version 'v3' (known: {', '.join(versions('signalr'))})" in output
    code, output = run("pubsub")
    assert code == 2
    assert "no service 'pubsub' (known: signalr, webpubsub)" in output


def test_the_order_of_a_body_s_content_types_changes_nothing() -> None:
    def binary_first(document: Document) -> None:
        body = document["paths"][SEND]["post"]["requestBody"]
        body["content"] = dict(reversed(list(body["content"].items())))

    assert between(None, binary_first) == []
