"""Stage 6: black on every generated Python file: spread over the CPUs, and remembered.

Black takes most of a generation's time. Its output depends only on its version, its mode and
the input, so each result is kept in the cache (generator/cache.py) under a key of those three; a
regeneration after a small spec change formats only the files that changed, and a run that finds
every file in the cache does not even import black.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from importlib.metadata import version
from typing import TYPE_CHECKING

from generator import cache
from generator.errors import GeneratorError

if TYPE_CHECKING:
    from black.mode import Mode

LINE_LENGTH = 100
TARGET = "py310"
_MODE_KEY = f"black {version('black')} line-length {LINE_LENGTH} target {TARGET}"


def format_python(path: str, source: str) -> str:
    import black
    from black.parsing import InvalidInput

    try:
        return black.format_str(source, mode=_mode())
    except InvalidInput as error:
        # A template produced invalid Python: a fault of the templates, not of a spec.
        first_line = str(error).splitlines()[0]
        raise GeneratorError(
            f"generated/{path}: generated code does not parse: {first_line}"
        ) from None


def _mode() -> Mode:
    from black.mode import Mode, TargetVersion

    return Mode(target_versions={TargetVersion[TARGET.upper()]}, line_length=LINE_LENGTH)


def format_all(files: list[tuple[str, str]]) -> list[str]:
    """Every (path, source) formatted, in order: from the cache, else by black."""
    entries = cache.folder("black")
    keys = [cache.key(_MODE_KEY, source) for _, source in files]
    texts = {key: text for key in keys if (text := cache.read(entries / key)) is not None}
    to_format = {key: file for key, file in zip(keys, files) if key not in texts}
    for key, text in zip(to_format, _format_many(list(to_format.values()))):
        texts[key] = text
        cache.write(entries / key, text)
    return [texts[key] for key in keys]


def _format_many(files: list[tuple[str, str]]) -> list[str]:
    workers = min(os.cpu_count() or 1, len(files))
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return [format_python(path, source) for path, source in files]
    import black  # before forking, once: the workers start with it loaded

    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("fork")) as pool:
        return list(pool.map(format_python, *zip(*files)))
