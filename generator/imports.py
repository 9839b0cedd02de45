"""Part of normalizing: which names each generated module of a version imports.

Decided from the annotations and calls the IR already holds, so generated modules import exactly
what they use.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from generator import ir

_ABC = ("AsyncIterator", "Iterator", "Mapping", "Sequence")
_TYPING = ("Any", "Literal")
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def version_imports(
    operations: tuple[ir.Operation, ...], models: tuple[ir.Model, ...], error_model: str | None
) -> ir.VersionImports:
    model_names = {model.name for model in models}
    field_annotations = [f.annotation for model in models for f in model.fields]
    return ir.VersionImports(
        models=ir.ModuleImports(typing=_names(["Any", *field_annotations], _TYPING)),
        operations=_operations_imports(operations, model_names),
        client=_client_imports(operations, model_names, error_model, is_async=False),
        async_client=_client_imports(operations, model_names, error_model, is_async=True),
    )


def _operations_imports(
    operations: tuple[ir.Operation, ...], model_names: set[str]
) -> ir.ModuleImports:
    annotations = [p.annotation for op in operations for p in op.parameters]
    annotations += [op.body.annotation for op in operations if op.body]
    pages = [op.paging for op in operations if op.paging]
    request = {"Request"}
    if any(op.path_parameters or (op.hub and op.hub.location == "path") for op in operations):
        request.add("format_path")
    request.update(p.check.split("(")[0] for op in operations for p in op.parameters if p.check)
    for op in operations:
        if op.body:
            request.add(op.body.encoder.split("(")[0])
            request.update(_names([op.body.annotation], ("Content",)))
    return ir.ModuleImports(
        abc=_names(annotations, _ABC),
        typing=_names(annotations + (["Any"] if pages else []), _TYPING),
        request=tuple(sorted(request)),
        models=_names(
            annotations + [name for page in pages for name in (page.page_model, page.item_model)],
            model_names,
        ),
    )


def _client_imports(
    operations: tuple[ir.Operation, ...],
    model_names: set[str],
    error_model: str | None,
    *,
    is_async: bool,
) -> ir.ModuleImports:
    annotations = [p.annotation for op in operations for p in op.parameters]
    annotations += [op.body.annotation for op in operations if op.body]
    annotations += [f.annotation for op in operations if op.body for f in op.body.flattened]
    results = [
        op.result.async_annotation if is_async else op.result.annotation for op in operations
    ]
    kinds = {op.result.kind for op in operations}
    responses = {
        "exists": "exists",
        "model": "read_model",
        "optional_model": "read_optional_model",
        "paged": "iterate_pages_async" if is_async else "iterate_pages",
    }
    return ir.ModuleImports(
        abc=_names(annotations + results, _ABC),
        typing=_names(annotations, _TYPING),
        request=_names(annotations, ("Content",)),
        responses=tuple(sorted(responses[kind] for kind in kinds if kind in responses)),
        models=_names(
            annotations
            + results
            + [op.result.model or "" for op in operations]
            + [error_model or ""],
            model_names,
        ),
    )


def _names(texts: Iterable[str], wanted: Iterable[str]) -> tuple[str, ...]:
    used = {word for text in texts for word in _WORD.findall(text)}
    return tuple(sorted(used & set(wanted)))
