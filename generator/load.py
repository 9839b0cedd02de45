"""Stage 1: read spec files. YAML faults name the file, line and column."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.errors import SpecError


@dataclass(frozen=True)
class LoadedSpec:
    path: str  # as given, relative to the project where possible, for messages
    service: str  # the folder name under specs/
    document: dict[str, Any]


# libyaml's parser when PyYAML was built with it: ten times faster than the pure-Python one.
_SafeLoader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _UniqueKeyLoader(_SafeLoader):  # type: ignore[valid-type,misc]
    """libyaml's SafeLoader, refusing duplicate mapping keys instead of keeping the last one."""


def _construct_mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node)
        if key in seen:
            raise yaml.MarkedYAMLError(
                problem=f"duplicate key {key!r}", problem_mark=key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _construct_string(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


# OpenAPI documents are JSON: an unquoted 2024-12-01 is the string API version, not a date.
_UniqueKeyLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_string)


def load_spec(path: Path, display: str) -> LoadedSpec:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SpecError(display, "file", f"cannot read: {error}") from None
    try:
        document = yaml.load(text, Loader=_UniqueKeyLoader)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        place = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "document"
        raise SpecError(display, place, f"invalid YAML: {error.problem}") from None
    except yaml.YAMLError as error:
        raise SpecError(display, "document", f"invalid YAML: {error}") from None
    if not isinstance(document, dict):
        raise SpecError(display, "document", "expected a mapping at the top level")
    return LoadedSpec(path=display, service=path.parent.name, document=document)


def find_specs(specs_dir: Path) -> list[Path]:
    """Every specs/<service>/<version>.yaml, in a stable order."""
    return sorted(specs_dir.glob("*/*.yaml"))
