"""Stage 6: black, in-process, on every generated Python file."""

from __future__ import annotations

import black
from black.mode import Mode, TargetVersion
from black.parsing import InvalidInput

from generator.errors import GeneratorError

_MODE = Mode(target_versions={TargetVersion.PY310}, line_length=100)


def format_python(path: str, source: str) -> str:
    try:
        return black.format_str(source, mode=_MODE)
    except InvalidInput as error:
        # A template produced invalid Python: a fault of the templates, not of a spec.
        first_line = str(error).splitlines()[0]
        raise GeneratorError(
            f"generated/{path}: generated code does not parse: {first_line}"
        ) from None
