"""New API versions whose operations differ from today's generate correct clients without a
template change, and spec names that would collide in Python are refused."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from generator.cli import main
from tests.conftest import FIXTURES, SAMPLE_SPEC, write_project

ROOT = Path(__file__).resolve().parent.parent
NEWEST_WEB_PUBSUB = ROOT / "specs" / "webpubsub" / "2024-12-01.yaml"
OLDER = "2021-10-01"
# GenerateClientToken of Web PubSub 2021-10-01 takes only these inputs.
OLDER_TOKEN_INPUTS = {"userId", "role", "minutesToExpire"}

ENTRA_TOKEN_SCRIPT = """
import json
from realtime_rest import NO_RETRIES, MockTransport, Reply
from realtime_rest._runtime import AccessToken
from realtime_rest.webpubsub.v2021_10_01 import WebPubSubClient

class Credential:
    def get_token(self, *scopes, **kwargs):
        return AccessToken("entra-token", 4102444800)

sent = []
def answer(request):
    sent.append(request.url)
    return Reply.with_json(200, {"token": "issued"})

client = WebPubSubClient(
    "https://contoso.webpubsub.azure.com", Credential(), hub="chat",
    transport=MockTransport(answer), retry_policy=NO_RETRIES,
)
token = client.get_client_access_token(user_id="ann", roles=["webpubsub.sendToGroup"])
try:
    client.get_client_access_token(groups=["readers"])
    refused = None
except ValueError as error:
    refused = str(error)
