"""Stage 7: put the rendered files in place, all or nothing, touching only what changed.

Everything is rendered and formatted in memory before this stage runs, so a fault in any spec or
template leaves the output folder as it was. The generator owns exactly the files listed in its
manifest; files it produced before and produces no more are removed, and any others are kept.

A killed or failed write leaves the output folder (generated/) wholly old or wholly new:
1. Stage: build the whole new tree in the sibling folder `.generated.new`, hard-linking what does not
   change (unchanged output, foreign files) from the old tree and writing what does.
2. Swap: one renameat2(RENAME_EXCHANGE) trades the two folders atomically; where the system has no
   such exchange, two renames do it (generated/ to `.generated.old`, then the staging folder to
   generated/), and between them generated/ is missing for an instant.
3. Discard: the old tree, renamed `.generated.old`, is deleted.
The sibling folders are the journal, and `generate` repairs from them before it writes. With
generated/ in place, a sibling is an unfinished stage or a discarded tree: it is deleted. Without
it, both siblings mean the fallback's swap was cut between its renames, after a complete stage: it
is finished; the old tree alone is put back; a stage alone (a first generation) is deleted.
`check` reports any of them. A lock on the folder holding generated/ keeps a second `generate` or
a `check` from running into one that is writing; the system drops it when the process ends.
This covers a process killed at any point, not a power cut, which would need an fsync of every
file on every run.
"""

from __future__ import annotations

import ctypes
import difflib
import errno
import fcntl
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from generator.errors import GeneratorError

MANIFEST = ".generated-files"
# A temporary file of the writer that replaced files one by one: `.name.` and mkstemp's 8 characters.
_PER_FILE_TEMPORARY = re.compile(r"\.(?P<name>.+)\.[a-z0-9_]{8}")


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
    out_dir = out_dir.resolve()
    try:
        with _locked(out_dir, fcntl.LOCK_EX):
            repair(out_dir)
            changes = plan(out_dir, files, remove_stale=remove_stale)
            if not changes.empty:
                try:
                    _stage(out_dir, _sibling(out_dir, "new"), files, changes)
                    _swap(_sibling(out_dir, "new"), out_dir)
                finally:
                    repair(out_dir)  # after a fault: back to the old tree, or on to the new one
            return changes
    except OSError as error:
        raise GeneratorError(f"{out_dir.name}/: cannot write: {error}") from None


def leftovers(out_dir: Path) -> list[str]:
    """What an interrupted write left behind, relative to the output folder's parent."""
    out_dir = out_dir.resolve()
    with _locked(out_dir, fcntl.LOCK_SH):
        found = [f"{folder.name}/" for folder in _siblings(out_dir) if folder.exists()]
        if out_dir.is_dir():
            found += [
                path.relative_to(out_dir.parent).as_posix()
                for path in _per_file_temporaries(out_dir)
            ]
    return found


@contextmanager
def _locked(out_dir: Path, kind: int) -> Iterator[None]:
    """A lock on the folder that holds the output folder: one writer, or readers, at a time."""
    handle = os.open(out_dir.parent, os.O_RDONLY)
    try:
        try:
            fcntl.flock(handle, kind | fcntl.LOCK_NB)
        except BlockingIOError:
            raise GeneratorError(f"{out_dir.name}/: another generate is writing it") from None
        yield
    finally:
        os.close(handle)


def repair(out_dir: Path) -> None:
    """Bring an interrupted write to an end: wholly old or wholly new, and nothing left behind."""
    staging, old = _siblings(out_dir)
    if not out_dir.exists():
        if staging.exists() and old.exists():
            os.rename(staging, out_dir)
        elif old.exists():
            os.rename(old, out_dir)
    for folder in (staging, old):
        if folder.exists():
            shutil.rmtree(folder)
    if out_dir.is_dir():
        for path in _per_file_temporaries(out_dir):
            path.unlink()


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


def _sibling(out_dir: Path, role: str) -> Path:
    return out_dir.with_name(f".{out_dir.name}.{role}")


def _siblings(out_dir: Path) -> tuple[Path, Path]:
    return _sibling(out_dir, "new"), _sibling(out_dir, "old")


def _per_file_temporaries(out_dir: Path) -> list[Path]:
    owned = {out_dir / path for path in owned_files(out_dir)}
    folders = sorted({path.parent for path in owned if path.parent.is_dir()})
    return [
        entry
        for folder in folders
        for entry in sorted(folder.iterdir())
        if (match := _PER_FILE_TEMPORARY.fullmatch(entry.name)) and folder / match["name"] in owned
    ]


def _stage(out_dir: Path, staging: Path, files: dict[str, str], changes: Changes) -> None:
    staging.mkdir()
    if out_dir.is_dir():
        _link_tree(out_dir, staging, skip={*changes.written, *changes.removed})
    for path in changes.written:
        _put(staging / path, files[path])
    for path in changes.removed:
        _remove_empty_parents(staging / path, staging)


def _link_tree(source: Path, target: Path, skip: set[str]) -> None:
    """Mirror the tree with hard links (copies where links fail), leaving out the paths to skip."""
    for folder, folders, names in os.walk(source):
        relative = Path(folder).relative_to(source)
        for name in [*folders, *names]:
            path = relative / name
            origin, copy = source / path, target / path
            if origin.is_symlink():
                os.symlink(os.readlink(origin), copy)
            elif origin.is_dir():
                copy.mkdir()
            elif path.as_posix() not in skip:
                _link(origin, copy)


def _link(origin: Path, copy: Path) -> None:
    try:
        os.link(origin, copy)
    except OSError:
        shutil.copy2(origin, copy)


def _put(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("x", encoding="utf-8", newline="\n") as stream:
        stream.write(text)


def _swap(staging: Path, out_dir: Path) -> None:
    if not out_dir.exists():
        os.rename(staging, out_dir)
        return
    old = _sibling(out_dir, "old")
    if _exchange(staging, out_dir):
        os.rename(staging, old)
    else:
        os.rename(out_dir, old)
        os.rename(staging, out_dir)
    shutil.rmtree(old)


_AT_FDCWD = -100
_RENAME_EXCHANGE = 2


def _exchange(first: Path, second: Path) -> bool:
    """Trade two folders' names in one step (Linux 3.15+); False where the system cannot."""
    renameat2 = getattr(ctypes.CDLL(None, use_errno=True), "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(
        _AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE
    )
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(first), None, str(second))


def _remove_empty_parents(path: Path, root: Path) -> None:
    parent = path.parent
    while parent != root and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent
