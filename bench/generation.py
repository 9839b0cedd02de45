"""Generation: ours on all specs (fresh process each run), a no-op check, openapi-python-client on
the same specs, and ours on synthetic specs of growing size."""

from __future__ import annotations

import copy
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from generator.validate import VOCABULARY, operations

ROOT = Path(__file__).resolve().parent.parent
SPECS = sorted((ROOT / "specs").glob("*/*.yaml"))
SCALING_BASE = ROOT / "specs/webpubsub/2024-12-01.yaml"


@dataclass(frozen=True)
class Run:
    seconds: float
    peak_mib: float
    ok: bool
    error: str = ""


def timed(command: Sequence[str], cwd: Path | None = None, cache: Path | None = None) -> Run:
    """Wall time and peak memory of one command in a fresh process (its own rusage via wait4).
    `cache` is the generator's format cache; None gives it an empty one."""
    cache = cache or Path(tempfile.mkdtemp(prefix="cold-cache-"))
    started = time.perf_counter()
    process = subprocess.Popen(
        command,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**_env(), "REALTIME_REST_CACHE": str(cache)},
    )
    assert process.stderr is not None
    error = process.stderr.read().decode(errors="replace")
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    return Run(
        seconds, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status) == 0, error[-500:]
    )


def _env() -> dict[str, str]:
    # openapi-python-client's post-generation hooks call ruff, installed beside this interpreter.
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}


def project_copy(specs: dict[str, Any] | None = None) -> Path:
    """A scratch project root with the real specs (or the given {relative path: document})."""
    root = Path(tempfile.mkdtemp(prefix="realtime-rest-bench-"))
    if specs is None:
        shutil.copytree(ROOT / "specs", root / "specs")
    else:
        for relative, document in specs.items():
            (root / relative).parent.mkdir(parents=True, exist_ok=True)
            (root / relative).write_text(yaml.safe_dump(document, sort_keys=False))
        # The synthetic copies of operations carry numbered operationIds: name them as actions.
        ids = sorted({op["operationId"] for d in specs.values() for _, _, op in operations(d)})
        vocabulary = (ROOT / "specs" / VOCABULARY).read_text() + "".join(f"{i}\n" for i in ids)
        (root / "specs" / VOCABULARY).write_text(vocabulary)
    return root


def black_alone_seconds() -> float:
    """CPU seconds black takes, in this process, to format every file generation gives it, each
    taken as it is checked in, already formatted: the least any run that formats its whole output
    with black can take, on one core."""
    from generator.format import format_python
    from generator.pipeline import load_services
    from generator.render import render

    rendered = render(load_services(ROOT / "specs", ROOT))
    formatted = [f.path for f in rendered if f.path.endswith(".py") and not f.verbatim]
    texts = [(path, (ROOT / "generated" / path).read_text()) for path in formatted]
    started = time.process_time()
    for path, text in texts:
        format_python(path, text)
    return time.process_time() - started


def ours_generate(root: Path, cache: Path | None) -> Run:
    shutil.rmtree(root / "generated", ignore_errors=True)
    command = [sys.executable, "-m", "generator", "--root", str(root), "generate"]
    return timed(command, cwd=ROOT, cache=cache)


def ours_check(root: Path, cache: Path | None) -> Run:
    command = [sys.executable, "-m", "generator", "--root", str(root), "check"]
    return timed(command, cwd=ROOT, cache=cache)


def openapi_python_client(specs: Sequence[Path]) -> list[Run]:
    """One run per spec, each into an empty folder, with the tool's default configuration (its
    default post-generation hooks format the output with ruff)."""
    runs = []
    for spec in specs:
        output = Path(tempfile.mkdtemp(prefix="opc-bench-")) / "client"
        command = [
            str(Path(sys.executable).parent / "openapi-python-client"),
            "generate",
            "--path",
            str(spec),
            "--output-path",
            str(output),
            "--overwrite",
        ]
        runs.append(timed(command))
        shutil.rmtree(output.parent, ignore_errors=True)
    return runs


def synthetic_spec(operations: int) -> dict[str, Any]:
    """The 2024-12-01 Web PubSub spec with its operations repeated under new paths and ids until
    it has `operations` of them."""
    document = load_document(SCALING_BASE)
    originals = [
        (path, method, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in ("get", "put", "post", "delete", "head", "patch")
    ]
    paths: dict[str, Any] = {}
    for index in range(operations):
        path, method, operation = originals[index % len(originals)]
        copy_number = index // len(originals)
        operation = copy.deepcopy(operation)
        operation["operationId"] += str(copy_number) if copy_number else ""
        new_path = path.replace("/api/", f"/api/copy{copy_number}/", 1) if copy_number else path
        shared = document["paths"][path].get("parameters")
        item = paths.setdefault(new_path, {"parameters": shared} if shared else {})
        item[method] = operation
    document["paths"] = paths
    document["info"]["version"] = "2099-01-01"
    for parameter in document["components"].get("parameters", {}).values():
        if parameter["name"] == "api-version":
            parameter["schema"]["default"] = "2099-01-01"
    return document


def load_document(path: Path) -> Any:
    return yaml.load(path.read_text(), Loader=_StringDates)


class _StringDates(yaml.SafeLoader):
    """Keeps 2024-12-01 a string, as the generator's loader does."""


_StringDates.add_constructor("tag:yaml.org,2002:timestamp", yaml.SafeLoader.construct_yaml_str)
