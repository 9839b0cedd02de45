"""The VERSIONS mapping of each service: every API version by name, imported on first use."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from importlib import import_module
from types import ModuleType


class Versions(Mapping[str, ModuleType]):
    """API version → its module. Only the versions asked for are imported, so importing a
    service costs the newest version alone."""

    def __init__(self, modules: dict[str, str]) -> None:
        self._modules = modules

    def __getitem__(self, version: str) -> ModuleType:
        return import_module(self._modules[version])

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __len__(self) -> int:
        return len(self._modules)

    def __repr__(self) -> str:
        return f"Versions({list(self._modules)})"
