"""Stage 6: black on every generated Python file: spread over the CPUs, and remembered.

Black takes most of a generation's time. Its output depends only on its version, its mode and
the input, so each result is kept in a cache keyed by those; a regeneration after a small spec
change formats only the files that changed. The cache lives in ``$REALTIME_REST_CACHE`` (default
``~/.cache/realtime-rest``); deleting it is always safe.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from importlib.metadata import version
from pathlib import Path

import black
from black.mode import Mode, TargetVersion
from black.parsing import InvalidInput

from generator.errors import GeneratorError

_MODE = Mode(target_versions={TargetVersion.PY310}, line_length=100)
_MODE_KEY = f"black {version('black')} {_MODE!r}"


def format_python(path: str, source: str) -> str:
    try:
        return black.format_str(source, mode=_MODE)
    except InvalidInput as error:
        # A template produced invalid Python: a fault of the templates, not of a spec.
        first_line = str(error).splitlines()[0]
        raise GeneratorError(
            f"generated/{path}: generated code does not parse: {first_line}"
        ) from None


def format_all(files: list[tuple[str, str]]) -> list[str]:
    """Every (path, source) formatted, in order: from the cache, else by black."""
    cache = _cache_dir()
    keys = [hashlib.sha256(f"{_MODE_KEY}\n{source}".encode()).hexdigest() for _, source in files]
    texts = {key: text for key in keys if (text := _read(cache / key)) is not None}
    to_format = {key: file for key, file in zip(keys, files) if key not in texts}
    for key, text in zip(to_format, _format_many(list(to_format.values()))):
        texts[key] = text
        _write(cache / key, text)
    return [texts[key] for key in keys]


def _format_many(files: list[tuple[str, str]]) -> list[str]:
    workers = min(os.cpu_count() or 1, len(files))
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [format_python(path, source) for path, source in files]
    # Forked workers start at once, with the parent's imports already done.
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(format_python, *zip(*files)))


def _cache_dir() -> Path:
    default = Path.home() / ".cache" / "realtime-rest"
    return Path(os.environ.get("REALTIME_REST_CACHE") or default) / "black"


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return None


def _write(path: Path, text: str) -> None:
    """Write whole or not at all (a reader never sees half a file); a cache that cannot be
    written only costs time."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, delete=False
        ) as file:
            file.write(text)
        os.replace(file.name, path)
    except OSError:
        pass
