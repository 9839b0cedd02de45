"""Options every generated method takes per call, keyword-only: ``client.send_to_all(m, timeout=5)``."""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, TypedDict

if sys.version_info >= (3, 11):
    from typing import Unpack
else:  # pragma: no cover - Python 3.10
    from typing_extensions import Unpack

if TYPE_CHECKING:
    from realtime_rest._runtime.transport import Response

__all__ = ["CallOptions", "Unpack"]


class CallOptions(TypedDict, total=False):
    """Per-call options.

    :ivar timeout: seconds the call may take in all, retries and their waits included; the retry
        policy's ``deadline`` unless given. A paged call applies it to each page.
    :ivar headers: extra request headers. ``Authorization``, ``Host``, ``Content-Length`` and
        ``Transfer-Encoding`` are the client's own and are refused, as are names or values that
        HTTP does not allow.
    :ivar raw_response_hook: called with the final response of the call (of each page of a paged
        call), error responses included, before its result or error is made from it.
    """

    timeout: float
    headers: Mapping[str, str]
    raw_response_hook: Callable[[Response], None]
