"""Spec text never becomes code: whatever a spec's strings hold, the generated package imports,
holds those strings exactly, and runs nothing else.

Each case writes the text into every place of the sample spec that reaches generated code,
generates, and reads the values back in a fresh interpreter.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import yaml
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from generator.cli import main
from generator.validate import FORBIDDEN_CHARACTERS
from tests.conftest import FIXTURES, SAMPLE_SPEC, write_project

# Text as a spec can carry it: validate refuses control characters, line separators, bidirectional
# controls and lone surrogates (the emitter would escape them too: tests/test_emit.py).
texts = st.text(st.characters(exclude_categories=("Cs",)), min_size=1).filter(
    lambda text: not FORBIDDEN_CHARACTERS.search(text)
)
PROBE = r"""
import builtins, inspect, json, typing
from importlib import import_module
service = import_module("realtime_rest.webpubsub")
module = service.VERSIONS[VERSION]
operations = import_module(module.__name__ + "._operations")
client = module.WebPubSubClient
import sys
hints = typing.get_type_hints(client.send_to_all, vars(sys.modules[client.__module__]))
print(json.dumps({
    "api_version": operations.API_VERSION,
    "scope": client._scope,
    "filter_default": inspect.signature(client.send_to_all).parameters["filter_"].default,
    "mode_values": list(typing.get_args(typing.get_args(hints["mode"])[0])),
    "summary": inspect.getdoc(client.send_to_all),
    "model_doc": inspect.getdoc(module.models.GroupMember),
    "field_key": list(module.models.GroupMember.from_wire({"connectionId": "c", TEXT: "v"}).to_wire()),
    "path": operations.group_exists("hub_1", group="g").path,
    "ran": [name for name in dir(builtins) if name.startswith("PWNED")],
}))
"""


def _as_version(text: str) -> str:
    """The text as an API version: the spec's file is named after it, so it must make a visible
    file name."""
    return text.replace("/", "-").replace("\x00", "-").lstrip(".")[:100] or "v"


def _place_everywhere(document: dict[str, Any], text: str) -> None:
    version = _as_version(text)
    document["info"]["version"] = version
    document["components"]["parameters"]["ApiVersion"]["schema"]["default"] = version
    send = document["paths"]["/api/hubs/{hub}/:send"]["post"]
    send["summary"] = text
    send["description"] = text
    filter_ = next(p for p in send["parameters"] if p.get("name") == "filter")
    filter_["schema"]["default"] = text
    filter_["description"] = text
    send["parameters"].append(
        {"name": "mode", "in": "query", "schema": {"type": "string", "enum": [text, "plain"]}}
    )
    scopes = document["components"]["securitySchemes"]["EntraId"]["flows"]["clientCredentials"]
    scopes["scopes"] = {text: "the scope"}
    member = document["components"]["schemas"]["GroupMember"]
    member["description"] = text
    member["properties"]["connectionId"]["description"] = text
    member["properties"][text] = {"type": "string"}
    paths = document["paths"]
    paths["/api/hubs/{hub}/groups/{group}/" + _in_path(text)] = paths.pop(
        "/api/hubs/{hub}/groups/{group}"
    )


def _in_path(text: str) -> str:
    """The text in a path key, where braces would make it a template variable."""
    return text.replace("{", "(").replace("}", ")")


def _generate_and_probe(tmp: Path, text: str) -> dict[str, Any]:
    document = yaml.safe_load((FIXTURES / SAMPLE_SPEC).read_text(encoding="utf-8"))
    _place_everywhere(document, text)
    version = document["info"]["version"]
    project = write_project(
        tmp / f"project-{abs(hash(text))}", {f"webpubsub/{version}.yaml": document}
    )
    result = CliRunner().invoke(main, ["--root", str(project), "generate"])
    assert result.exit_code == 0, result.output
    environment = {**os.environ, "PYTHONPATH": str(project / "generated")}
    completed = subprocess.run(
        [sys.executable, "-c", f"VERSION, TEXT = {version!r}, {text!r}\n{PROBE}"],
        capture_output=True,
        text=True,
        env=environment,
        cwd=project,
    )
    assert completed.returncode == 0, completed.stderr
    probe: dict[str, Any] = json.loads(completed.stdout)
    return probe


def _words(text: str) -> str:
    return " ".join(text.split())


@settings(
    max_examples=8, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=texts)
@example(text='"""; import builtins; builtins.PWNED_DOC = 1; """')
@example(text="'); import builtins; builtins.PWNED_LITERAL = 1; ('")
@example(text="\\\" \\x00 {{ 7 * 7 }} {% raw %} it's")
@example(text="tab\t newline\n é 中文 \U0001f600 \u00a0 zero-width\u200b")
def test_spec_text_round_trips_into_the_package(tmp_path: Path, text: str) -> None:
    assume(text not in ("plain", "connectionId"))
    probe = _generate_and_probe(tmp_path, text)

    assert probe["ran"] == []
    assert probe["api_version"] == _as_version(text)
    assert probe["scope"] == text
    assert probe["filter_default"] == text
    assert probe["mode_values"] == [text, "plain"]
    assert probe["field_key"] == ["connectionId", text]
    assert probe["path"] == "/api/hubs/hub_1/groups/g/" + _in_path(text)
    assert _words(text) in _words(probe["summary"])
    assert _words(text) in _words(probe["model_doc"])
