"""Stage 1: find and read spec files. Faults name the file, and the line and column where there is one.

A spec is untrusted input, so reading it is bounded before anything walks the document: the file's
size, the number of YAML nodes once aliases are expanded ("billion laughs"), the nesting depth, and
recursive aliases. The folder is bounded too: spec files must be regular files inside specs/.
"""

from __future__ import annotations

import stat
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.errors import SpecError

# Today's specs are under 25 KB, hold under 2,000 nodes and nest 10 levels deep: these leave room for
# specs a hundred times larger while keeping every later stage's recursion and running time in bounds.
MAX_BYTES = 4 * 1024 * 1024
MAX_NODES = 250_000
MAX_DEPTH = 64
_TOO_DEEP = f"nested deeper than {MAX_DEPTH} levels"


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
        if not isinstance(key_node, yaml.ScalarNode):
            raise yaml.MarkedYAMLError(
                problem="a mapping key must be a plain value", problem_mark=key_node.start_mark
            )
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


def _refuse_tag(loader: yaml.SafeLoader, node: yaml.Node) -> None:
    raise yaml.MarkedYAMLError(
        problem=f"tag {node.tag!r} is not allowed: a spec holds JSON values only",
        problem_mark=node.start_mark,
    )


for _tag in ("binary", "set", "omap", "pairs"):
    _UniqueKeyLoader.add_constructor(f"tag:yaml.org,2002:{_tag}", _refuse_tag)


def _number(construct: Callable[[Any, Any], Any]) -> Any:
    """The number constructor, its faults (`!!int "0x"`, ten thousand digits) placed in the file."""

    def checked(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
        try:
            return construct(loader, node)
        except ValueError as error:
            raise yaml.MarkedYAMLError(
                problem=f"not a readable number: {error}", problem_mark=node.start_mark
            ) from None

    return checked


_UniqueKeyLoader.add_constructor(
    "tag:yaml.org,2002:int", _number(yaml.constructor.SafeConstructor.construct_yaml_int)
)
_UniqueKeyLoader.add_constructor(
    "tag:yaml.org,2002:float", _number(yaml.constructor.SafeConstructor.construct_yaml_float)
)


def display_path(path: Path, root: Path) -> str:
    """The path relative to the project, without following symlinks (they must show as named)."""
    try:
        return path.absolute().relative_to(root.absolute()).as_posix()
    except ValueError:
        return path.as_posix()


def find_specs(specs_dir: Path, root: Path) -> list[Path]:
    """Every specs/<service>/<version>.yaml, in a stable order; none at all is an error."""
    folder = display_path(specs_dir, root) + "/"
    if not specs_dir.is_dir():
        raise SpecError(folder, "folder", "not found: specs live in specs/<service>/<version>.yaml")
    inside = specs_dir.resolve()
    found = []
    for service in _entries(specs_dir, root):
        if not _is_folder_within(service, inside, root):
            continue
        for path in _entries(service, root):
            if path.name.endswith(".yaml"):
                _check_file_within(path, inside, root)
                found.append(path)
    if not found:
        raise SpecError(folder, "folder", "no spec files: expected specs/<service>/<version>.yaml")
    return found


def _entries(folder: Path, root: Path) -> list[Path]:
    try:
        return sorted(folder.iterdir())
    except OSError as error:
        raise SpecError(
            display_path(folder, root) + "/", "folder", f"cannot read: {error}"
        ) from None


def _is_folder_within(path: Path, inside: Path, root: Path) -> bool:
    """Whether the entry is a service folder; a symlink that loops or leaves specs/ is an error."""
    if path.is_symlink():
        _resolve_within(path, inside, root)
    return path.is_dir()


def _check_file_within(path: Path, inside: Path, root: Path) -> None:
    resolved = _resolve_within(path, inside, root)
    # A named pipe or a device would block or never end when read.
    if not stat.S_ISREG(resolved.stat().st_mode):
        raise SpecError(display_path(path, root), "file", "not a regular file")


def _resolve_within(path: Path, inside: Path, root: Path) -> Path:
    try:
        resolved = path.resolve(strict=True)
    except (OSError, RuntimeError):  # RuntimeError: Python before 3.13 reports loops so
        raise SpecError(
            display_path(path, root), "file", "symlink loop or dangling symlink"
        ) from None
    if not resolved.is_relative_to(inside):
        raise SpecError(display_path(path, root), "file", "symlink points outside specs/")
    return resolved


def load_spec(path: Path, display: str) -> LoadedSpec:
    document = _parse(_read(path, display), display)
    if not isinstance(document, dict):
        raise SpecError(display, "document", "expected a mapping at the top level")
    return LoadedSpec(path=display, service=path.parent.name, document=document)


def _read(path: Path, display: str) -> str:
    try:
        with path.open("rb") as stream:
            data = stream.read(MAX_BYTES + 1)
        if len(data) > MAX_BYTES:
            raise SpecError(display, "file", f"larger than {MAX_BYTES} bytes")
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise SpecError(display, "file", f"cannot read: {error}") from None


def _parse(text: str, display: str) -> Any:
    loader = _UniqueKeyLoader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        _check_bounds(node, display)
        return loader.construct_document(node)
    except yaml.MarkedYAMLError as error:
        raise SpecError(
            display, _place(error.problem_mark), f"invalid YAML: {error.problem}"
        ) from None
    except yaml.YAMLError as error:
        raise SpecError(display, "document", f"invalid YAML: {error}") from None
    finally:
        loader.dispose()


def _place(mark: yaml.Mark | None) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}" if mark else "document"


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_bounds(root: yaml.Node, display: str) -> None:
    """Refuse recursive aliases, too many nodes once aliases are expanded, and deep nesting."""
    if not _check_tree(root, display):
        _check_graph(root, display)


