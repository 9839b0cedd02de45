"""`make bench`: generation, client overhead, throughput and import time, ours beside the
alternatives, measured in one run on this machine; the report goes to bench/results.md."""

from __future__ import annotations

import json
import os
import platform
import statistics
import tempfile
from importlib.metadata import version
from pathlib import Path

import clients
import emulator
import generation
import imports

REPORT = Path(__file__).with_name("results.md")
RUNS = 5
CALLS = 1000  # per run of the overhead benchmark
SENDS = 1500  # per run of the throughput benchmark
CONCURRENCY = (1, 16, 64)
SCALING = {10: 3, 100: 3, 1000: 1}  # operations: runs
TARGETS = {"generation": 0.3, "floor": 1.2, "sdk": 0.5, "import_ms": 15.0}


def spread(values: list[float], digits: int = 2) -> str:
    """Median with the range of the runs: `1.23 (1.20–1.31)`."""
    if len(values) == 1:
        return f"{values[0]:.{digits}f} (1 run)"
    return f"{statistics.median(values):.{digits}f} ({min(values):.{digits}f}–{max(values):.{digits}f})"


def machine() -> list[str]:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    packages = ", ".join(
        f"{name} {version(name)}"
        for name in (
            "httpx",
            "black",
            "openapi-python-client",
            "ruff",
            "azure-messaging-webpubsubservice",
            "aiohttp",
        )
    )
    return [
        f"- CPU: {cpu}, {os.cpu_count()} logical CPUs",
        f"- Python {platform.python_version()} on {platform.system()} {platform.release()}",
        f"- Packages: {packages}",
        "- Every figure: median of the runs, with the range (min–max) in brackets.",
    ]


def json_specs() -> list[Path]:
    """The specs as JSON, for openapi-python-client, whose YAML reading takes an unquoted
    2024-12-01 for a date; the generator reads them as OpenAPI says (JSON types)."""
    folder = Path(tempfile.mkdtemp(prefix="specs-json-"))
    paths = []
    for spec in generation.SPECS:
        path = folder / f"{spec.parent.name}-{spec.stem}.json"
        path.write_text(json.dumps(generation.load_document(spec)))
        paths.append(path)
    return paths


def bench_generation(lines: list[str]) -> float:
    root = generation.project_copy()
    cold = [generation.ours_generate(root, cache=None) for _ in range(RUNS)]
    warm_cache = Path(tempfile.mkdtemp(prefix="cache-"))
    generation.ours_generate(root, cache=warm_cache)
    warm = [generation.ours_generate(root, cache=warm_cache) for _ in range(RUNS)]
    checks = [generation.ours_check(root, cache=warm_cache) for _ in range(RUNS)]
    checks_cold = [generation.ours_check(root, cache=None) for _ in range(RUNS)]
    specs = json_specs()
    theirs = [generation.openapi_python_client(specs) for _ in range(3)]
    failures = sorted(
        {run.error.strip().splitlines()[-1] for runs in theirs for run in runs if not run.ok}
    )
    their_totals = [sum(run.seconds for run in runs) for runs in theirs]
    their_peaks = [max(run.peak_mib for run in runs) for runs in theirs]
    ratio = statistics.median(r.seconds for r in cold) / statistics.median(their_totals)
    warm_ratio = statistics.median(r.seconds for r in warm) / statistics.median(their_totals)
    lines += [
        "## 1. Generation of the four specs",
        "",
        "Each run is a fresh process. *Cold*: black's cache is empty (a first run, CI); *warm*: it",
        "holds earlier results (a maintainer regenerating after a spec change).",
        "",
        "| what | wall time, s | peak memory, MiB |",
        "| --- | --- | --- |",
        f"| realtime-rest `generate`, cold | {spread([r.seconds for r in cold])} | {spread([r.peak_mib for r in cold], 0)} |",
        f"| realtime-rest `generate`, warm | {spread([r.seconds for r in warm])} | {spread([r.peak_mib for r in warm], 0)} |",
        f"| realtime-rest `check` (no-op), warm | {spread([r.seconds for r in checks])} | {spread([r.peak_mib for r in checks], 0)} |",
        f"| realtime-rest `check` (no-op), cold | {spread([r.seconds for r in checks_cold])} | {spread([r.peak_mib for r in checks_cold], 0)} |",
        f"| openapi-python-client, four runs (one per spec) | {spread(their_totals)} | {spread(their_peaks, 0)} |",
        "",
        f"Ratio realtime-rest / openapi-python-client: **{ratio:.2f}** cold, **{warm_ratio:.2f}** warm "
        f"(target ≤ {TARGETS['generation']}).",
        "",
        "realtime-rest writes, per version, a sync and an async client, models, request builders, "
        "generated tests and a reference page; openapi-python-client writes one client package per spec "
        "(sync and async functions, models) and formats it with ruff.",
    ]
    if failures:
        lines += [
            "",
            "openapi-python-client reported errors: " + "; ".join(f"`{f}`" for f in failures),
        ]
    lines.append("")
    return ratio


