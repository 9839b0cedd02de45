"""The command line: generate, check and validate (also `python -m generator`)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from generator.errors import GeneratorError
from generator.pipeline import build, load_services
from generator.render import RenderedFile
from generator.write import unified_diff, write

T = TypeVar("T")
ROOT = Path(__file__).resolve().parent.parent


def _paths(root: Path) -> tuple[Path, Path]:
    return root / "specs", root / "generated"


def _selected(files: list[RenderedFile], selection: tuple[str, ...]) -> dict[str, str]:
    if not selection:
        return {f.path: f.text for f in files}
    service, *version = selection
    wanted = f"specs/{service}/{version[0]}.yaml" if version else f"specs/{service}/"
    return {f.path: f.text for f in files if f.source and f.source.startswith(wanted)}


@click.group()
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=ROOT,
    show_default="the project folder",
    help="Folder holding specs/ and generated/.",
)
@click.pass_context
def main(context: click.Context, root: Path) -> None:
    """Generate typed Python clients from the OpenAPI specs under specs/."""
    context.obj = root


@main.command()
@click.argument("service", required=False)
@click.argument("version", required=False)
@click.pass_obj
def generate(root: Path, service: str | None, version: str | None) -> None:
    """Regenerate generated/ from every spec, or only from one SERVICE [VERSION]."""
    specs_dir, out_dir = _paths(root)
    started = time.perf_counter()
    selection = tuple(part for part in (service, version) if part)
    files = _run(lambda: build(specs_dir, root))
    chosen = _selected(files, selection)
    if selection and not chosen:
        raise click.UsageError(f"no spec matches {'/'.join(selection)}")
    # A partial run writes its own files and removes nothing: it cannot know what the others own.
    changes = write(out_dir, chosen, remove_stale=not selection)
    elapsed = time.perf_counter() - started
    click.echo(
        f"generated {len(chosen)} files in {elapsed:.2f}s: "
        f"{len(changes.written)} written, {len(changes.removed)} removed"
    )


@main.command()
@click.pass_obj
def check(root: Path) -> None:
    """Exit 1 with a unified diff when generated/ is not what the specs produce."""
    specs_dir, out_dir = _paths(root)
    files = {f.path: f.text for f in _run(lambda: build(specs_dir, root))}
    difference = unified_diff(out_dir, files)
    if difference:
        click.echo(difference, nl=False)
        click.echo("generated/ is out of date: run `make generate`", err=True)
        sys.exit(1)
    click.echo(f"generated/ is up to date ({len(files)} files)")


@main.command()
@click.pass_obj
def validate(root: Path) -> None:
    """Validate and normalize every spec without writing anything."""
    specs_dir, _ = _paths(root)
    services = _run(lambda: load_services(specs_dir, root))
    count = sum(len(service.versions) for service in services)
    click.echo(f"{count} specs are valid")


def _run(stage: Callable[[], T]) -> T:
    try:
        return stage()
    except GeneratorError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
