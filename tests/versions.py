"""The API versions the specs folder holds: tests derive what they expect from it, so that a spec
bump needs no test edited."""

from __future__ import annotations

from pathlib import Path

SPECS = Path(__file__).resolve().parent.parent / "specs"


def spec_files() -> list[str]:
    """Every spec as `<service>/<version>.yaml`, in a stable order."""
    return sorted(path.relative_to(SPECS).as_posix() for path in SPECS.glob("*/*.yaml"))


def versions(service: str) -> list[str]:
    """A service's versions, oldest first: v1 predates the date-named ones, dates sort as text."""
    stems = [path.stem for path in (SPECS / service).glob("*.yaml")]
    return sorted(stems, key=lambda version: (not version.startswith("v"), version))


def newest(service: str) -> str:
    return versions(service)[-1]
