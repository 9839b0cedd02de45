"""The conventions a spec bump can break: `validate` and `generate` refuse them, naming the file,
the place and what to do, and leave generated/ as it was."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from generator.cli import main
from tests.conftest import SAMPLE_SPEC


def run(project: Path, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--root", str(project), *args])
    return result.exit_code, result.output


def damage(project: Path, old: str, new: str) -> None:
    spec = project / SAMPLE_SPEC
    text = spec.read_text()
    assert old in text
    spec.write_text(text.replace(old, new))


def test_a_file_named_after_another_version_is_refused(project: Path) -> None:
    (project / SAMPLE_SPEC).rename(project / "specs/webpubsub/2099-02-01.yaml")

    code, output = run(project, "validate")

    assert code == 1
    assert output == (
        "error: specs/webpubsub/2099-02-01.yaml: $.info.version: the file is named "
        "2099-02-01.yaml but info.version is '2099-01-01': rename the file to 2099-01-01.yaml "
        "or set info.version to the file's version\n"
    )


def test_two_files_that_become_one_module_are_refused_and_nothing_is_overwritten(
    project: Path,
) -> None:
    assert run(project, "generate")[0] == 0
    before = {p: p.read_bytes() for p in (project / "generated").rglob("*") if p.is_file()}
    twin = project / "specs/webpubsub/v2099_01_01.yaml"
    twin.write_text((project / SAMPLE_SPEC).read_text().replace("2099-01-01", "v2099_01_01"))

    code, output = run(project, "generate")

    assert code == 1
    assert output == (
        "error: specs/webpubsub/v2099_01_01.yaml: $.info.version: version 'v2099_01_01' "
        "becomes module v2099_01_01, as specs/webpubsub/2099-01-01.yaml does: "
        "remove one of the two files\n"
    )
    assert {p: p.read_bytes() for p in (project / "generated").rglob("*") if p.is_file()} == before


REFUSED = {
    "api-version default other than the version": (
        "        default: 2099-01-01",
        "        default: 2099-02-01",
        "$.components.parameters.ApiVersion.schema.default: "
        "api-version must default to the spec's version '2099-01-01', not '2099-02-01'",
    ),
    "operationId outside the vocabulary": (
        "operationId: UserExists",
        "operationId: DoesUserExist",
        "$.paths['/api/hubs/{hub}/users/{userId}'].head.operationId: operationId 'DoesUserExist' "
        "is not in the shared vocabulary: use one from specs/operation-ids.txt, "
        "or add the new action there",
    ),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_a_spec_breaking_a_convention_is_refused(project: Path, case: str) -> None:
    old, new, message = REFUSED[case]
    damage(project, old, new)

    code, output = run(project, "validate")

    assert (code, output) == (1, f"error: specs/webpubsub/2099-01-01.yaml: {message}\n")


def test_an_inline_api_version_without_a_default_is_refused_where_it_is_written(
    project: Path,
) -> None:
    damage(
        project,
        '$ref: "#/components/parameters/ApiVersion"',
        "{name: api-version, in: query, schema: {type: string}}",
    )

    code, output = run(project, "validate")

    assert code == 1
    assert output.startswith("error: specs/webpubsub/2099-01-01.yaml: $.paths['/api/hubs/{hub}/")
    assert output.endswith(
        ".schema.default: api-version must default to the spec's version '2099-01-01', not None\n"
    )


def test_a_new_action_is_accepted_once_the_vocabulary_has_it(project: Path) -> None:
    damage(project, "operationId: UserExists", "operationId: DoesUserExist")
    vocabulary = project / "specs/operation-ids.txt"
    vocabulary.write_text(vocabulary.read_text() + "DoesUserExist   # a new check\n")

    assert run(project, "validate") == (0, "1 specs are valid\n")


@pytest.mark.parametrize("content", ["", "# comments only\n\n"])
def test_an_empty_vocabulary_refuses_every_operation(project: Path, content: str) -> None:
    (project / "specs/operation-ids.txt").write_text(content)

    code, output = run(project, "validate")

    assert code == 1
    assert "is not in the shared vocabulary" in output


def test_a_missing_vocabulary_names_the_file(project: Path) -> None:
    (project / "specs/operation-ids.txt").unlink()

    code, output = run(project, "validate")

    assert code == 1
    assert output.startswith(
        "error: specs/operation-ids.txt: file: cannot read the operationId vocabulary:"
    )
