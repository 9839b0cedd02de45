"""The generator end to end on the sample spec: output, determinism, check, and bad input."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from generator.cli import main
from generator.errors import SpecError
from generator.format import format_all
from generator.load import LoadedSpec, load_spec
from generator.validate import validate_spec
from generator.write import MANIFEST
from tests.conftest import SAMPLE_SPEC

ROOT = Path(__file__).resolve().parent.parent


def run(project: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--root", str(project), *args])
    return result.exit_code, result.output


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def edit_spec(project: Path, change) -> None:  # type: ignore[no-untyped-def]
    path = project / SAMPLE_SPEC
    document = yaml.safe_load(path.read_text())
    change(document)
    path.write_text(yaml.safe_dump(document, sort_keys=False))


def test_generates_the_package_layout(project: Path) -> None:
    code, output = run(project, "generate")

    assert code == 0, output
    files = set(snapshot(project / "generated"))
    version = "realtime_rest/webpubsub/v2099_01_01"
    assert {
        "pyproject.toml",
        "realtime_rest/py.typed",
        "realtime_rest/_runtime/pipeline.py",
        f"{version}/_client.py",
        f"{version}/_async_client.py",
        f"{version}/models.py",
        f"{version}/__init__.py",
        "realtime_rest/webpubsub/__init__.py",
        "tests/webpubsub/test_v2099_01_01.py",
        "docs/webpubsub/README.md",
        "docs/webpubsub/v2099_01_01.md",
        MANIFEST,
    } <= files
    manifest = (project / "generated" / MANIFEST).read_text().splitlines()
    assert sorted(manifest) == sorted(files - {MANIFEST})


def test_generation_is_deterministic_and_a_second_run_writes_nothing(project: Path) -> None:
    run(project, "generate")
    first = snapshot(project / "generated")

    code, output = run(project, "generate")

    assert code == 0
    assert "0 written, 0 removed" in output
    assert snapshot(project / "generated") == first


def test_check_passes_when_up_to_date_and_prints_a_diff_when_not(project: Path) -> None:
    run(project, "generate")
    assert run(project, "check")[0] == 0

    client = project / "generated/realtime_rest/webpubsub/v2099_01_01/_client.py"
    client.write_text(client.read_text().replace("def send_to_all(", "def send_to_everyone("))
    code, output = run(project, "check")

    assert code == 1
    assert "-    def send_to_everyone(" in output
    assert "+    def send_to_all(" in output


def test_files_no_spec_produces_any_more_are_removed_and_others_kept(project: Path) -> None:
    run(project, "generate")
    stranger = project / "generated/notes.txt"
    stranger.write_text("kept")
    stale = project / "generated/realtime_rest/webpubsub/v2099_01_01/models.py"
    (project / "specs/webpubsub/2099-01-01.yaml").rename(
        project / "specs/webpubsub/2099-02-01.yaml"
    )
    edit_spec_version = project / "specs/webpubsub/2099-02-01.yaml"
    edit_spec_version.write_text(edit_spec_version.read_text().replace("2099-01-01", "2099-02-01"))

    code, output = run(project, "generate")

    assert code == 0
    lines = output.splitlines()
    assert "removed  generated/realtime_rest/webpubsub/v2099_01_01/models.py" in lines
    assert "written  generated/realtime_rest/webpubsub/v2099_02_01/models.py" in lines
    written = sum(line.startswith("written  ") for line in lines)
    removed = sum(line.startswith("removed  ") for line in lines)
    assert lines[-1].endswith(f": {written} written, {removed} removed")
    assert not stale.exists()
    assert (project / "generated/realtime_rest/webpubsub/v2099_02_01/models.py").exists()
    assert stranger.read_text() == "kept"


def test_changing_one_description_changes_only_its_lines(project: Path) -> None:
    run(project, "generate")
    before = snapshot(project / "generated")

    def change(document: dict) -> None:  # type: ignore[type-arg]
        parameters = document["paths"]["/api/hubs/{hub}/:send"]["post"]["parameters"]
        parameters[2]["description"] = "Connection ids that do not receive the message."

    edit_spec(project, change)
    run(project, "generate")
    after = snapshot(project / "generated")

    changed = {path for path in after if after[path] != before.get(path)}
    clients = {
        "realtime_rest/webpubsub/v2099_01_01/_client.py",
        "realtime_rest/webpubsub/v2099_01_01/_async_client.py",
    }
    assert changed == clients | {"docs/webpubsub/v2099_01_01.md"}
    expected = {
        path: (
            "        :param excluded: Excluded connection Ids.",
            "        :param excluded: Connection ids that do not receive the message.",
        )
        for path in clients
    }
    expected["docs/webpubsub/v2099_01_01.md"] = (
        "| `excluded` | query `excluded` | array of string | no |  |  | Excluded connection Ids. |",
        "| `excluded` | query `excluded` | array of string | no |  |  |"
        " Connection ids that do not receive the message. |",
    )
    for path in changed:
        old, new = before[path].decode().splitlines(), after[path].decode().splitlines()
        assert len(old) == len(new)
        differing = [(a, b) for a, b in zip(old, new) if a != b]
        assert differing == [expected[path]]


def test_one_version_can_be_generated_alone(project: Path) -> None:
    code, output = run(project, "generate", "webpubsub", "2099-01-01")

    assert code == 0, output
    assert (project / "generated/realtime_rest/webpubsub/v2099_01_01/_client.py").exists()
    assert not (project / "generated/realtime_rest/__init__.py").exists()
    assert run(project, "generate", "webpubsub", "1999-01-01")[0] == 2
    assert run(project, "generate", "webpubsub", "2099")[0] == 2


def test_names_that_are_keywords_or_builtins_get_a_trailing_underscore(project: Path) -> None:
    def change(document: dict) -> None:  # type: ignore[type-arg]
        parameters = document["paths"]["/api/hubs/{hub}/:send"]["post"]["parameters"]
        for name in ("from", "id", "type"):
            parameters.append({"name": name, "in": "query", "schema": {"type": "string"}})

    edit_spec(project, change)
    code, output = run(project, "generate")

    assert code == 0, output
    source = (project / "generated/realtime_rest/webpubsub/v2099_01_01/_client.py").read_text()
    signature = next(
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef) and node.name == "send_to_all"
    )
    names = [argument.arg for argument in signature.args.kwonlyargs]
    assert names == [
        "excluded",
        "filter_",
        "message_ttl_seconds",
        "from_",
        "id_",
        "type_",
        "content_type",
    ]
    operations = (
        project / "generated/realtime_rest/webpubsub/v2099_01_01/_operations.py"
    ).read_text()
    assert '("from", from_)' in operations


def test_a_flattened_body_becomes_the_methods_arguments(project: Path) -> None:
    def change(document: dict) -> None:  # type: ignore[type-arg]
        body = document["paths"]["/api/hubs/{hub}/:addToGroups"]["post"]["requestBody"]
        body["x-ms-client-flatten"] = True

    edit_spec(project, change)
    code, output = run(project, "generate")

    assert code == 0, output
    source = (project / "generated/realtime_rest/webpubsub/v2099_01_01/_client.py").read_text()
    method = next(
        node
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef) and node.name == "add_connections_to_groups"
    )
    assert [a.arg for a in method.args.args] == ["self", "groups"]
    assert [a.arg for a in method.args.kwonlyargs] == ["filter_"]
    assert "groups_to_add=AddToGroupsRequest(groups=groups, filter_=filter_)" in source


HOSTILE = 'Ends with a quote" and has """triple quotes""", a \\ backslash,\nand a newline \\"""'


