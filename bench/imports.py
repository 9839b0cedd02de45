"""Import time, each run in a fresh interpreter: an HTTP library, then what our module adds."""

from __future__ import annotations

import subprocess
import sys

LIBRARIES = ("urllib3", "aiohttp")
MODULE = "realtime_rest.webpubsub"
_AFTER = (
    "import time; t0 = time.perf_counter(); import {library}; t1 = time.perf_counter(); "
    "import {module}; t2 = time.perf_counter(); print(t1 - t0, t2 - t1)"
)
_ALONE = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def import_ms(library: str, runs: int) -> list[tuple[float, float]]:
    """Per run: ms to import the library, then ms that importing our module adds to it."""
    results = []
    for _ in range(runs):
        probe = _AFTER.format(library=library, module=MODULE)
        output = subprocess.check_output([sys.executable, "-c", probe]).split()
        results.append((float(output[0]) * 1000, float(output[1]) * 1000))
    return results


def import_ms_alone(module: str, runs: int) -> list[float]:
    return [
        float(subprocess.check_output([sys.executable, "-c", _ALONE.format(module=module)])) * 1000
        for _ in range(runs)
    ]
