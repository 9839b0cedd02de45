"""Broken and hostile spec folders: one clear line, exit 1, generated/ untouched, never a hang."""

from __future__ import annotations

import os
import re
import shutil
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
from generator.load import MAX_BYTES, MAX_DEPTH, MAX_NODES, LoadedSpec, load_spec
from generator.validate import validate_spec
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
    project: Path, damage: Callable[[Path], None], expected: str | re.Pattern[str]
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
    lines = completed.stderr.splitlines()
    if isinstance(expected, str):
        assert lines == [f"error: {expected}"]
    else:
        assert len(lines) == 1 and expected.fullmatch(lines[0].removeprefix("error: ")), lines
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
    lines += [f"x-laugh{n}: &l{n} [{', '.join([f'*l{n - 1}'] * 10)}]" for n in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


# --- load: size, aliases, nesting -------------------------------------------------------------


def test_an_alias_bomb_is_refused_before_it_expands(project: Path) -> None:
    lines = (project / FILE).read_text().count("\n")
    assert_refused(
        project,
        append_to_spec(laughs(9)),  # ten to the ninth strings once expanded
        f"{FILE}: line {lines + 7}, column 11: more than {MAX_NODES} YAML nodes once aliases are expanded",
    )


def test_a_document_of_too_many_nodes_is_refused_where_it_passes_the_limit(project: Path) -> None:
    lines = (project / FILE).read_text().count("\n")
    assert_refused(
        project,
        append_to_spec(f"x-many: [{', '.join(['0'] * MAX_NODES)}]\n"),
        re.compile(
            re.escape(f"{FILE}: line {lines + 1}, column ")
            + "[0-9]{6}"  # one of the last zeros: the items, three characters apart, are nearly all
            + re.escape(f": more than {MAX_NODES} YAML nodes once aliases are expanded")
        ),
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
        shutil.rmtree(project / "specs")

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


# --- validate: references ------------------------------------------------------------------------


def add_schemas(**schemas: Any) -> Callable[[Path], None]:
    return edit_spec(lambda document: document["components"]["schemas"].update(schemas))


def schema_ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def test_a_schema_that_is_a_reference_to_itself_is_refused(project: Path) -> None:
    assert_refused(
        project,
        add_schemas(Loop=schema_ref("Loop")),
        f"{FILE}: $.components.schemas.Loop['$ref']: "
        "$ref cycle: #/components/schemas/Loop → #/components/schemas/Loop",
    )


def test_a_cycle_of_references_is_refused(project: Path) -> None:
    assert_refused(
        project,
        add_schemas(Ping=schema_ref("Pong"), Pong=schema_ref("Ping")),
        f"{FILE}: $.components.schemas.Ping['$ref']: $ref cycle: "
        "#/components/schemas/Pong → #/components/schemas/Ping → #/components/schemas/Pong",
    )


def test_an_inline_schema_that_holds_itself_is_refused(project: Path) -> None:
    inner = "#/components/schemas/Tree/properties/children"
    tree = {
        "type": "object",
        "properties": {"children": {"type": "array", "items": {"$ref": inner}}},
    }
    assert_refused(
        project,
        add_schemas(Tree=tree),
        f"{FILE}: $.components.schemas.Tree.properties.children.items['$ref']: "
        f"$ref cycle: {inner} → {inner}",
    )


def test_a_reference_to_another_document_is_refused(project: Path) -> None:
    def change(document: dict[str, Any]) -> None:
        document["components"]["schemas"]["ErrorDetail"]["properties"]["inner"] = {
            "$ref": "common.yaml#/InnerError"
        }

    assert_refused(
        project,
        edit_spec(change),
        f"{FILE}: $.components.schemas.ErrorDetail.properties.inner['$ref']: "
        "only references inside the document (#/...) are supported: 'common.yaml#/InnerError'",
    )


# --- validate: responses -------------------------------------------------------------------------

SEND = "$.paths['/api/hubs/{hub}/:send'].post.responses"


def set_send_responses(responses: dict[str, Any]) -> Callable[[Path], None]:
    def change(document: dict[str, Any]) -> None:
        document["paths"]["/api/hubs/{hub}/:send"]["post"]["responses"] = responses

    return edit_spec(change)


def test_a_status_code_range_is_refused(project: Path) -> None:
    assert_refused(
        project,
        set_send_responses({"2XX": {"description": "Success"}}),
        f"{FILE}: {SEND}['2XX']: status ranges such as '2XX' are not supported: "
        "list each status code",
    )


def test_an_operation_without_a_success_response_is_refused(project: Path) -> None:
    assert_refused(
        project,
        set_send_responses(
            {"404": {"description": "Not Found"}, "default": {"description": "Error"}}
        ),
        f"{FILE}: {SEND}: no success (2xx) response",
    )


# --- validate: characters ------------------------------------------------------------------------


def set_summary(text: str) -> Callable[[Path], None]:
    def change(document: dict[str, Any]) -> None:
        document["paths"]["/api/hubs/{hub}/:send"]["post"]["summary"] = text

    return edit_spec(change)


SUMMARY = "$.paths['/api/hubs/{hub}/:send'].post.summary"


def test_a_nul_in_a_summary_is_refused(project: Path) -> None:
    assert_refused(
        project,
        set_summary("Send\x00 it"),
        f"{FILE}: {SUMMARY}: character U+0000 (a control character) is not allowed in spec text",
    )


def test_a_bidirectional_override_is_refused(project: Path) -> None:
    assert_refused(
        project,
        set_summary("Send \u202eti dnes"),
        f"{FILE}: {SUMMARY}: character U+202E (RIGHT-TO-LEFT OVERRIDE) is not allowed in spec text",
    )


def test_a_control_character_in_a_key_is_refused_and_shown_escaped(
    project: Path,
) -> None:
    def change(document: dict[str, Any]) -> None:
        paths = document["paths"]
        paths["/api/hubs/{hub}/\x1b[2J"] = paths.pop("/api/hubs/{hub}/:send")

    assert_refused(
        project,
        edit_spec(change),
        f"{FILE}: $.paths['/api/hubs/{{hub}}/\\x1b[2J']: "
        "character U+001B (a control character) is not allowed in spec text",
    )


def test_tabs_newlines_and_other_scripts_are_fine(project: Path) -> None:
    set_summary("Send\tit\n\"now\" 'à' 日本")(project)

    result = CliRunner().invoke(main, ["--root", str(project), "validate"])

    assert (result.exit_code, result.output) == (0, "1 specs are valid\n")


def test_paths_that_are_not_a_mapping_are_refused_without_a_traceback(project: Path) -> None:
    def change(document: dict[str, Any]) -> None:
        document["paths"] = [None]

    assert_refused(project, edit_spec(change), f"{FILE}: $.paths: [None] is not of type 'object'")


# --- properties ----------------------------------------------------------------------------------

FORBIDDEN = {*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0)}
FORBIDDEN |= {0x2028, 0x2029, *range(0x202A, 0x202F), *range(0x2066, 0x206A)}


def sample_document() -> dict[str, Any]:
    return load_spec(ROOT / "tests/fixtures" / FILE, FILE).document


@settings(max_examples=100, database=None, deadline=None)
@given(text=st.text(st.characters(exclude_categories=["Cs"])))
def test_any_text_in_any_place_is_accepted_or_refused_by_the_character_rule(
    text: str,
) -> None:
    document = sample_document()
    operation = document["paths"]["/api/hubs/{hub}/:send"]["post"]
    operation["summary"] = text
    document["components"]["schemas"]["GroupMember"]["properties"][text or "x"] = {"type": "string"}
    forbidden = [c for c in text if ord(c) in FORBIDDEN]

    try:
        validate_spec(LoadedSpec(FILE, "webpubsub", document))
    except SpecError as error:
        assert forbidden, str(error)
        assert f"{SUMMARY}: character U+{ord(forbidden[0]):04X} " in str(error)
        assert str(error).isprintable()
    else:
        assert not forbidden


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


@settings(max_examples=200, database=None, deadline=None)
@given(file=st.text(), place=st.text(), problem=st.text())
def test_an_error_is_always_one_printable_line(file: str, place: str, problem: str) -> None:
    message = str(SpecError(file, place, problem))

    assert message.isprintable()
    if (file + place + problem).isprintable():
        assert message == f"{file}: {place}: {problem}"


@pytest.mark.parametrize(
    ("value", "column", "problem"),
    [
        (
            '!!python/object/apply:os.system ["true"]',
            10,
            "could not determine a constructor for the tag "
            "'tag:yaml.org,2002:python/object/apply:os.system'",
        ),
        (
            '!!binary "aGk="',
            10,
            "tag 'tag:yaml.org,2002:binary' is not allowed: a spec holds JSON values only",
        ),
        (
            "!!set {a, b}",
            10,
            "tag 'tag:yaml.org,2002:set' is not allowed: a spec holds JSON values only",
        ),
        ('!!int "0x"', 10, "not a readable number: invalid literal for int() with base 16: ''"),
        (
            "1" * 5000,
            10,
            "not a readable number: Exceeds the limit (4300 digits) for integer string conversion: "
            "value has 5000 digits; use sys.set_int_max_str_digits() to increase the limit",
        ),
        ("{[a]: b}", 11, "a mapping key must be a plain value"),
    ],
)
def test_yaml_beyond_json_values_is_refused_with_its_place(
    project: Path, value: str, column: int, problem: str
) -> None:
    lines = (project / FILE).read_text().count("\n")
    assert_refused(
        project,
        append_to_spec(f"x-value: {value}\n"),
        f"{FILE}: line {lines + 1}, column {column}: invalid YAML: {problem}",
    )


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5) | st.just("#/components"),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(
        st.sampled_from(["$ref", "type", "in", "name", "200", "2XX"]), inner, max_size=3
    ),
    max_leaves=8,
)


@settings(max_examples=150, database=None, deadline=None)
@given(data=st.data())
def test_a_spec_of_any_shape_is_valid_or_refused_with_one_line(data: st.DataObject) -> None:
    document = sample_document()
    node: Any = document
    while True:  # walk down to a random place, and put any JSON value there
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        key = data.draw(st.sampled_from(keys))
        if not isinstance(node[key], (dict, list)) or not node[key] or data.draw(st.booleans()):
            node[key] = data.draw(JSON_VALUES)
            break
        node = node[key]

    try:
        validate_spec(LoadedSpec(FILE, "webpubsub", document))
    except SpecError as error:
        assert str(error).startswith(f"{FILE}: $") and str(error).isprintable()