def test_hostile_descriptions_stay_inert_inside_docstrings(project: Path) -> None:
    def change(document: dict) -> None:  # type: ignore[type-arg]
        operation = document["paths"]["/api/hubs/{hub}/:send"]["post"]
        operation["description"] = HOSTILE
        operation["summary"] = 'Say "hi" \\ then """ leave'
        operation["parameters"][2]["description"] = HOSTILE
        document["components"]["schemas"]["GroupMember"]["description"] = HOSTILE
        document["components"]["schemas"]["GroupMember"]["properties"]["userId"][
            "description"
        ] = HOSTILE

    edit_spec(project, change)
    code, output = run(project, "generate")

    assert code == 0, output
    folder = project / "generated/realtime_rest/webpubsub/v2099_01_01"
    client_tree = ast.parse((folder / "_client.py").read_text())
    method = next(
        node
        for node in ast.walk(client_tree)
        if isinstance(node, ast.FunctionDef) and node.name == "send_to_all"
    )
    docstring = ast.get_docstring(method) or ""
    assert docstring.startswith('Say "hi" \\ then """ leave\n')
    assert HOSTILE in docstring
    parameter = docstring[docstring.index(":param excluded:") :].split(":param", 2)[1]
    assert " ".join(parameter.split()) == "excluded: " + " ".join(HOSTILE.split())
    models_tree = ast.parse((folder / "models.py").read_text())
    member = next(
        node
        for node in models_tree.body
        if isinstance(node, ast.ClassDef) and node.name == "GroupMember"
    )
    # black indents continuation lines and puts a space before closing quotes after a quote.
    assert (ast.get_docstring(member) or "").rstrip() == HOSTILE
    # Nothing but the expected statements: no spec text escaped into code.
    assert [type(node).__name__ for node in method.body] == ["Expr", "Assign", "Expr"]


