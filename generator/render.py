"""Stage 5: the IR through the Jinja2 templates → {path under generated/: text}."""

from __future__ import annotations

import sys
import textwrap
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

from jinja2 import (
    BytecodeCache,
    Environment,
    FileSystemBytecodeCache,
    FileSystemLoader,
    StrictUndefined,
    TemplateError,
)

from generator import cache, emit, ir
from generator.errors import GeneratorError
from generator.names import RUNTIME

PACKAGE_VERSION = "0.1.0"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# The local emulator is plain Python too, shipped in the package behind the `emulator` extra.
EMULATOR = Path(__file__).resolve().parent / "emulator"


@dataclass(frozen=True)
class RenderedFile:
    path: str  # relative to generated/
    text: str
    source: str | None  # the spec it came from; None for files every spec shares
    verbatim: bool = False  # copied byte for byte: neither rendered nor formatted


def table_cell(value: object) -> str:
    """Text that stays inside one Markdown table cell."""
    return " ".join(str(value).split()).replace("|", "\\|")


def docstring_lines(text: str, indent: int, width: int = 100) -> str:
    """Wrap one docstring entry to the line length; continuation lines get four more spaces."""
    lines = textwrap.wrap(
        text,
        width=width - indent,
        subsequent_indent="    ",
        break_long_words=False,
        break_on_hyphens=False,
    )
    return ("\n" + " " * indent).join(lines)


def environment(templates: Path = TEMPLATES) -> Environment:
    env = Environment(
        loader=FileSystemLoader(templates),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    env.bytecode_cache = _compiled_templates(env)
    env.filters["literal"] = emit.literal
    env.filters["docstring"] = emit.docstring
    env.filters["comment"] = emit.comment
    env.filters["annotation"] = emit.annotation
    env.filters["expression"] = emit.expression
    env.filters["arguments"] = emit.arguments
    env.filters["check_call"] = emit.check_call
    env.filters["docwrap"] = docstring_lines
    env.filters["cell"] = table_cell
    env.globals["result_annotation"] = emit.result_annotation
    return env


# What a compiled template depends on besides its text, which is all that Jinja2's bytecode
# cache checks: these settings name the cache's folder.
_COMPILE_SETTINGS = (
    "block_start_string",
    "block_end_string",
    "variable_start_string",
    "variable_end_string",
    "comment_start_string",
    "comment_end_string",
    "line_statement_prefix",
    "line_comment_prefix",
    "trim_blocks",
    "lstrip_blocks",
    "newline_sequence",
    "keep_trailing_newline",
    "autoescape",
    "optimized",
)


def _compiled_templates(env: Environment) -> BytecodeCache | None:
    """Compiled templates from earlier runs: compiling them takes a tenth of a warm run."""
    settings = [f"{name}={getattr(env, name)!r}" for name in _COMPILE_SETTINGS]
    folder = cache.folder("jinja") / cache.key(
        f"jinja2 {version('jinja2')}", sys.version, *settings
    )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None  # a cache that cannot be written only costs time
    return FileSystemBytecodeCache(str(folder))


def render(services: list[ir.Service], templates: Path = TEMPLATES) -> list[RenderedFile]:
    env = environment(templates)
    files: list[RenderedFile] = []

    def add(path: str, template: str, source: str | None, **context: Any) -> None:
        try:
            text = env.get_template(template).render(
                source=source or "the templates", package_version=PACKAGE_VERSION, **context
            )
        except TemplateError as error:
            raise GeneratorError(
                f"templates/{template}: rendering {path} failed: {error}"
            ) from None
        files.append(RenderedFile(path, text, source))

    add("pyproject.toml", "package/pyproject.toml.jinja", None)
    add("realtime_rest/__init__.py", "package/__init__.py.jinja", None, services=services)
    add("realtime_rest/_version.py", "package/_version.py.jinja", None)
    files.append(RenderedFile("realtime_rest/py.typed", "", None, verbatim=True))
    files.extend(copied_files(RUNTIME, "realtime_rest/_runtime"))
    files.extend(copied_files(EMULATOR, "realtime_rest/emulator"))
    add("tests/conftest.py", "tests/conftest.py.jinja", None)
    for service in services:
        package = f"realtime_rest/{service.name}"
        add(f"{package}/__init__.py", "service/__init__.py.jinja", None, service=service)
        # Every version of the service feeds its matrix and changelog.
        add(f"docs/{service.name}/README.md", "docs/service.md.jinja", None, service=service)
        for version in service.versions:
            _render_version(add, service, version)
    return files


def copied_files(source: Path, package: str) -> list[RenderedFile]:
    """The modules of a folder of plain Python, as they are in the repository, under `package`."""
    return [
        RenderedFile(f"{package}/{module.name}", _read_source(module), None, True)
        for module in sorted(source.glob("*.py"))
    ]


def _read_source(path: Path) -> str:
    # newline="" keeps the bytes as they are: the copy must equal the source exactly.
    with path.open(encoding="utf-8", newline="") as file:
        return file.read()


def render_comparison(comparison: ir.Comparison, templates: Path = TEMPLATES) -> str:
    """The Markdown report of `generator diff`, laid out as the changelog's sections are."""
    return environment(templates).get_template("docs/diff.md.jinja").render(comparison=comparison)


def _render_version(add: Any, service: ir.Service, version: ir.Version) -> None:
    folder = f"realtime_rest/{service.name}/{version.module}"
    imports = version.imports
    common = {"service": service, "version": version}
    add(f"{folder}/__init__.py", "version/__init__.py.jinja", version.spec_path, **common)
    add(
        f"docs/{service.name}/{version.module}.md",
        "docs/version.md.jinja",
        version.spec_path,
        **common,
    )
    add(
        f"{folder}/models.py",
        "version/models.py.jinja",
        version.spec_path,
        imports=imports.models,
        **common,
    )
    add(
        f"{folder}/_operations.py",
        "version/_operations.py.jinja",
        version.spec_path,
        imports=imports.operations,
        **common,
    )
    add(f"{folder}/_api.py", "version/_api.py.jinja", version.spec_path, **common)
    for module, is_async, module_imports in (
        ("_client.py", False, imports.client),
        ("_async_client.py", True, imports.async_client),
    ):
        add(
            f"{folder}/{module}",
            "version/client.jinja",
            version.spec_path,
            is_async=is_async,
            class_name=("Async" if is_async else "") + service.client_name,
            imports=module_imports,
            **common,
        )
    for suffix, template in (
        ("", "test_version"),
        ("_contract", "test_contract"),
        ("_emulator", "test_emulator"),
    ):
        add(
            f"tests/{service.name}/test_{version.module}{suffix}.py",
            f"tests/{template}.py.jinja",
            version.spec_path,
            **common,
        )
