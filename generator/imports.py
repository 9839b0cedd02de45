"""Part of normalizing: which names each generated module of a version imports.

Decided from the typed IR nodes (each type, body encoding and result kind says what it needs),
so generated modules import exactly what they use.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from generator import ir
from generator.emit import check_function

# What each result kind's method calls from the runtime's responses module.
_RESULT_READERS: dict[ir.ResultKind, tuple[str, str] | None] = {
    "none": None,
    "exists": ("exists", "exists"),
    "model": ("read_model", "read_model"),
    "optional_model": ("read_optional_model", "read_optional_model"),
    "paged": ("iterate_pages", "iterate_pages_async"),
}
_ENCODERS: dict[ir.BodyEncoding, str] = {
    "content": "encode_content",
    "json": "encode_json",
    "model": "encode_json",
}


@dataclass
class _Names:
    abc: set[str] = field(default_factory=set)
    typing: set[str] = field(default_factory=set)
    request: set[str] = field(default_factory=set)
    responses: set[str] = field(default_factory=set)
    models: set[str] = field(default_factory=set)
    wire: set[str] = field(default_factory=set)
    records: set[str] = field(default_factory=lambda: {"record"})

    def add_types(self, types: Iterable[ir.PyType]) -> None:
        for type_ in types:
            for part in type_.walk():
                if part.kind == "sequence":
                    self.abc.add("Sequence")
                elif part.kind == "literal":
                    self.typing.add("Literal")
                elif part.kind in ("any", "json_object"):
                    self.typing.add("Any")
                elif part.kind == "content":
                    self.request.add("Content")
                elif part.kind == "model" and part.model:
                    self.models.add(part.model)

    def frozen(self) -> ir.ModuleImports:
        return ir.ModuleImports(
            abc=tuple(sorted(self.abc)),
            typing=tuple(sorted(self.typing)),
            request=tuple(sorted(self.request)),
            responses=tuple(sorted(self.responses)),
            models=tuple(sorted(self.models)),
            wire=tuple(sorted(self.wire)),
            records=tuple(sorted(self.records)),
        )


def version_imports(
    operations: tuple[ir.Operation, ...], models: tuple[ir.Model, ...], error_model: str | None
) -> ir.VersionImports:
    return ir.VersionImports(
        models=_models_imports(models),
        operations=_operations_imports(operations),
        client=_client_imports(operations, error_model, is_async=False),
        async_client=_client_imports(operations, error_model, is_async=True),
    )


def _argument_types(op: ir.Operation) -> list[ir.PyType]:
    types = [p.type for p in op.parameters]
    if op.body:
        types.append(op.body.type)
    return types


def _models_imports(models: tuple[ir.Model, ...]) -> ir.ModuleImports:
    names = _Names(typing={"Any"})  # from_wire reads a Mapping[str, Any]
    names.add_types(f.type for model in models for f in model.fields)
    names.models.clear()  # the module defines them
    for f in (f for model in models for f in model.fields):
        names.wire.add(("" if f.required else "optional_") + f.codec)
        if f.secret:
            names.records.add("field")  # a secret is kept out of the repr
    return names.frozen()


def _operations_imports(operations: tuple[ir.Operation, ...]) -> ir.ModuleImports:
    names = _Names(request={"Request"})
    for op in operations:
        names.add_types(_argument_types(op))
        if op.path_parameters or (op.hub and op.hub.location == "path"):
            names.request.add("format_path")
        names.request.update(check_function(p) for p in op.parameters)
        if op.body:
            names.request.add(_ENCODERS[op.body.encoding])
        if op.paging:
            names.typing.add("Any")
            names.models.update((op.paging.page_model, op.paging.item_model))
    return names.frozen()


def _client_imports(
    operations: tuple[ir.Operation, ...], error_model: str | None, *, is_async: bool
) -> ir.ModuleImports:
    names = _Names()
    for op in operations:
        names.add_types(_argument_types(op))
        if op.body:
            names.add_types(f.type for f in op.body.flattened)
        readers = _RESULT_READERS[op.result.kind]
        if readers:
            names.responses.add(readers[is_async])
        if op.result.model:
            names.models.add(op.result.model)
        if op.result.kind == "paged":
            names.responses.add("AsyncItemPaged" if is_async else "ItemPaged")
    if error_model:
        names.models.add(error_model)
    return names.frozen()