print(json.dumps({"token": token.token, "sent": sent, "refused": refused}))
"""


def _older_web_pubsub() -> dict[str, Any]:
    document = yaml.safe_load(NEWEST_WEB_PUBSUB.read_text(encoding="utf-8"))
    document["info"]["version"] = OLDER
    for parameter in document["components"]["parameters"].values():
        if parameter["name"] == "api-version":
            parameter["schema"]["default"] = OLDER
    shared = document["components"]["parameters"]
    kept = OLDER_TOKEN_INPUTS | {"hub", "api-version"}
    for item in document["paths"].values():
        token = item.get("post", {})
        if token.get("operationId") == "GenerateClientToken":
            token["parameters"] = [
                p
                for p in token["parameters"]
                if shared[p["$ref"].rsplit("/", 1)[-1]]["name"] in kept
            ]
    for unused in ("TokenGroup", "ClientType"):
        del shared[unused]
    return document


def _run(command: list[str], project: Path) -> subprocess.CompletedProcess[str]:
    environment = {**os.environ, "PYTHONPATH": str(project / "generated")}
    return subprocess.run(command, capture_output=True, text=True, cwd=project, env=environment)


def test_a_version_with_a_smaller_generate_client_token_generates_a_working_client(
    tmp_path: Path,
) -> None:
    project = write_project(tmp_path, {f"webpubsub/{OLDER}.yaml": _older_web_pubsub()})
    result = CliRunner().invoke(main, ["--root", str(project), "generate"])
    assert result.exit_code == 0, result.output

    typed = _run(
        [
            sys.executable,
            "-m",
            "mypy",
            "--strict",
            "--cache-dir",
            str(tmp_path / "mypy"),
            "generated/realtime_rest",
            "generated/tests",
        ],
        project,
    )
    tests = _run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "--import-mode=importlib",
            "generated/tests/webpubsub/test_v2021_10_01.py",
        ],
        project,
    )
    entra = _run([sys.executable, "-c", ENTRA_TOKEN_SCRIPT], project)

    assert typed.returncode == 0, typed.stdout
    assert tests.returncode == 0, tests.stdout[-3000:]
    assert entra.returncode == 0, entra.stderr
    answer = yaml.safe_load(entra.stdout)
    assert answer["token"] == "issued"
    (url,) = answer["sent"]  # the second call was refused before anything was sent
    assert url == (
        "https://contoso.webpubsub.azure.com/api/hubs/chat/:generateToken"
        "?api-version=2021-10-01&userId=ann&role=webpubsub.sendToGroup&minutesToExpire=60"
    )
    assert answer["refused"] == (
        "API version 2021-10-01 issues client tokens without groups: construct the client with "
        "an AccessKey or a connection string to sign such tokens locally"
    )


def _sample(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load((FIXTURES / SAMPLE_SPEC).read_text(encoding="utf-8"))
    change(document)
    return document


def _rename_operation(operation_id: str) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        document["paths"]["/api/hubs/{hub}/groups/{group}"]["head"]["operationId"] = operation_id

    return change


def _add_model(name: str) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        schemas = document["components"]["schemas"]
        schemas[name] = {"type": "object", "properties": {"id": {"type": "string"}}}
        # Used by a response, so that the spec has no unused component.
        group = document["paths"]["/api/hubs/{hub}/groups/{group}"]["head"]
        group["responses"]["200"]["content"] = {
            "application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}
        }

    return change


def _bind_another_parameter(document: dict[str, Any]) -> None:
    document["components"]["parameters"]["Group"]["x-ms-parameter-location"] = "client"


def _token_answer(token: dict[str, Any] | None) -> Callable[[dict[str, Any]], None]:
    def change(document: dict[str, Any]) -> None:
        properties = document["components"]["schemas"]["ClientTokenResponse"]["properties"]
        del properties["token"]
        if token is not None:
            properties["token"] = token
        else:
            properties["accessToken"] = {"type": "string"}

    return change


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            _rename_operation("sendToAll"),
            "$.paths['/api/hubs/{hub}/groups/{group}'].head.operationId: 'sendToAll' and "
            "'SendToAll' both become 'send_to_all' in Python",
        ),
        (
            _rename_operation("Close"),
            "$.paths['/api/hubs/{hub}/groups/{group}'].head.operationId: 'Close' becomes 'close', "
            "a name the clients already use: choose another operationId",
        ),
        (
            _rename_operation("FromConnectionString"),
            "'FromConnectionString' becomes 'from_connection_string', a name the clients already use",
        ),
        (
            _rename_operation("CheckString"),
            "'CheckString' becomes 'check_string', a name the clients already use",
        ),
        (
            _add_model("group-member"),
            "$.components.schemas['group-member']: 'group-member' and 'GroupMember' both become the "
            "class 'GroupMember'",
        ),
        (
            _add_model("Content"),
            "$.components.schemas.Content: the model 'Content' becomes 'Content', a name the "
            "clients import",
        ),
        (
            _bind_another_parameter,
            "x-ms-parameter-location']: only the hub is bound at construction, not 'group'",
        ),
        (
            _token_answer(None),
            "$.paths['/api/hubs/{hub}/:generateToken'].post.responses: GenerateClientToken must "
            "answer a model with a string 'token' field",
        ),
        (
            _token_answer({"type": "integer"}),
            "GenerateClientToken must answer a model with a string 'token' field",
        ),
    ],
)
def test_names_that_collide_in_python_are_refused(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], message: str
) -> None:
    # A maintainer may add any of these to the vocabulary; the names still collide in Python.
    extra = ("sendToAll", "Close", "FromConnectionString", "CheckString")
    project = write_project(tmp_path, {"webpubsub/2099-01-01.yaml": _sample(change)}, extra)

    result = CliRunner().invoke(main, ["--root", str(project), "generate"])

    assert result.exit_code == 1
    assert result.output.startswith("error: specs/webpubsub/2099-01-01.yaml: ")
    assert message in result.output
    assert result.output.count("\n") == 1
    assert not (project / "generated").exists()


def test_an_api_version_marked_as_client_level_is_still_sent_by_every_call(tmp_path: Path) -> None:
    """Microsoft's descriptions mark the api-version x-ms-parameter-location: client too."""

    def mark(document: dict[str, Any]) -> None:
        document["components"]["parameters"]["ApiVersion"]["x-ms-parameter-location"] = "client"

    project = write_project(tmp_path, {"webpubsub/2099-01-01.yaml": _sample(mark)})
    result = CliRunner().invoke(main, ["--root", str(project), "generate"])

    assert result.exit_code == 0, result.output
    operations = (
        project / "generated/realtime_rest/webpubsub/v2099_01_01/_operations.py"
    ).read_text()
    assert operations.count('("api-version", API_VERSION)') == operations.count("return Request(")
