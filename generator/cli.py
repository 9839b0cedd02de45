"""The command line: generate, check, validate and diff (also `python -m generator`)."""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import click

from generator.errors import GeneratorError
from generator.load import display_path
from generator.pipeline import build, load_services
from generator.render import RenderedFile
from generator.write import leftovers, unified_diff, write

# The modules of diff, compare and import are loaded by their commands: generate, which runs
# most often, needs none of them.

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
    changes = _run(lambda: write(out_dir, chosen, remove_stale=not selection))
    elapsed = time.perf_counter() - started
    for verb, paths in (("written", changes.written), ("removed", changes.removed)):
        for path in paths:
            click.echo(f"{verb}  {display_path(out_dir / path, root)}")
    click.echo(
        f"generated {len(chosen)} files in {elapsed:.2f}s: "
        f"{len(changes.written)} written, {len(changes.removed)} removed"
    )


@main.command()
@click.pass_obj
def check(root: Path) -> None:
    """Exit 1 when generated/ is out of date (printing a unified diff) or half written."""
    specs_dir, out_dir = _paths(root)
    files = {f.path: f.text for f in _run(lambda: build(specs_dir, root))}
    left = _run(lambda: leftovers(out_dir))
    if left:
        click.echo(
            f"error: an interrupted generate left {', '.join(left)}: run `make generate` to repair",
            err=True,
        )
        sys.exit(1)
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


@main.command()
@click.argument("service")
@click.option(
    "--from", "old", metavar="VERSION", help="The older version (default: the second newest)."
)
@click.option("--to", "new", metavar="VERSION", help="The newer version (default: the newest).")
@click.option(
    "--format",
    "output",
    type=click.Choice(["markdown", "json"]),
    default="markdown",
    show_default=True,
)
@click.option(
    "--fail-on",
    type=click.Choice(["breaking", "warning"]),
    help="Exit 1 when a change is this severe: breaking, or warning (breaking or warning).",
)
@click.pass_obj
def diff(
    root: Path, service: str, old: str | None, new: str | None, output: str, fail_on: str | None
) -> None:
    """What changed in SERVICE's API between two versions, and whether it breaks callers."""
    from generator.diff import SEVERITIES, compare, worst
    from generator.render import render_comparison

    specs_dir, _ = _paths(root)
    services = {s.name: s for s in _run(lambda: load_services(specs_dir, root))}
    if service not in services:
        raise click.UsageError(f"no service {service!r} (known: {', '.join(sorted(services))})")
    versions = {v.version: v for v in services[service].versions}  # oldest first
    ordered = list(versions)
    old = old or ordered[max(len(ordered) - 2, 0)]
    new = new or ordered[-1]
    for version in (old, new):
        if version not in versions:
            raise click.UsageError(
                f"{service} has no version {version!r} (known: {', '.join(ordered)})"
            )
    comparison = compare(versions[old], versions[new])
    if output == "json":
        summary = {severity: len(comparison.of(severity)) for severity in SEVERITIES}
        report = {**dataclasses.asdict(comparison), "summary": summary}
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        click.echo(render_comparison(comparison), nl=False)
    severity = worst(comparison)
    if fail_on and severity and SEVERITIES.index(severity) <= SEVERITIES.index(fail_on):
        sys.exit(1)


@main.command(name="compare")
@click.argument("spec", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("official", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format",
    "output",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
def compare_command(spec: Path, official: Path, output: str) -> None:
    """Every wire-level difference between SPEC and a published description OFFICIAL.

    Exits 1 while a difference is not marked deliberate with x-deviation in SPEC.
    """
    from generator.compare import compare_documents, undeliberate
    from generator.published import read_document

    ours = _run(lambda: read_document(spec, spec.as_posix()))
    published = _run(lambda: read_document(official, official.as_posix()))
    differences = compare_documents(ours, published)
    open_ones = undeliberate(differences)
    if output == "json":
        report = {
            "differences": [dataclasses.asdict(d) for d in differences],
            "summary": {"total": len(differences), "not deliberate": len(open_ones)},
        }
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    else:
        for difference in differences:
            click.echo(difference.line())
        click.echo(
            f"{len(differences)} differences, {len(differences) - len(open_ones)} deliberate, "
            f"{len(open_ones)} not"
        )
    if open_ones:
        sys.exit(1)


@main.command(name="import")
@click.argument("service")
@click.argument("source", metavar="FILE", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Overwrite the spec of that version if there is one.")
@click.pass_obj
def import_command(root: Path, service: str, source: Path, force: bool) -> None:
    """Write specs/SERVICE/<its version>.yaml from a published description FILE."""
    from generator.importer import import_description

    specs_dir, _ = _paths(root)
    target, text = _run(lambda: import_description(service, source, specs_dir))
    shown = display_path(target, root)
    if target.exists() and not force:
        click.echo(f"error: {shown}: file: exists; pass --force to overwrite it", err=True)
        sys.exit(1)
    target.write_text(text, encoding="utf-8")
    click.echo(f"wrote {shown}: review it, then `make generate`")


def _run(stage: Callable[[], T]) -> T:
    try:
        return stage()
    except GeneratorError as error:
        click.echo(f"error: {error}", err=True)
        sys.exit(1)
