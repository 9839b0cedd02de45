"""Stage 7: put the rendered files in place, touching only what changed.

Everything is rendered and formatted in memory before this stage runs, so a fault in any spec or
template leaves the output folder as it was. The generator owns exactly the files listed in its
manifest; files it produced before and produces no more are removed.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

MANIFEST = ".generated-files"


@dataclass(frozen=True)
class Changes:
    written: tuple[str, ...]
    removed: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not self.written and not self.removed


def manifest(paths: list[str]) -> str:
    return "".join(f"{path}\n" for path in sorted(paths))


def owned_files(out_dir: Path) -> set[str]:
    manifest = out_dir / MANIFEST
    if not manifest.exists():
        return set()
    return {line for line in manifest.read_text(encoding="utf-8").splitlines() if line} | {MANIFEST}


def plan(out_dir: Path, files: dict[str, str], *, remove_stale: bool = True) -> Changes:
    written = tuple(path for path, text in sorted(files.items()) if _read(out_dir / path) != text)
    removed = tuple(sorted(owned_files(out_dir) - set(files))) if remove_stale else ()
    return Changes(written, removed)


def write(out_dir: Path, files: dict[str, str], *, remove_stale: bool = True) -> Changes:
    changes = plan(out_dir, files, remove_stale=remove_stale)
    for path in changes.written:
        _write_atomically(out_dir / path, files[path])
    for path in changes.removed:
        (out_dir / path).unlink(missing_ok=True)
        _remove_empty_parents(out_dir / path, out_dir)
    return changes


def unified_diff(out_dir: Path, files: dict[str, str]) -> str:
    changes = plan(out_dir, files)
    chunks: list[str] = []
    for path in (*changes.written, *changes.removed):
        before = _read(out_dir / path) or ""
        after = files.get(path, "")
        chunks.extend(
            difflib.unified_diff(
                before.splitlines(keepends=True),
                after.splitlines(keepends=True),
                fromfile=f"a/generated/{path}",
                tofile=f"b/generated/{path}",
            )
        )
    return "".join(chunks)


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None


def _write_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as stream:
            stream.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _remove_empty_parents(path: Path, root: Path) -> None:
    parent = path.parent
    while parent != root and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent
