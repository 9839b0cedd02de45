"""The one error type of the pipeline: a fault in an input file, with where it is."""

from __future__ import annotations


class GeneratorError(Exception):
    """Generation cannot go on; the message is one line that says where and what."""


class SpecError(GeneratorError):
    """A spec cannot be turned into code. Printed as one line: file, place, what is wrong."""

    def __init__(self, file: str, place: str, problem: str) -> None:
        super().__init__(f"{one_line(file)}: {one_line(place)}: {one_line(problem)}")
        self.file = file
        self.place = place
        self.problem = problem


def one_line(text: str) -> str:
    """The text, with line breaks and other unprintable characters escaped as Python would."""
    return text if text.isprintable() else repr(text)[1:-1]


def json_path(parts: tuple[object, ...] | list[object]) -> str:
    """Render a location inside a document the way JSON Schema tools print it: $.paths['/x'].get."""
    rendered = "$"
    for part in parts:
        if isinstance(part, int):
            rendered += f"[{part}]"
        elif isinstance(part, str) and part.isidentifier():
            rendered += f".{part}"
        else:
            rendered += f"[{str(part)!r}]"
    return rendered
