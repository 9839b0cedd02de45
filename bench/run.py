"""`make bench`: generation, client overhead, throughput and import time, ours beside the
alternatives, measured in one run on this machine; the report goes to bench/results.md."""

from __future__ import annotations

import compileall
import json
import os
import platform
import statistics
import tempfile
from importlib.metadata import version
from pathlib import Path
from typing import Any

import clients
import emulator
import generation
import imports

REPORT = Path(__file__).with_name("results.md")
RUNS = 5
# The overhead and throughput runs are short and the machine's noise is of their size: more of
# them give a steadier median.
OVERHEAD_RUNS = 9
THROUGHPUT_RUNS = 5
CALLS = 1000  # per run of the overhead benchmark
SENDS = 1500  # per run of the throughput benchmark
CONCURRENCY = (1, 16, 64)
SCALING = {10: 2, 100: 2, 1000: 1}  # operations: runs
TARGETS = {
    "generation": 0.3,  # × openapi-python-client, cold cache
    "sync_floor": 1.3,  # × raw urllib3, CPU per call
    "sync_sdk": 0.4,  # × the SDK, CPU per call
    "async_floor": 0.7,  # × raw aiohttp, sends per second with 64 tasks (at least)
    "async_sdk": 5.0,  # × the SDK's async client, the same (at least)
    "import_ms": 15.0,  # over the HTTP library the client uses
}
# "Throughput does not fall from 1 to 16 to 64 tasks": each step keeps at least this share of the
# step before, the rest being what repeated runs of one client differ by on this machine.
NOT_FALLING = 0.95


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
            "urllib3",
            "aiohttp",
            "black",
            "openapi-python-client",
            "ruff",
            "azure-messaging-webpubsubservice",
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
    black_alone = [generation.black_alone_seconds() for _ in range(3)]
    their_peaks = [max(run.peak_mib for run in runs) for runs in theirs]
    ratio = statistics.median(r.seconds for r in cold) / statistics.median(their_totals)
    warm_ratio = statistics.median(r.seconds for r in warm) / statistics.median(their_totals)
    lines += [
        "## 1. Generation of the four specs",
        "",
        "Each run is a fresh process writing `generated/` from nothing. *Cold*: the generator's cache",
        "is empty (black's output, the validator's verdicts, the compiled templates: a first run on a",
        "new machine, CI); *warm*: it holds earlier results (a maintainer regenerating).",
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
        "Black alone, formatting the checked-in output once more"
        f" (already formatted, in one process): "
        f"{spread(black_alone)} s of CPU, "
        f"**{statistics.median(black_alone) / statistics.median(their_totals):.2f}×** "
        "openapi-python-client's whole run; on this machine's two cores, at best half of that in "
        "wall time. A cold run formats all of its output, so this bounds it from below.",
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


def _ratio_rows(
    med: dict[str, dict[str, float]], pairs: list[tuple[str, str]]
) -> tuple[list[str], dict[tuple[str, str], float]]:
    """Rows of per-operation ratios of medians, and the worst (largest) ratio of each pair."""
    rows, worst = [], {}
    for ours, other in pairs:
        ratios = [med[ours][o] / med[other][o] for o in clients.OPERATIONS]
        worst[(ours, other)] = max(ratios)
        rows.append(f"| {ours} / {other} | " + " | ".join(f"{r:.2f}" for r in ratios) + " |")
    return rows, worst


def bench_clients(lines: list[str]) -> dict[str, Any]:
    with clients.loopback_server() as port:
        overhead = clients.overhead(port, CALLS, OVERHEAD_RUNS)
        rates = clients.throughput(port, CONCURRENCY, SENDS, THROUGHPUT_RUNS)
    lines += [
        "## 2. Client overhead per call",
        "",
        f"CPU time of the client process per call, µs ({OVERHEAD_RUNS} runs of {CALLS} calls after a warm-up), "
        "against one loopback server in its own process. The clients take turns run by run, so "
        "that a busier moment of the machine is shared by all. Every client sends an HS256 "
        "access-key token for the request URL; the floors build the same request by hand with "
        "the library alone and reuse each URL's token, as our clients and the SDK may.",
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
    med = {c: {o: statistics.median(v) for o, v in ops.items()} for c, ops in overhead.items()}
    sdk = "azure-messaging-webpubsubservice"
    rows, worst = _ratio_rows(
        med,
        [
            ("realtime-rest sync", "raw urllib3 (floor)"),
            ("realtime-rest sync", "raw httpx"),
            ("realtime-rest sync", sdk),
            ("realtime-rest async", "raw aiohttp (floor)"),
            ("realtime-rest async", "raw httpx async"),
        ],
    )
    lines += [
        "",
        "| ratio (medians) | " + " | ".join(clients.OPERATIONS) + " |",
        "| --- |" + " --- |" * len(clients.OPERATIONS),
        *rows,
        "",
        "## 3. Throughput",
        "",
        f"Async `send_to_all` per second, {SENDS} sends shared by N tasks on one client, after "
        f"each task sent two (connections open); {THROUGHPUT_RUNS} runs, the clients taking turns in each.",
        "",
        "| client | " + " | ".join(f"N = {n}" for n in CONCURRENCY) + " |",
        "| --- |" + " --- |" * len(CONCURRENCY),
    ]
    for client, by_tasks in rates.items():
        lines.append(
            f"| {client} | " + " | ".join(spread(by_tasks[n], 0) for n in CONCURRENCY) + " |"
        )
    rate = {c: {n: statistics.median(v) for n, v in by.items()} for c, by in rates.items()}
    ours = rate["realtime-rest async"]
    most = CONCURRENCY[-1]
    steps = [ours[b] / ours[a] for a, b in zip(CONCURRENCY, CONCURRENCY[1:])]
    lines += [
        "",
        f"With {most} tasks: realtime-rest / raw aiohttp **{ours[most] / rate['raw aiohttp (floor)'][most]:.2f}**, "
        f"/ raw httpx async **{ours[most] / rate['raw httpx async'][most]:.2f}**, "
        f"/ the SDK **{ours[most] / rate[sdk + ' async'][most]:.2f}**; "
        "the floor itself / the SDK "
        f"**{rate['raw aiohttp (floor)'][most] / rate[sdk + ' async'][most]:.2f}**. "
        "realtime-rest from one step of N to the next: "
        + ", ".join(
            f"{a}→{b}: {r:.2f}×" for (a, b), r in zip(zip(CONCURRENCY, CONCURRENCY[1:]), steps)
        )
        + ".",
        "",
    ]
    return {
        "sync_floor": worst[("realtime-rest sync", "raw urllib3 (floor)")],
        "sync_sdk": worst[("realtime-rest sync", sdk)],
        "async_floor": ours[most] / rate["raw aiohttp (floor)"][most],
        "async_sdk": ours[most] / rate[sdk + " async"][most],
        "steps": steps,
    }


def bench_imports(lines: list[str]) -> float:
    times = {library: imports.import_ms(library, 10) for library in imports.LIBRARIES}
    lines += [
        "## 4. Import time",
        "",
        "Milliseconds, in a fresh interpreter each run (10 runs): first the HTTP library, then, "
        "in the same interpreter, what our module adds to it; the SDK alone for comparison. "
        "The package's bytecode is compiled first, as pip compiles it at install.",
        "",
        "| import | library, ms | `realtime_rest.webpubsub` after it, ms |",
        "| --- | --- | --- |",
        *(
            f"| `{library}` | {spread([t[0] for t in runs], 1)} | {spread([t[1] for t in runs], 1)} |"
            for library, runs in times.items()
        ),
        f"| `azure.messaging.webpubsubservice` | {spread(imports.import_ms_alone('azure.messaging.webpubsubservice', 10), 1)} | |",
        "",
        "The sync clients send with urllib3 and the async ones with aiohttp; each imports its "
        "library when its first client is made, so the module alone loads neither.",
        "",
    ]
    return max(statistics.median(t[1] for t in runs) for runs in times.values())


def bench_emulator(lines: list[str]) -> float:
    runs = {
        kind: [emulator.deliveries_per_second(kind) for _ in range(3)]
        for kind in ("emulator", "floor")
    }
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


def compile_bytecode() -> None:
    """Bytecode for the generator and the package, as an installed tool or package has it: with
    PYTHONDONTWRITEBYTECODE set, or after a regeneration, every timed run would compile their
    sources again and time that too."""
    for folder in ("generator", "generated/realtime_rest"):
        compileall.compile_dir(generation.ROOT / folder, quiet=1)


def main() -> None:
    compile_bytecode()
    body: list[str] = []
    generation_ratio = bench_generation(body)
    bench_scaling(body)
    measured = bench_clients(body)
    import_cost = bench_imports(body)
    deliveries = bench_emulator(body)
    steps = measured["steps"]
    t = TARGETS
    headline = [
        "# Benchmarks",
        "",
        "Written by `make bench`; every figure below comes from the same run on this machine.",
        "Ratios are of medians of runs that took turns (A B A B ...), so that the machine's drift",
        "while other work runs on it is shared by both sides.",
        "",
        *machine(),
        "",
        "| goal | measured | |",
        "| --- | --- | --- |",
        f"| async throughput, 64 tasks ≥ {t['async_floor']}× raw aiohttp | {measured['async_floor']:.2f}× | {verdict(measured['async_floor'] >= t['async_floor'])} |",
        f"| async throughput, 64 tasks ≥ {t['async_sdk']:.0f}× the SDK | {measured['async_sdk']:.2f}× | {verdict(measured['async_sdk'] >= t['async_sdk'])} |",
        f"| async throughput does not fall from 1 to 16 to 64 tasks (each step ≥ {NOT_FALLING}×) | "
        + ", ".join(f"{r:.2f}×" for r in steps)
        + f" | {verdict(min(steps) >= NOT_FALLING)} |",
        f"| sync CPU per call ≤ {t['sync_floor']}× raw urllib3 | worst {measured['sync_floor']:.2f}× | {verdict(measured['sync_floor'] <= t['sync_floor'])} |",
        f"| sync CPU per call ≤ {t['sync_sdk']}× the SDK | worst {measured['sync_sdk']:.2f}× | {verdict(measured['sync_sdk'] <= t['sync_sdk'])} |",
        f"| import adds ≤ {t['import_ms']:.0f} ms over the HTTP library | worst {import_cost:.1f} ms | {verdict(import_cost <= t['import_ms'])} |",
        f"| generation ≤ {t['generation']}× openapi-python-client, cold cache | {generation_ratio:.2f}× | {verdict(generation_ratio <= t['generation'])} |",
        f"| emulator broadcast deliveries | {deliveries:,.0f}/s | measured |",
        "",
    ]
    REPORT.write_text("\n".join(headline + body))
    print(REPORT.read_text())


if __name__ == "__main__":
    main()
