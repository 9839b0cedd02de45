"""Checking the JWTs that callers present, as the services do: signature, lifetime, audience."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from typing import Any

# Clocks drift: a token is accepted this long before its nbf and after its exp.
CLOCK_SKEW_SECONDS = 5


class TokenError(Exception):
    """Why a token was refused. The message never contains the token."""


def verify(
    token: str,
    key: str,
    audiences: tuple[str, ...],
    *,
    allow_entra: bool = False,
    now: float | None = None,
) -> Mapping[str, Any]:
    """The claims of a token signed HS256 with the access key for one of the audiences.

    Tokens of another algorithm are Microsoft Entra ID tokens: accepted unchecked, and only when
    ``allow_entra`` says so; the emulator has no tenant to validate them against.
    """
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenError("the token is not a JWT (three dot-separated parts)")
    header = _json_part(parts[0], "header")
    claims = _json_part(parts[1], "payload")
    if header.get("alg") != "HS256":
        if allow_entra:
            return claims
        raise TokenError(f"unsupported token algorithm {str(header.get('alg'))[:20]!r}")
    expected = hmac.new(key.encode("utf-8"), f"{parts[0]}.{parts[1]}".encode(), hashlib.sha256)
    if not hmac.compare_digest(_b64decode(parts[2], "signature"), expected.digest()):
        raise TokenError("the token's signature does not match the access key")
    moment = time.time() if now is None else now
    expires = claims.get("exp")
    if not isinstance(expires, (int, float)) or isinstance(expires, bool):
        raise TokenError("the token has no numeric exp claim")
    if expires + CLOCK_SKEW_SECONDS < moment:
        raise TokenError("the token has expired")
    not_before = claims.get("nbf")
    if isinstance(not_before, (int, float)) and not_before - CLOCK_SKEW_SECONDS > moment:
        raise TokenError("the token is not valid yet")
    audience = claims.get("aud")
    wanted = {text.lower() for text in audiences}
    if not isinstance(audience, str) or audience.lower() not in wanted:
        raise TokenError(f"the token's audience is not {' or '.join(audiences)}")
    return claims


def _json_part(part: str, name: str) -> dict[str, Any]:
    try:
        value = json.loads(_b64decode(part, name))
    except (ValueError, RecursionError):
        raise TokenError(f"the token's {name} is not JSON") from None
    if not isinstance(value, dict):
        raise TokenError(f"the token's {name} is not a JSON object")
    return value


def _b64decode(part: str, name: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
    except (binascii.Error, ValueError):
        raise TokenError(f"the token's {name} is not base64url") from None


def bearer(authorization: str | None) -> str | None:
    """The token of an ``Authorization: Bearer`` header."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None
