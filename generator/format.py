"""Stage 6: black, in-process, on every generated Python file."""

from __future__ import annotations

import black

_MODE = black.Mode(target_versions={black.TargetVersion.PY310}, line_length=100)


def format_python(source: str) -> str:
    try:
        return black.format_str(source, mode=_MODE)
    except black.InvalidInput as error:
        # A template produced invalid Python: a fault of the generator, not of a spec.
        raise RuntimeError(f"generated code does not parse: {error}") from None
