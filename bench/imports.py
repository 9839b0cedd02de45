"""Import time: each module imported in a fresh interpreter, timed inside it."""

from __future__ import annotations

import subprocess
import sys

MODULES = ("httpx", "realtime_rest.webpubsub", "azure.messaging.webpubsubservice")
_PROBE = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def import_ms(module: str, runs: int) -> list[float]:
    return [
        float(subprocess.check_output([sys.executable, "-c", _PROBE.format(module=module)])) * 1000
        for _ in range(runs)
    ]
