"""What generation remembers between runs, each kind in its own folder of
``$REALTIME_REST_CACHE`` (default ``~/.cache/realtime-rest``).

Every entry is named by a hash of everything its content depends on (the tool's version, its
settings and the input), so that an entry is never stale; deleting the folder is always safe, and
a cache that cannot be read or written only costs time.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path


def folder(kind: str) -> Path:
    default = Path.home() / ".cache" / "realtime-rest"
    return Path(os.environ.get("REALTIME_REST_CACHE") or default) / kind


def key(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()


def read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def write(path: Path, text: str) -> None:
    """Write whole or not at all: a reader never sees half an entry."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=path.parent, delete=False
        ) as file:
            file.write(text)
        os.replace(file.name, path)
    except OSError:
        pass
