"""The stages in order: load → validate → normalize → merge → render → format. Writing is the caller's."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from generator import ir
from generator.format import format_all
from generator.load import display_path, find_specs, load_spec
from generator.merge import merge
from generator.normalize import normalize
from generator.render import TEMPLATES, RenderedFile, render
from generator.validate import (
    VOCABULARY,
    read_vocabulary,
    validate_conventions,
    validate_one_spec_per_module,
    validate_spec,
)
from generator.write import MANIFEST, manifest


def load_services(specs_dir: Path, root: Path) -> list[ir.Service]:
    """Load, validate and normalize every spec, then merge them per service."""
    paths = find_specs(specs_dir, root)
    vocabulary_file = display_path(specs_dir / VOCABULARY, root)
    vocabulary = read_vocabulary(specs_dir / VOCABULARY, vocabulary_file)
    specs = []
    for path in paths:
        spec = load_spec(path, display_path(path, root))
        validate_spec(spec)
        validate_conventions(spec, vocabulary, vocabulary_file)
        specs.append(spec)
    validate_one_spec_per_module(specs)
    return merge([normalize(spec) for spec in specs])


def build(specs_dir: Path, root: Path, templates: Path = TEMPLATES) -> list[RenderedFile]:
    """Every generated file, rendered and formatted, in memory; the manifest last."""
    rendered = render(load_services(specs_dir, root), templates)
    python = [f for f in rendered if f.path.endswith(".py") and not f.verbatim]
    formatted = dict(zip([f.path for f in python], format_all([(f.path, f.text) for f in python])))
    files = [replace(f, text=formatted.get(f.path, f.text)) for f in rendered]
    return [*files, RenderedFile(MANIFEST, manifest([f.path for f in files]), None)]