def _too_many(display: str, node: yaml.Node) -> SpecError:
    return SpecError(
        display,
        _place(node.start_mark),
        f"more than {MAX_NODES} YAML nodes once aliases are expanded",
    )


def _check_tree(root: yaml.Node, display: str) -> bool:
    """The cheap pass for the usual document, where no alias repeats a list or mapping: level by
    level, counting. False, having checked nothing, when an alias does repeat one."""
    seen: set[int] = set()
    level = [root]
    depth, count = 1, 0
    while level:
        if depth > MAX_DEPTH:
            raise SpecError(display, _place(level[0].start_mark), _TOO_DEEP)
        if count + len(level) > MAX_NODES:
            raise _too_many(display, level[MAX_NODES - count])  # the first node over the limit
        count += len(level)
        following: list[yaml.Node] = []
        for node in level:
            if isinstance(node, yaml.ScalarNode):
                continue
            if id(node) in seen:
                return False
            seen.add(id(node))
            if isinstance(node, yaml.MappingNode):
                for key, value in node.value:
                    following += (key, value)
            else:
                following += node.value
        level = following
        depth += 1
    return True


def _check_graph(root: yaml.Node, display: str) -> None:
    """One pass over the node graph that aliases share: a node's expanded size and height are
    counted once and reused wherever an alias repeats it, so an alias bomb costs no more than its
    text."""
    sizes: dict[int, int] = {}
    heights: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[yaml.Node, int, bool]] = [(root, 1, False)]
    while stack:
        node, depth, finished = stack.pop()
        key = id(node)
        if finished:
            children = _children(node)
            sizes[key] = 1 + sum(sizes[id(child)] for child in children)
            heights[key] = 1 + max((heights[id(child)] for child in children), default=0)
            open_nodes.discard(key)
            if sizes[key] > MAX_NODES:
                raise _too_many(display, node)
        elif key in sizes:  # an alias of a node already measured
            if depth + heights[key] - 1 > MAX_DEPTH:
                raise SpecError(display, _place(node.start_mark), _TOO_DEEP)
        elif key in open_nodes:
            raise SpecError(display, _place(node.start_mark), "an alias refers to its own anchor")
        elif depth > MAX_DEPTH:
            raise SpecError(display, _place(node.start_mark), _TOO_DEEP)
        else:
            open_nodes.add(key)
            stack.append((node, depth, True))
            stack.extend((child, depth + 1, False) for child in reversed(_children(node)))
