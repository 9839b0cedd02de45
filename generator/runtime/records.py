"""Immutable records: the package's value classes and the generated models.

``@record`` reads a class as ``@dataclass(frozen=True)`` does, and type checkers see it as one
(PEP 681). It is here because the package makes about twenty such classes at import and makes
requests and responses on every call: ``dataclasses`` imports ``inspect`` and compiles five
methods per class, which made up two thirds of the package's import time, and a frozen dataclass
assigns each field through ``object.__setattr__``. A record compiles only its ``__init__``, which
stores the fields straight into the instance; equality, hashing, ``repr`` and immutability are
shared.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any, TypeVar

if sys.version_info >= (3, 11):
    from typing import dataclass_transform
else:
    from typing_extensions import dataclass_transform

T = TypeVar("T")


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


_MISSING: Any = _Missing()


class _Field:
    __slots__ = ("default", "default_factory", "repr")

    def __init__(self, default: Any, default_factory: Callable[[], Any] | None, repr: bool) -> None:
        self.default = default
        self.default_factory = default_factory
        self.repr = repr


def field(
    *, default: Any = _MISSING, default_factory: Callable[[], Any] | None = None, repr: bool = True
) -> Any:
    """A field's default, or the function that makes one per instance, and whether repr shows
    it (``repr=False`` keeps a secret out of logs)."""
    if default is not _MISSING and default_factory is not None:
        raise ValueError("a field takes a default or a default_factory, not both")
    return _Field(default, default_factory, repr)


def _frozen_setattr(self: Any, name: str, value: object) -> None:
    raise AttributeError(f"{type(self).__name__} is immutable: cannot set {name}")


def _frozen_delattr(self: Any, name: str) -> None:
    raise AttributeError(f"{type(self).__name__} is immutable: cannot delete {name}")


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.__record_shown__)
    return f"{type(self).__qualname__}({shown})"


def _eq(self: Any, other: object) -> object:
    if other.__class__ is not self.__class__:
        return NotImplemented
    return _values(self) == _values(other)


def _hash(self: Any) -> int:
    return hash(_values(self))


def _values(item: Any) -> tuple[Any, ...]:
    return tuple(getattr(item, name) for name in item.__record_fields__)


@dataclass_transform(frozen_default=True, field_specifiers=(field,))
def record(cls: type[T]) -> type[T]:
    """Make ``cls`` an immutable record of the fields its class body annotates, in order."""
    if cls.__bases__ != (object,):
        raise TypeError(f"{cls.__name__}: a record derives from no other class")
    names: list[str] = []
    shown: list[str] = []
    defaults: dict[str, Any] = {}
    factories: dict[str, Callable[[], Any]] = {}
    for name, annotation in cls.__dict__.get("__annotations__", {}).items():
        if str(annotation).startswith(("ClassVar", "typing.ClassVar")):
            continue
        if not name.isidentifier() or name.startswith("__record"):
            raise TypeError(f"{cls.__name__}: {name!r} cannot name a field of a record")
        declared = cls.__dict__.get(name, _MISSING)
        spec = declared if isinstance(declared, _Field) else _Field(declared, None, True)
        if spec.default_factory is not None:
            factories[name] = spec.default_factory
            delattr(cls, name)
        elif spec.default is not _MISSING:
            defaults[name] = spec.default
            setattr(cls, name, spec.default)  # the class attribute shows it, as in a dataclass
        elif defaults or factories:
            raise TypeError(f"{cls.__name__}.{name}: a field without a default follows one with")
        names.append(name)
        if spec.repr:
            shown.append(name)
    methods: dict[str, Any] = {
        "__init__": _init(cls.__qualname__, names, defaults, factories),
        "__setattr__": _frozen_setattr,
        "__delattr__": _frozen_delattr,
        "__record_fields__": tuple(names),
        "__record_shown__": tuple(shown),
        "__match_args__": tuple(names),
    }
    # As a dataclass does, a __repr__ or __eq__ (and its __hash__) of the class's own is kept.
    own = cls.__dict__
    if "__repr__" not in own:
        methods["__repr__"] = _repr
    if "__eq__" not in own:
        methods["__eq__"] = _eq
        if "__hash__" not in own:
            methods["__hash__"] = _hash
    for key, value in methods.items():
        setattr(cls, key, value)
    return cls


def _init(
    qualname: str,
    names: list[str],
    defaults: dict[str, Any],
    factories: dict[str, Callable[[], Any]],
) -> Callable[..., None]:
    """``__init__(self, a, b=<default>, ...)``, storing each field in the instance's dict.

    Its source holds the field names only (identifiers of the class body); defaults and
    factories are passed in its namespace, never written as text.
    """
    # Its own names start with __record, which no field's may: a field may be called self.
    parameters = ["__record_self"]
    body = ["    __record_dict = __record_self.__dict__"]
    for name in names:
        if name in factories:
            parameters.append(f"{name}=__record_missing")
            body.append(
                f"    __record_dict[{name!r}] = __record_factory_{name}() "
                f"if {name} is __record_missing else {name}"
            )
        else:
            parameters.append(f"{name}=__record_default_{name}" if name in defaults else name)
            body.append(f"    __record_dict[{name!r}] = {name}")
    source = f"def __init__({', '.join(parameters)}) -> None:\n" + "\n".join(body) + "\n"
    scope: dict[str, Any] = {"__record_missing": _MISSING}
    scope.update({f"__record_default_{name}": value for name, value in defaults.items()})
    scope.update({f"__record_factory_{name}": value for name, value in factories.items()})
    exec(compile(source, f"<record {qualname}>", "exec"), scope)
    init: Callable[..., None] = scope["__init__"]
    init.__qualname__ = f"{qualname}.__init__"
    return init


def replace(item: T, **changes: Any) -> T:
    """A copy of the record ``item`` with some fields changed, as ``dataclasses.replace``."""
    fields: tuple[str, ...] = getattr(item, "__record_fields__")
    unknown = set(changes) - set(fields)
    if unknown:
        raise TypeError(f"{type(item).__name__} has no field {', '.join(sorted(unknown))}")
    return type(item)(**{name: changes.get(name, getattr(item, name)) for name in fields})