def bench_scaling(lines: list[str]) -> None:
    lines += [
        "### Scaling",
        "",
        "Synthetic specs built from Web PubSub 2024-12-01 with its operations repeated; cold cache.",
        "",
        "| operations | wall time, s | per operation, ms | peak memory, MiB |",
        "| --- | --- | --- | --- |",
    ]
    for operations, runs in SCALING.items():
        root = generation.project_copy(
            {"specs/webpubsub/2099-01-01.yaml": generation.synthetic_spec(operations)}
        )
        results = [generation.ours_generate(root, cache=None) for _ in range(runs)]
        seconds = [r.seconds for r in results]
        per_operation = [s / operations * 1000 for s in seconds]
        lines.append(
            f"| {operations} | {spread(seconds)} | {spread(per_operation, 1)} | {spread([r.peak_mib for r in results], 0)} |"
        )
    lines.append("")


def bench_clients(lines: list[str]) -> tuple[float, float]:
    with clients.loopback_server() as port:
        overhead = clients.overhead(port, CALLS, RUNS)
        rates = clients.throughput(port, CONCURRENCY, SENDS, 3)
    floors = {
        "realtime-rest sync": "raw httpx (floor)",
        "realtime-rest async": "raw httpx async (floor)",
    }
    lines += [
        "## 2. Client overhead per call",
        "",
        f"CPU time of the client process per call, µs ({RUNS} runs of {CALLS} calls after a warm-up), "
        "against one loopback server in its own process. Every client signs an HS256 access-key "
        "token per request; the floor builds the same request with httpx by hand.",
        "",
        "| client | " + " | ".join(clients.OPERATIONS) + " |",
        "| --- |" + " --- |" * len(clients.OPERATIONS),
    ]
    for client, operations in overhead.items():
        lines.append(
            f"| {client} | "
            + " | ".join(spread(operations[o], 0) for o in clients.OPERATIONS)
            + " |"
        )
    lines += [
        "",
        "| ratio (medians) | " + " | ".join(clients.OPERATIONS) + " |",
        "| --- |" + " --- |" * len(clients.OPERATIONS),
    ]
    med = {c: {o: statistics.median(v) for o, v in ops.items()} for c, ops in overhead.items()}
    worst_floor = 0.0
    for ours, floor in floors.items():
        ratios = [med[ours][o] / med[floor][o] for o in clients.OPERATIONS]
        worst_floor = max(worst_floor, *ratios)
        lines.append(f"| {ours} / {floor} | " + " | ".join(f"{r:.2f}" for r in ratios) + " |")
    sdk = [
        med["realtime-rest sync"][o] / med["azure-messaging-webpubsubservice"][o]
        for o in clients.OPERATIONS
    ]
    worst_sdk = max(sdk)
    lines.append(
        "| realtime-rest sync / azure-messaging-webpubsubservice | "
        + " | ".join(f"{r:.2f}" for r in sdk)
        + " |"
    )
    lines += [
        "",
        "## 3. Throughput",
        "",
        f"Async `send_to_all` per second, {SENDS} sends shared by N tasks on one client (3 runs).",
        "",
        "| client | " + " | ".join(f"N = {n}" for n in CONCURRENCY) + " |",
        "| --- |" + " --- |" * len(CONCURRENCY),
    ]
    for client, by_tasks in rates.items():
        lines.append(
            f"| {client} | " + " | ".join(spread(by_tasks[n], 0) for n in CONCURRENCY) + " |"
        )
    lines.append("")
    return worst_floor, worst_sdk


