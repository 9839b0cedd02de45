"""Part of normalizing: names that would collide in the generated code are refused.

Two operationIds equal after snake_case, an operation named like something the clients already
have (``Close``, ``FromConnectionString``) or like a name its module imports (``Check``), and two
models or a model and an imported name with one class name would each silently break a client.
What the runtime defines is read from its source, so the list cannot fall behind it.
"""

from __future__ import annotations

import ast
import functools
from pathlib import Path

from generator import ir
from generator.document import Document

# The runtime does not vary per spec: plain, black-clean Python, copied into the package as it is.
RUNTIME = Path(__file__).resolve().parent / "runtime"
# Names each generated module defines or imports besides the spec's own.
_MODULE_NAMES = frozenset(
    {
        "annotations",
        "Any",
        "AsyncItemPaged",
        "ItemPaged",
        "Literal",
        "Mapping",
        "Sequence",
        "dataclass",
        "models",
        "_operations",
        "API_VERSION",
    }
)
# The runtime modules whose classes the generated clients inherit from.
_CLIENT_BASES = ("client.py", "tokens.py")
# Class attributes the client templates declare on every client.
_CLIENT_DECLARES = frozenset(
    {"API_VERSION", "_scope", "_hub_pattern", "_error_model", "_audience_includes_query"}
)


@functools.cache
def runtime_names() -> tuple[frozenset[str], frozenset[str]]:
    """(every top-level name of the runtime's modules, every attribute of the clients' bases)."""
    top: set[str] = set()
    attributes: set[str] = set()
    for module in sorted(RUNTIME.glob("*.py")):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in tree.body:
            top.update(_defined(node))
            if isinstance(node, ast.ClassDef) and module.name in _CLIENT_BASES:
                for member in node.body:
                    attributes.update(_defined(member))
    return frozenset(top), frozenset(attributes)


def _defined(node: ast.stmt) -> set[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return {node.target.id}
    if isinstance(node, ast.Assign):
        return {target.id for target in node.targets if isinstance(target, ast.Name)}
    return set()


def refuse_collisions(
    document: Document, operations: tuple[ir.Operation, ...], models: tuple[ir.Model, ...]
) -> None:
    runtime_top, client_attributes = runtime_names()
    taken_methods = runtime_top | client_attributes | _MODULE_NAMES | _CLIENT_DECLARES
    seen: dict[str, str] = {}
    # The operations are in document order, as normalize made them.
    for (path, method, _), op in zip(document.operations(), operations):
        operation_id = op.operation_id
        place = ("paths", path, method, "operationId")
        for name in (op.method_name, op.page_reader if op.paging else None):
            if name is None:
                continue
            if name in seen:
                raise document.fail(
                    place, f"{operation_id!r} and {seen[name]!r} both become {name!r} in Python"
                )
            if name in taken_methods:
                raise document.fail(
                    place,
                    f"{operation_id!r} becomes {name!r}, a name the clients already use: "
                    "choose another operationId",
                )
            seen[name] = operation_id
    _refuse_model_collisions(document, models, runtime_top)


def _refuse_model_collisions(
    document: Document, models: tuple[ir.Model, ...], runtime_top: frozenset[str]
) -> None:
    by_class: dict[str, str] = {}
    for component in sorted(document.schemas):
        name = document.model_name({"$ref": f"#/components/schemas/{component}"})
        if name is None:
            continue
        place = ("components", "schemas", component)
        if name in by_class:
            raise document.fail(
                place, f"{component!r} and {by_class[name]!r} both become the class {name!r}"
            )
        if name in runtime_top or name in _MODULE_NAMES:
            raise document.fail(
                place, f"the model {component!r} becomes {name!r}, a name the clients import"
            )
        by_class[name] = component