BAD_INPUT = {
    "invalid YAML": (
        lambda text: text.replace("  title: Sample Web PubSub", "  title: [unclosed"),
        "specs/webpubsub/2099-01-01.yaml: line 5, column 10: invalid YAML",
    ),
    "fails validation": (
        lambda text: text.replace(
            "        default: https://contoso", "        defaults: https://contoso"
        ),
        "specs/webpubsub/2099-01-01.yaml: $.servers[0].variables.endpoint:",
    ),
    "unresolvable $ref": (
        lambda text: text.replace(
            '$ref: "#/components/parameters/Group"', '$ref: "#/components/parameters/Team"', 1
        ),
        "specs/webpubsub/2099-01-01.yaml: $.paths['/api/hubs/{hub}/groups/{group}'].head.parameters[2]['$ref']: "
        "unresolvable $ref '#/components/parameters/Team'",
    ),
    "duplicate operationId": (
        lambda text: text.replace("operationId: UserExists", "operationId: GroupExists"),
        "specs/webpubsub/2099-01-01.yaml: $.paths['/api/hubs/{hub}/users/{userId}'].head.operationId: "
        "duplicate operationId 'GroupExists'",
    ),
    "path variable without parameter": (
        lambda text: text.replace(
            "/api/hubs/{hub}/users/{userId}:", "/api/hubs/{hub}/users/{user}:"
        ),
        "specs/webpubsub/2099-01-01.yaml: $.paths['/api/hubs/{hub}/users/{user}'].head.parameters: "
        "path variable {user} has no path parameter",
    ),
    "unsupported construct": (
        lambda text: text.replace(
            "        token:\n          type: string",
            "        token:\n          oneOf:\n            - type: string\n            - type: integer",
        ),
        "specs/webpubsub/2099-01-01.yaml: $.components.schemas.ClientTokenResponse.properties.token.oneOf: "
        "unsupported construct 'oneOf'",
    ),
    "open additionalProperties": (
        lambda text: text.replace(
            "    InnerError:\n      type: object\n",
            "    InnerError:\n      type: object\n      additionalProperties:\n        type: string\n",
        ),
        "specs/webpubsub/2099-01-01.yaml: $.components.schemas.InnerError.additionalProperties: "
        "unsupported construct 'additionalProperties': the generator does not support it yet",
    ),
    "duplicate key": (
        lambda text: text.replace(
            "  version: 2099-01-01\n", "  version: 2099-01-01\n  version: 2099-01-02\n"
        ),
        "specs/webpubsub/2099-01-01.yaml: line 6, column 3: invalid YAML: duplicate key 'version'",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_gives_one_clear_line_exit_1_and_leaves_generated_untouched(
    project: Path, case: str
) -> None:
    run(project, "generate")
    before = snapshot(project / "generated")
    spec = project / SAMPLE_SPEC
    damage, expected = BAD_INPUT[case]
    damaged = damage(spec.read_text())
    assert damaged != spec.read_text(), "the case must change the spec"
    spec.write_text(damaged)

    completed = subprocess.run(
        [sys.executable, "-m", "generator", "--root", str(project), "generate"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )

    assert completed.returncode == 1
    assert completed.stdout == ""
    lines = completed.stderr.splitlines()
    assert len(lines) == 1, completed.stderr
    assert lines[0].startswith(f"error: {expected}"), lines[0]
    assert "Traceback" not in completed.stderr
    assert snapshot(project / "generated") == before


def test_formatting_is_cached_by_input(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REALTIME_REST_CACHE", str(tmp_path))
    files = [("a.py", "x=1\n"), ("b.py", "y = ( 2 )\n")]

    assert format_all(files) == ["x = 1\n", "y = 2\n"]
    entries = sorted((tmp_path / "black").iterdir())
    assert len(entries) == 2
    for entry in entries:
        entry.write_text("# from the cache\n")
    assert format_all(files) == ["# from the cache\n", "# from the cache\n"]
    assert format_all([("c.py", "z=3\n")]) == ["z = 3\n"]


def test_a_cache_that_cannot_be_written_only_costs_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    monkeypatch.setenv("REALTIME_REST_CACHE", str(blocker))

    assert format_all([("a.py", "x=1\n")]) == ["x = 1\n"]


def test_the_runtime_is_copied_byte_for_byte(project: Path) -> None:
    code, output = run(project, "generate")

    assert code == 0, output
    sources = sorted((ROOT / "generator" / "runtime").glob("*.py"))
    assert sources
    for source in sources:
        copy = project / "generated" / "realtime_rest" / "_runtime" / source.name
        assert copy.read_bytes() == source.read_bytes(), source.name


def test_the_runtime_sources_are_black_clean() -> None:
    sources = sorted((ROOT / "generator" / "runtime").glob("*.py"))
    texts = [source.read_text(encoding="utf-8") for source in sources]

    assert format_all([(s.name, t) for s, t in zip(sources, texts)]) == texts


def test_a_closed_model_is_supported(project: Path) -> None:
    """additionalProperties: false, as Microsoft's descriptions write it, is what models are."""
    edit_spec(
        project,
        lambda d: d["components"]["schemas"]["InnerError"].update(additionalProperties=False),
    )

    code, output = run(project, "generate")

    assert code == 0, output
    models = (project / "generated/realtime_rest/webpubsub/v2099_01_01/models.py").read_text()
    assert "class InnerError:" in models


def _validator_verdicts(cache_folder: Path) -> list[Path]:
    return sorted((cache_folder / "valid").glob("*"))


def _validated_sample(cache_folder: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The sample spec's document, validated once with the cache in ``cache_folder``."""
    monkeypatch.setenv("REALTIME_REST_CACHE", str(cache_folder))
    document = load_spec(ROOT / "tests/fixtures" / SAMPLE_SPEC, SAMPLE_SPEC).document
    validate_spec(LoadedSpec(SAMPLE_SPEC, "webpubsub", document))
    return document


def test_only_valid_verdicts_are_remembered_and_only_for_the_same_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = _validated_sample(tmp_path, monkeypatch)
    assert len(_validator_verdicts(tmp_path)) == 1

    # The schema says a response has a description: a cached "valid" must not hide its loss.
    responses = next(iter(document["paths"].values()))
    operation = next(value for key, value in responses.items() if key != "parameters")
    status = next(iter(operation["responses"]))
    del operation["responses"][status]["description"]
    with pytest.raises(SpecError, match="is not valid under any of the given schemas"):
        validate_spec(LoadedSpec(SAMPLE_SPEC, "webpubsub", document))
    with pytest.raises(SpecError, match="is not valid under any of the given schemas"):
        validate_spec(LoadedSpec(SAMPLE_SPEC, "webpubsub", document))
    assert len(_validator_verdicts(tmp_path)) == 1


def test_a_warm_run_gives_the_same_tree_without_black_or_the_validator(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("REALTIME_REST_CACHE", str(tmp_path / "cache"))
    assert run(project, "generate")[0] == 0
    cold = snapshot(project / "generated")
    probe = (
        "import sys; from generator.cli import main\n"
        "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
        "print(code, 'black' in sys.modules, 'openapi_spec_validator' in sys.modules)"
    )
    completed = subprocess.run(
        [sys.executable, "-c", probe, "--root", str(project), "generate"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert completed.stdout.splitlines()[-1] == "0 False False"
    assert snapshot(project / "generated") == cold
    assert any((tmp_path / "cache" / "jinja").rglob("*.cache"))


def test_a_verdict_entry_that_does_not_say_valid_is_not_taken_for_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    document = _validated_sample(tmp_path, monkeypatch)
    [entry] = _validator_verdicts(tmp_path)
    entry.write_text("")  # cut short, say by a full disk

    import openapi_spec_validator

    def validator_ran(document: object) -> None:
        raise RuntimeError("the validator ran")

    monkeypatch.setattr(openapi_spec_validator, "OpenAPIV30SpecValidator", validator_ran)
    with pytest.raises(RuntimeError, match="the validator ran"):
        validate_spec(LoadedSpec(SAMPLE_SPEC, "webpubsub", document))