def bench_imports(lines: list[str]) -> float:
    times = {module: imports.import_ms(module, 10) for module in imports.MODULES}
    ours = statistics.median(times["realtime_rest.webpubsub"]) - statistics.median(times["httpx"])
    lines += [
        "## 4. Import time",
        "",
        "Milliseconds to import the module in a fresh interpreter (10 runs); each includes its dependencies.",
        "",
        "| module | ms |",
        "| --- | --- |",
        *(f"| `{module}` | {spread(values, 1)} |" for module, values in times.items()),
        "",
        f"realtime-rest adds **{ours:.1f} ms** over httpx alone (target ≤ {TARGETS['import_ms']:.0f} ms).",
        "",
    ]
    return ours


def bench_emulator(lines: list[str]) -> float:
    runs = {kind: [emulator.deliveries_per_second(kind) for _ in range(3)] for kind in ("emulator", "floor")}
    ratio = statistics.median(runs["emulator"]) / statistics.median(runs["floor"])
    lines += [
        "## 5. Emulator deliveries",
        "",
        "Messages received per second by 300 WebSocket clients of one hub, 30 broadcasts sent one after",
        "another through the REST API (3 runs); the floor is a bare aiohttp server that writes each body",
        "to every socket, with no tokens, routing, validation or framing.",
        "",
        "| server | deliveries/s |",
        "| --- | --- |",
        *(f"| {kind} | {spread(values, 0)} |" for kind, values in runs.items()),
        "",
        f"The emulator delivers at **{ratio:.2f}×** the floor's rate.",
        "",
    ]
    return statistics.median(runs["emulator"])


def verdict(met: bool) -> str:
    return "met" if met else "**missed**"


def main() -> None:
    body: list[str] = []
    generation_ratio = bench_generation(body)
    bench_scaling(body)
    worst_floor, worst_sdk = bench_clients(body)
    import_cost = bench_imports(body)
    deliveries = bench_emulator(body)
    headline = [
        "# Benchmarks",
        "",
        "Written by `make bench`; every figure below comes from the same run on this machine.",
        "",
        *machine(),
        "",
        "| target | measured | |",
        "| --- | --- | --- |",
        f"| generation ≤ {TARGETS['generation']}× openapi-python-client | {generation_ratio:.2f}× (cold cache) | {verdict(generation_ratio <= TARGETS['generation'])} |",
        f"| client overhead ≤ {TARGETS['floor']}× the raw-httpx floor | worst {worst_floor:.2f}× | {verdict(worst_floor <= TARGETS['floor'])} |",
        f"| client overhead ≤ {TARGETS['sdk']}× the official SDK | worst {worst_sdk:.2f}× | {verdict(worst_sdk <= TARGETS['sdk'])} |",
        f"| import ≤ {TARGETS['import_ms']:.0f} ms over httpx | {import_cost:.1f} ms | {verdict(import_cost <= TARGETS['import_ms'])} |",
        f"| emulator broadcast deliveries | {deliveries:,.0f}/s | measured |",
        "",
    ]
    REPORT.write_text("\n".join(headline + body))
    print(REPORT.read_text())


if __name__ == "__main__":
    main()
