"""Stage 4: all versions of a service → one ir.Service, operations keyed by operationId, and
the changes between consecutive versions."""

from __future__ import annotations

from dataclasses import dataclass

from generator import ir
from generator.diff import compare
from generator.errors import SpecError


@dataclass(frozen=True)
class _ServiceFacts:
    display_name: str
    prefix: str  # of the client class names
    # Whether an access-key token's audience keeps the request's query: Web PubSub checks the
    # whole request URL, SignalR the URL without its query (both REST API references say so).
    audience_includes_query: bool
    mixins: tuple[str, str]  # the runtime's end-client token helpers, sync and async


SERVICES = {
    "signalr": _ServiceFacts(
        "Azure SignalR Service", "SignalR", False, ("SignalRNegotiation", "SignalRNegotiation")
    ),
    "webpubsub": _ServiceFacts(
        "Azure Web PubSub", "WebPubSub", True, ("WebPubSubTokens", "AsyncWebPubSubTokens")
    ),
}


def merge(versions: list[ir.Version]) -> list[ir.Service]:
    """Group versions by service, oldest version first (API versions sort as dates; v1 first)."""
    by_service: dict[str, list[ir.Version]] = {}
    for version in versions:
        if version.service not in SERVICES:
            known = ", ".join(sorted(SERVICES))
            raise SpecError(
                version.spec_path,
                "path",
                f"unknown service folder {version.service!r} (known: {known})",
            )
        by_service.setdefault(version.service, []).append(version)
    return [_service(name, by_service[name]) for name in sorted(by_service)]


def _version_order(version: ir.Version) -> tuple[int, str]:
    # "v1" predates the date-versioned APIs of the same service.
    return (0 if version.version.startswith("v") else 1, version.version)


def _service(name: str, versions: list[ir.Version]) -> ir.Service:
    ordered = tuple(sorted(versions, key=_version_order))
    method_names = {op.operation_id: op.method_name for v in ordered for op in v.operations}
    routes = [{op.operation_id: op.route for op in v.operations} for v in ordered]
    facts = SERVICES[name]
    return ir.Service(
        name=name,
        display_name=facts.display_name,
        client_name=f"{facts.prefix}Client",
        audience_includes_query=facts.audience_includes_query,
        client_mixin=facts.mixins[0],
        async_client_mixin=facts.mixins[1],
        versions=ordered,
        operations=tuple(
            ir.VersionedOperation(
                operation_id, method_name, tuple(r.get(operation_id) for r in routes)
            )
            for operation_id, method_name in sorted(method_names.items())
        ),
        changelog=tuple(
            compare(old, new) for old, new in reversed(list(zip(ordered, ordered[1:])))
        ),
    )
