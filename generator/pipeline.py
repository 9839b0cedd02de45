"""The stages in order: load → validate → normalize → merge → render → format. Writing is the caller's."""

from __future__ import annotations

from pathlib import Path

from generator import ir
from generator.format import format_all
from generator.load import display_path, find_specs, load_spec
from generator.merge import merge
from generator.normalize import normalize
from generator.render import TEMPLATES, RenderedFile, render
from generator.validate import validate_spec
from generator.write import MANIFEST, manifest


def load_services(specs_dir: Path, root: Path) -> list[ir.Service]:
    """Load, validate and normalize every spec, then merge them per service."""
    versions = []
    for path in find_specs(specs_dir, root):
        spec = load_spec(path, display_path(path, root))
        validate_spec(spec)
        versions.append(normalize(spec))
    return merge(versions)


def build(specs_dir: Path, root: Path, templates: Path = TEMPLATES) -> list[RenderedFile]:
    """Every generated file, rendered and formatted, in memory; the manifest last."""
    rendered = render(load_services(specs_dir, root), templates)
    python = [f for f in rendered if f.path.endswith(".py")]
    formatted = dict(zip([f.path for f in python], format_all([(f.path, f.text) for f in python])))
    files = [RenderedFile(f.path, formatted.get(f.path, f.text), f.source) for f in rendered]
    return [*files, RenderedFile(MANIFEST, manifest([f.path for f in files]), None)]
