"""Broken and hostile spec folders: one clear line, exit 1, generated/ untouched, never a hang."""

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
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.cli import main
from generator.errors import SpecError
from generator.load import MAX_BYTES, MAX_DEPTH, MAX_NODES, load_spec
from tests.conftest import SAMPLE_SPEC

ROOT = Path(__file__).resolve().parent.parent
FILE = SAMPLE_SPEC
OTHER = "specs/webpubsub/2099-02-01.yaml"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        path.relative_to(folder).as_posix(): path.read_bytes()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def assert_refused(
    project: Path, damage: Callable[[Path], None], expected: str
) -> None:
    """Generate, damage the project, generate again: one line, exit 1, nothing on disk changed."""
    assert CliRunner().invoke(main, ["--root", str(project), "generate"]).exit_code == 0
    before = snapshot(project / "generated")
    damage(project)
    entries = sorted(path.name for path in project.iterdir())

    completed = subprocess.run(
        [sys.executable, "-m", "generator", "--root", str(project), "generate"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )

    assert (completed.returncode, completed.stdout) == (1, ""), completed.stderr
    assert completed.stderr.splitlines() == [f"error: {expected}"]
    assert snapshot(project / "generated") == before
    assert sorted(path.name for path in project.iterdir()) == entries


def append_to_spec(text: str) -> Callable[[Path], None]:
    def damage(project: Path) -> None:
        with (project / FILE).open("a", encoding="utf-8") as stream:
            stream.write(text)

    return damage


def edit_spec(change: Callable[[dict[str, Any]], None]) -> Callable[[Path], None]:
    def damage(project: Path) -> None:
        path = project / FILE
        document = yaml.safe_load(path.read_text())
        change(document)
        path.write_text(yaml.safe_dump(document, sort_keys=False, allow_unicode=True))

    return damage


def laughs(levels: int) -> str:
    """The "billion laughs": each level an anchor holding ten aliases of the one before."""
    lines = ['x-laugh0: &l0 "ha"']
    lines += [
        f"x-laugh{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 10)}]"
        for n in range(1, levels + 1)
    ]
    return "\n".join(lines) + "\n"


# --- load: size, aliases, nesting -------------------------------------------------------------


def test_an_alias_bomb_is_refused_before_it_expands(project: Path) -> None:
    lines = (project / FILE).read_text().count("\n")
    assert_refused(
        project,
        append_to_spec(laughs(9)),  # ten to the ninth strings once expanded
        f"{FILE}: line {lines + 7}, column 11: more than {MAX_NODES} YAML nodes once aliases are expanded",
    )


def test_a_few_aliases_are_fine(project: Path) -> None:
    append_to_spec(laughs(3))(project)

    result = CliRunner().invoke(main, ["--root", str(project), "validate"])

    assert (result.exit_code, result.output) == (0, "1 specs are valid\n")


def test_an_alias_inside_its_own_anchor_is_refused(project: Path) -> None:
    lines = (project / FILE).read_text().count("\n")
    assert_refused(
        project,
        append_to_spec("x-loop: &loop [a, *loop]\n"),
        f"{FILE}: line {lines + 1}, column 9: an alias refers to its own anchor",
    )


def test_a_document_over_the_size_limit_is_refused(project: Path) -> None:
    assert_refused(
        project,
        append_to_spec(f"x-padding: {'a' * MAX_BYTES}\n"),
        f"{FILE}: file: larger than {MAX_BYTES} bytes",
    )


def nested(levels: int) -> str:
    return "[" * levels + "]" * levels


def test_nesting_deeper_than_the_limit_is_refused(project: Path) -> None:
    lines = (project / FILE).read_text().count("\n")
    # The top-level mapping and the x-deep key's value make two levels before the brackets.
    assert_refused(
        project,
        append_to_spec(f"x-deep: {nested(MAX_DEPTH)}\n"),
        f"{FILE}: line {lines + 1}, column {MAX_DEPTH + 8}: nested deeper than {MAX_DEPTH} levels",
    )


def test_nesting_at_the_limit_is_accepted(project: Path) -> None:
    append_to_spec(f"x-deep: {nested(MAX_DEPTH - 1)}\n")(project)

    result = CliRunner().invoke(main, ["--root", str(project), "validate"])

    assert (result.exit_code, result.output) == (0, "1 specs are valid\n")


def test_an_alias_that_repeats_a_shallow_anchor_deep_down_counts_its_full_depth(
    project: Path,
) -> None:
    lines = (project / FILE).read_text().count("\n")
    assert_refused(
        project,
        append_to_spec(
            f"x-shallow: &half {nested(MAX_DEPTH // 2)}\n"
            f"x-deep: {'[' * (MAX_DEPTH // 2)}*half{']' * (MAX_DEPTH // 2)}\n"
        ),
        f"{FILE}: line {lines + 1}, column 12: nested deeper than {MAX_DEPTH} levels",
    )


# --- the specs folder ----------------------------------------------------------------------------


def test_an_empty_specs_folder_is_an_error_not_an_empty_package(project: Path) -> None:
    assert_refused(
        project,
        lambda project: (project / FILE).unlink(),
        "specs/: folder: no spec files: expected specs/<service>/<version>.yaml",
    )


def test_a_missing_specs_folder_is_an_error(project: Path) -> None:
    def remove(project: Path) -> None:
        (project / FILE).unlink()
        (project / "specs/webpubsub").rmdir()
        (project / "specs").rmdir()

    assert_refused(
        project,
        remove,
        "specs/: folder: not found: specs live in specs/<service>/<version>.yaml",
    )


def test_a_spec_symlink_loop_is_refused(project: Path) -> None:
    assert_refused(
        project,
        lambda project: (project / OTHER).symlink_to("2099-02-01.yaml"),
        f"{OTHER}: file: symlink loop or dangling symlink",
    )


def test_a_spec_symlinked_from_outside_specs_is_refused(project: Path) -> None:
    def link(project: Path) -> None:
        (project / "outside.yaml").write_text((project / FILE).read_text())
        (project / OTHER).symlink_to("../../outside.yaml")

    assert_refused(project, link, f"{OTHER}: file: symlink points outside specs/")


def test_a_service_folder_symlinked_from_outside_specs_is_refused(
    project: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    assert_refused(
        project,
        lambda project: (project / "specs/signalr").symlink_to(elsewhere),
        "specs/signalr: file: symlink points outside specs/",
    )


def test_a_symlink_within_specs_is_followed(project: Path) -> None:
    (project / FILE).rename(project / "specs/sample.txt")
    (project / FILE).symlink_to("../sample.txt")

    result = CliRunner().invoke(main, ["--root", str(project), "validate"])

    assert (result.exit_code, result.output) == (0, "1 specs are valid\n")


def test_a_named_pipe_is_refused_instead_of_read_forever(project: Path) -> None:
    assert_refused(
        project,
        lambda project: os.mkfifo(project / OTHER),
        f"{OTHER}: file: not a regular file",
    )


# --- properties ----------------------------------------------------------------------------------


@settings(max_examples=300, database=None, deadline=None)
@given(text=st.text(st.sampled_from("ab:-&*[]{}!|>'\"#%@`,? \n\t\\0123")))
def test_any_text_as_a_spec_file_loads_or_fails_with_one_line(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    path = tmp_path_factory.getbasetemp() / "fuzzed.yaml"
    path.write_text(text, encoding="utf-8")

    try:
        loaded = load_spec(path, FILE)
    except SpecError as error:
        assert str(error).startswith(f"{FILE}: ")
        assert "\n" not in str(error)
    else:
        assert isinstance(loaded.document, dict)
